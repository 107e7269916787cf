"""Decompression bombs are refused from the file's directory or metadata, before they are read.

The XLSX bomb is real: a workbook whose sheet XML is larger than the bound but compresses to a
few hundred kilobytes. A spy on the zip reader counts the bytes inflated, so the tests show the
refusal came before the sheet was read (not how long it took).
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.engine.ingest import IngestError, bounds, detect, read_sales, reader

ROW = b'<row><c t="inlineStr"><is><t>1</t></is></c><c><v>1</v></c></row>'


def _small_workbook() -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame({"Store": ["a"], "Date": ["2024-01-01"], "Sales": [1]}).to_excel(
        buffer, index=False
    )
    return buffer.getvalue()


@pytest.fixture(scope="module")
def xlsx_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid workbook whose first sheet is replaced by XML past the bound (it compresses ~1000:1)."""
    source = zipfile.ZipFile(io.BytesIO(_small_workbook()))
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    chunk = ROW * (1024 * 1024 // len(ROW))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for entry in source.infolist():
            if entry.filename != "xl/worksheets/sheet1.xml":
                out.writestr(entry, source.read(entry))
                continue
            with out.open(entry.filename, "w", force_zip64=True) as sheet:
                sheet.write(b'<?xml version="1.0"?><worksheet><sheetData>')
                written = 0
                while written <= bounds.MAX_XLSX_UNPACKED_BYTES:
                    sheet.write(chunk)
                    written += len(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return path


@pytest.fixture
def inflated_bytes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes handed out by the zip reader (a spy: it calls through to the real read)."""
    counted = [0]
    real_read = zipfile.ZipExtFile.read

    def counting_read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        data = real_read(self, n)
        counted[0] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    return counted


def test_xlsx_bomb_is_refused_before_its_sheet_is_inflated(xlsx_bomb, inflated_bytes):
    assert xlsx_bomb.stat().st_size < 5 * 1024 * 1024  # a small upload ...

    with pytest.raises(IngestError) as refused:
        read_sales(xlsx_bomb)

    message = str(refused.value)
    assert "unpacks to" in message and "more than the limit of 128 MB" in message
    assert "split the file" in message
    assert inflated_bytes[0] < 1024 * 1024  # ... of which nothing of the sheet was inflated


def test_forecast_ingest_refuses_the_xlsx_bomb_with_exit_2(xlsx_bomb, inflated_bytes):
    result = CliRunner().invoke(app, ["ingest", str(xlsx_bomb)])

    assert result.exit_code == 2
    # The CLI convention (forecast.cli.conventions) ends a refused file with one wording.
    assert "unpacks to" in result.stderr and "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert inflated_bytes[0] < 1024 * 1024


def test_gzip_bomb_is_refused_as_soon_as_it_grows_past_the_bound(monkeypatch):
    monkeypatch.setattr(bounds, "MAX_UNPACKED_BYTES", 4 * 1024 * 1024)
    body = b"Store,Date,Sales\n" + b"1,2024-01-01,1\n" * 400_000  # ~6 MB unpacked
    packed = gzip.compress(body)

    with pytest.raises(IngestError, match="the gzip file unpacks to more than 4 MB"):
        read_sales(packed, filename="sales.csv.gz")


def test_gzip_file_within_the_bound_reads_as_before():
    body = b"Store,Date,Sales\n1,2024-01-01,1\n1,2024-01-08,2\n2,2024-01-01,3\n2,2024-01-08,4\n"

    result = read_sales(gzip.compress(body) + gzip.compress(b""), filename="sales.csv.gz")

    assert float(result.history["y"].sum()) == 10.0


def test_parquet_with_too_many_columns_is_refused_from_its_footer(monkeypatch):
    monkeypatch.setattr(bounds, "MAX_COLUMNS", 50)
    wide = pd.DataFrame({f"c{i}": [1.0, 2.0] for i in range(60)})
    buffer = io.BytesIO()
    wide.to_parquet(buffer)

    with pytest.raises(IngestError, match="60 columns, more than the limit of 50"):
        read_sales(buffer.getvalue(), filename="wide.parquet")


def test_parquet_with_too_many_rows_is_refused_from_its_footer(monkeypatch):
    monkeypatch.setattr(bounds, "MAX_ROWS", 1000)
    long = pd.DataFrame({"Store": ["a"] * 1001, "Date": ["2024-01-01"] * 1001, "Sales": 1.0})
    buffer = io.BytesIO()
    long.to_parquet(buffer)

    with pytest.raises(IngestError, match="more than 1,000 rows"):
        read_sales(buffer.getvalue(), filename="long.parquet")


def _relocated_workbook(
    filler_strings: int,
    sheet_path: str = "xl/data/sheet1.xml",
    more_rows: str = "",
    varied_strings: int = 0,
) -> bytes:
    """A valid workbook whose sheet and shared strings lie outside ``xl/worksheets/`` and
    ``xl/sharedStrings.xml`` (openpyxl finds them through the content types and relationships),
    with `filler_strings` unused shared strings of repeated markup (they pack ~1000:1),
    `varied_strings` unused ones that pack as text does, and `more_rows` below the 20 weeks."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
        f'<Override PartName="/{sheet_path}" ContentType="{ct}.worksheet+xml"/>'
        f'<Override PartName="/xl/ss.xml" ContentType="{ct}.sharedStrings+xml"/></Types>'
    )
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    root_rels = (
        f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
        f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'<workbook {ns} xmlns:r="{rel}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        f'<Relationships xmlns="{package}">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="{sheet_path[3:]}"/>'
        f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="ss.xml"/></Relationships>'
    )
    rows = [
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c></row>'
    ]
    days = pd.date_range("2024-01-01", periods=20, freq="W-MON").strftime("%Y-%m-%d")
    for i, day in enumerate(days, start=2):
        rows.append(
            f'<row r="{i}"><c r="A{i}" t="s"><v>3</v></c><c r="B{i}" t="inlineStr"><is><t>'
            f'{day}</t></is></c><c r="C{i}"><v>{100 + i}</v></c></row>'
        )
    sheet = f"<worksheet {ns}><sheetData>{''.join(rows)}{more_rows}</sheetData></worksheet>"
    strings = (
        f"<sst {ns}><si><t>store</t></si><si><t>date</t></si><si><t>sales</t></si>"
        "<si><t>s1</t></si>"
        + "<si><t>x</t></si>" * filler_strings
        + "".join(f"<si><t>{i * 2654435761 % 10**9:x}</t></si>" for i in range(varied_strings))
        + "</sst>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        out.writestr("[Content_Types].xml", types)
        out.writestr("_rels/.rels", root_rels)
        out.writestr("xl/workbook.xml", workbook)
        out.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        out.writestr(sheet_path, sheet)
        out.writestr("xl/ss.xml", strings)
    return buffer.getvalue()


def test_a_workbook_with_relocated_parts_reads_when_small():
    result = read_sales(_relocated_workbook(10), filename="moved.xlsx")

    assert result.report.rows_read == 20 and result.freq.startswith("W")


def test_relocated_sheet_and_shared_strings_count_towards_the_bound(monkeypatch, inflated_bytes):
    """The sheet at xl/data/sheet1.xml and the strings at xl/ss.xml: every part counts."""
    workbook = _relocated_workbook(60_000)  # ~1 MB of parts, ~5 KB packed
    monkeypatch.setattr(bounds, "MAX_XLSX_UNPACKED_BYTES", 512 * 1024)

    with pytest.raises(IngestError, match=r"unpacks to 1 MB \(all its parts\), more than the "):
        read_sales(workbook, filename="moved.xlsx")
    assert inflated_bytes[0] == 0  # refused from the zip's directory, before openpyxl


def test_a_part_packed_far_tighter_than_sheet_data_is_refused(inflated_bytes):
    """2 MB of shared strings in a few kilobytes: within the size bound, refused for its ratio."""
    workbook = _relocated_workbook(120_000)
    assert len(workbook) < 20_000

    with pytest.raises(IngestError) as refused:
        read_sales(workbook, filename="tight.xlsx")

    problem = refused.value.problems[0]
    assert problem.file == "tight.xlsx"
    assert "the XLSX part xl/ss.xml unpacks to" in problem.message
    assert "times a workbook's data packs to" in problem.message
    assert "split the file" in problem.fix
    assert inflated_bytes[0] == 0


@pytest.fixture
def openpyxl_never_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    def opened(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl opened the workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", opened)


def test_shared_strings_count_as_work_before_openpyxl_opens_the_workbook(
    monkeypatch, openpyxl_never_opens
):
    """Each shared string costs openpyxl tens of microseconds however short: 20 rows and 3,000
    strings (packed as text packs) are refused by their XML tags, counted beforehand."""
    workbook = _relocated_workbook(0, varied_strings=3_000)
    monkeypatch.setattr(bounds, "MAX_XLSX_TAGS", 10_000)

    with pytest.raises(IngestError) as refused:
        read_sales(workbook, filename="strings.xlsx")

    problem = refused.value.problems[0]
    assert problem.file == "strings.xlsx"
    assert "holds more than 10,000 XML tags (the limit" in problem.message
    assert "save the sheet as .csv" in problem.fix


def test_a_workbook_within_the_tag_bound_reads(monkeypatch):
    monkeypatch.setattr(bounds, "MAX_XLSX_TAGS", 10_000)

    assert read_sales(_relocated_workbook(0), filename="ok.xlsx").report.rows_read == 20


@pytest.fixture
def rows_built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows of cells openpyxl builds for the reader (a spy: it calls through)."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    built = [0]
    real = ReadOnlyWorksheet._get_row

    def counting(self: ReadOnlyWorksheet, *args: object, **kwargs: object) -> object:
        built[0] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ReadOnlyWorksheet, "_get_row", counting)
    return built


def test_a_cell_far_to_the_right_is_refused_at_its_row(rows_built):
    """A cell in column XFD makes openpyxl build 16,384 cells for its row: the first such row
    is refused, the 2,000 below it are never built (they took 40 s of CPU)."""
    far = "".join(f'<row r="{i}"><c r="XFD{i}"><v>1</v></c></row>' for i in range(22, 2022))

    with pytest.raises(IngestError) as refused:
        read_sales(_relocated_workbook(0, more_rows=far), filename="far.xlsx")

    problem = refused.value.problems[0]
    assert problem.file == "far.xlsx" and problem.row == 22
    assert "save the sheet as .csv" in problem.fix
    assert "row 22 of the sheet has 16,384 columns, more than the limit of 2,000" in (
        problem.message
    )
    assert rows_built[0] == 22


def test_a_row_numbered_far_down_counts_the_empty_rows_it_makes(monkeypatch, rows_built):
    """One cell at row 100,000 of a 1 KB workbook: openpyxl hands over 99,978 empty rows to
    reach it, and the grid would hold them; refused at that row, before any is built."""
    monkeypatch.setattr(bounds, "MAX_XLSX_CELLS", 30_000)
    far = '<row r="100000"><c r="A100000"><v>1</v></c></row>'

    with pytest.raises(IngestError) as refused:
        read_sales(_relocated_workbook(0, more_rows=far), filename="far.xlsx")

    problem = refused.value.problems[0]
    assert problem.row == 100_000
    assert "the sheet's grid reaches 300,000 cells by row 100000 (empty ones between " in (
        problem.message
    )
    assert "more than the limit of 30,000" in problem.message
    assert rows_built[0] == 20 + 2  # the header, the 20 weeks and the far row; no empty row


def test_a_row_past_the_last_row_of_an_excel_sheet_is_refused(monkeypatch):
    monkeypatch.setattr(bounds, "MAX_XLSX_ROWS", 1_000)
    far = '<row r="1001"><c r="A1001"><v>1</v></c></row>'

    with pytest.raises(IngestError, match="the sheet has rows past row 1,000, the last row"):
        read_sales(_relocated_workbook(0, more_rows=far), filename="far.xlsx")


def _many_columns_csv(extra: int) -> bytes:
    """store, date, sales and `extra` attribute columns (constant per store), 4 stores x 10 days."""
    header = ",".join(["store", "date", "sales", *(f"c{i}" for i in range(extra))])
    lines = [header]
    for row in range(40):
        store = row % 4
        cells = ",".join(f"a{store}" for _ in range(extra))
        lines.append(f"s{store},2024-01-{1 + row // 4:02d},{row},{cells}")
    return ("\n".join(lines) + "\n").encode()


def test_too_many_columns_are_refused_from_the_header_before_the_file_is_parsed(monkeypatch):
    monkeypatch.setattr(bounds, "MAX_COLUMNS", 50)
    parsed: list[int] = []
    monkeypatch.setattr(
        reader, "read_csv_full", lambda *a, **k: parsed.append(1) or reader_full(*a, **k)
    )
    monkeypatch.setattr(detect, "sample_text", lambda *a, **k: parsed.append(2), raising=False)

    with pytest.raises(IngestError) as refused:
        read_sales(_many_columns_csv(60), filename="wide.csv")

    assert parsed == []  # neither parsed whole nor looked at column by column
    problem = refused.value.problems[0]
    assert problem.file == "wide.csv"
    assert "63 columns, more than the limit of 50" in problem.message
    assert "write the table long" in problem.fix


reader_full = reader.read_csv_full


@pytest.fixture
def regex_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Calls of pandas' str.fullmatch (a spy): each one a pass over some cells."""
    from pandas.core.strings.accessor import StringMethods

    calls = [0]
    real = StringMethods.fullmatch

    def counting(self: StringMethods, *args: object, **kwargs: object) -> object:
        calls[0] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(StringMethods, "fullmatch", counting)
    return calls


def test_columns_are_told_apart_in_passes_over_all_columns_not_one_per_column(regex_passes):
    """300 attribute columns: the regex passes (number? date? a code like 007?) do not grow with
    the columns (they were 3 per column: 4,990 columns took 42 s in the upload preview)."""
    few = read_sales(_many_columns_csv(3), filename="few.csv")
    passes_for_few, regex_passes[0] = regex_passes[0], 0

    many = read_sales(_many_columns_csv(300), filename="many.csv")

    assert len(few.attributes.columns) == 2 + 3 and len(many.attributes.columns) == 2 + 300
    assert many.report.series == 4 and many.mapping.date_col == "date"
    assert regex_passes[0] <= passes_for_few + 2


def test_attribute_columns_make_their_frame_at_once(monkeypatch):
    """Inserting 5,000 attribute columns one by one copied the column index each time
    (quadratic: 60 s of CPU for a 40-row file); the frame is made once."""
    inserts = [0]
    real = pd.DataFrame.__setitem__

    def counting(self: pd.DataFrame, key: object, value: object) -> None:
        inserts[0] += 1
        real(self, key, value)

    monkeypatch.setattr(pd.DataFrame, "__setitem__", counting)

    result = read_sales(_many_columns_csv(300), filename="many.csv")

    assert len(result.attributes.columns) == 2 + 300  # unique_id, store, c0 .. c299
    assert inserts[0] < 20


def test_a_formatted_empty_cell_far_below_the_data_is_not_part_of_the_grid(monkeypatch):
    """A bold but empty cell at row 800,001 below 20 weeks of sales: openpyxl lists the empty rows
    down to it, which were counted against the grid's bound and refused a valid workbook."""
    monkeypatch.setattr(bounds, "MAX_XLSX_CELLS", 30_000)
    far = '<row r="800001"><c r="A800001" s="0"/></row>'

    read = read_sales(_relocated_workbook(0, more_rows=far), filename="formatted.xlsx")

    assert len(read.history) == 20


def test_the_one_pass_flag_filter_leaves_every_flag_the_exact_check_takes():
    """An XLSX column of FALSE cells and 0s (Python's False and 0) is a flag to the exact check;
    the one-pass filter over all columns had ruled it out by its text ('False' and '0')."""
    from forecast.engine.ingest import detect

    sample = pd.DataFrame(
        {"c0": [0, 1], "mixed": pd.Series([False, 0], dtype=object), "price": [9.5, 12.0]}
    )
    quick = detect.find_flags(sample, set(), detect.sample_text(sample))
    exact = detect.find_flags(
        sample,
        set(),
        detect.SampleText(detect.sample_text(sample).numeric, frozenset(), frozenset()),
    )

    assert quick == exact and "mixed" in quick and "price" not in quick
