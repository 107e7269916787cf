"""XLSX written column by column: the cells' XML is built with array operations, not a Python
call per cell, so a 130,000-row plan is written in about a second (a per-cell writer needed
about ten).

The workbook is the minimal one the Office Open XML standard asks for (content types, the
workbook with its sheets and filter ranges, one style sheet, a worksheet per frame): the header
row bold and frozen, an autofilter over the table, column widths, dates as real dates, money in
the given number format, numbers of percent (12.5 for 12.5 %) as ``12.5 %``, other numbers as
they are, and text always as inline text (never a
formula, whatever it starts with; `forecast.export` neutralises it first).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAX_TEXT = 32767  # Excel's longest cell text
EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
NS_PER_DAY = 86_400 * 10**9

# cellXfs positions (styles.xml below)
GENERAL, BOLD, DATE, STAMP, MONEY, PERCENT = 0, 1, 2, 3, 4, 5
# a number of percent (12.5 for 12.5 %, as the CSV has it) shown as "12.5 %": Excel's own
# percent format would multiply the number by 100
PERCENT_FORMAT = '0.0" %"'
NUMBER_STYLES = {None: "", "money": f' s="{MONEY}"', "percent": f' s="{PERCENT}"'}

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text_xml(text: str) -> str:
    """Cell text as XML character data (control characters as Excel's _xHHHH_ escapes)."""
    text = escape(text[:MAX_TEXT])
    return _CONTROL.sub(_control_escape, text)


def _join(*parts: object) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars (Arrow, no Python per cell)."""
    return pc.binary_join_element_wise(*parts, "")


def _numbers(values: np.ndarray) -> pa.Array:
    """Numbers as their shortest round-trip text (``1234.5``, ``12``, ``1e+16``)."""
    return pc.cast(pa.array(values), pa.string())


def _blank_where(cells: pa.Array, present: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(present), cells, "")


def column_cells(
    values: pd.Series,
    refs: pa.Array,
    number: str | None,
    cell: Callable[[object], object],
    prefixes: tuple[str, ...],
) -> pa.Array:
    """The XML of one column's cells, one string per row ('' for an empty cell). `refs` are the
    cells' references (``B2``, ``B3``...); `number` is how its numbers are shown (None as they
    are, "money" or "percent"); `cell` turns a value of a mixed column into a number, text,
    datetime, bool or None (``forecast.export._cell``)."""
    number_style = NUMBER_STYLES[number]
    if pd.api.types.is_bool_dtype(values) and not values.isna().any():
        flags = pa.array(np.where(values.to_numpy(dtype=bool), "1", "0"))
        return _join('<c r="', refs, '" t="b"><v>', flags, "</v></c>")
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values.dt.tz_localize(None) if values.dt.tz is not None else values
        ns = stamps.to_numpy(dtype="datetime64[ns]")
        present = ~np.isnat(ns)
        offset = np.where(present, ns - EXCEL_EPOCH, np.timedelta64(0, "ns")).astype(np.int64)
        whole = offset % NS_PER_DAY == 0
        serial = pc.if_else(
            pa.array(whole), _numbers(offset // NS_PER_DAY), _numbers(offset / NS_PER_DAY)
        )
        styles = pa.array(np.where(whole, f' s="{DATE}"', f' s="{STAMP}"'))
        cells = _join('<c r="', refs, '"', styles, "><v>", serial, "</v></c>")
        return _blank_where(cells, present)
    if pd.api.types.is_integer_dtype(values) and not values.isna().any():
        numbers = _numbers(values.to_numpy(dtype=np.int64))
        return _join('<c r="', refs, '"', number_style, "><v>", numbers, "</v></c>")
    if pd.api.types.is_float_dtype(values) or pd.api.types.is_integer_dtype(values):
        floats = values.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(floats)
        numbers = _numbers(np.where(finite, floats, 0.0))
        cells = _join('<c r="', refs, '"', number_style, "><v>", numbers, "</v></c>")
        infinite = np.isinf(floats)
        if infinite.any():  # as the CSV writes them: inf, -inf, as text
            words = pa.array(np.where(floats > 0, "inf", "-inf"))
            text = _join('<c r="', refs, '" t="inlineStr"><is><t>', words, "</t></is></c>")
            cells = pc.if_else(pa.array(infinite), text, cells)
        return _blank_where(cells, finite | infinite)
    kind = pd.api.types.infer_dtype(values, skipna=False)
    if kind == "string":
        return _string_cells(values, refs, prefixes)
    if kind == "decimal":
        numbers = pa.array(values.astype(str).to_numpy(dtype=object), type=pa.string())
        return _join('<c r="', refs, '"', number_style, "><v>", numbers, "</v></c>")
    # Mixed (object) columns: each value classified once, then written by kind.
    ref_list = refs.to_pylist()
    out = []
    for ref, raw in zip(ref_list, values.tolist(), strict=True):
        value = cell(raw)
        if value is None or (isinstance(value, str) and not value):
            out.append("")
        elif isinstance(value, str):
            text = text_xml(value)
            out.append(
                f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
            )
        elif isinstance(value, bool):
            out.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, datetime):
            out.append(_datetime_cell(ref, value))
        elif isinstance(value, float) and not np.isfinite(value):
            out.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        else:
            number = repr(value) if isinstance(value, float) else str(value)
            out.append(f'<c r="{ref}"{number_style}><v>{number}</v></c>')
    return pa.array(out, type=pa.string())


def _string_cells(values: pd.Series, refs: pa.Array, prefixes: tuple[str, ...]) -> pa.Array:
    """A column of text: neutralised (a leading ``'`` before the `prefixes` a spreadsheet would
    run), escaped, empty text left out (as an empty cell). Arrow's string kernels do the work."""
    text = pa.array(values.astype(object).to_numpy(), type=pa.string(), from_pandas=True)
    text = pc.fill_null(text, "")
    # as `export.neutralise`: also text that starts so after quotes of its own ('=x)
    unquoted = pc.utf8_ltrim(text, characters="'")
    danger = pc.starts_with(unquoted, prefixes[0])
    for prefix in prefixes[1:]:
        danger = pc.or_(danger, pc.starts_with(unquoted, prefix))
    if pc.any(danger).as_py():
        text = pc.if_else(danger, _join("'", text), text)
    text = pc.utf8_slice_codeunits(text, 0, MAX_TEXT)
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, raw, entity)
    if pc.any(pc.match_substring_regex(text, _CONTROL.pattern)).as_py():
        escaped = [_CONTROL.sub(_control_escape, w) for w in text.to_pylist()]
        text = pa.array(escaped, type=pa.string())
    cells = _join(
        '<c r="', refs, '" t="inlineStr"><is><t xml:space="preserve">', text, "</t></is></c>"
    )
    return pc.if_else(pc.equal(text, ""), "", cells)


def _control_escape(match: re.Match[str]) -> str:
    return f"_x{ord(match.group()):04X}_"


def _datetime_cell(ref: str, value: datetime) -> str:
    offset = (np.datetime64(value, "ns") - EXCEL_EPOCH).astype(np.int64)
    days, rest = divmod(int(offset), NS_PER_DAY)
    if rest == 0:
        return f'<c r="{ref}" s="{DATE}"><v>{days}</v></c>'
    return f'<c r="{ref}" s="{STAMP}"><v>{int(offset) / NS_PER_DAY!r}</v></c>'


def _concatenated(rows: pa.Array) -> bytes:
    """The UTF-8 bytes of all strings of an Arrow string array, one after the other."""
    if len(rows) == 0:
        return b""
    rows = pc.fill_null(rows, "")
    _, offset_buffer, data = rows.buffers()
    kind = np.int64 if pa.types.is_large_string(rows.type) else np.int32
    offsets = np.frombuffer(offset_buffer, dtype=kind)[rows.offset : rows.offset + len(rows) + 1]
    return bytes(memoryview(data)[int(offsets[0]) : int(offsets[-1])])


def sheet_xml(
    frame: pd.DataFrame,
    header: list[str],
    numbers: Sequence[str | None],
    widths: Sequence[float],
    cell: Callable[[object], object],
    prefixes: tuple[str, ...],
) -> bytes:
    n_rows, n_cols = len(frame), len(frame.columns)
    last = column_letter(max(n_cols - 1, 0))
    table = f"A1:{last}{max(n_rows, 1) + 1}"
    row_numbers = _numbers(np.arange(2, n_rows + 2, dtype=np.int64))
    columns = [
        column_cells(frame[name], _join(column_letter(j), row_numbers), numbers[j], cell, prefixes)
        for j, name in enumerate(frame.columns)
    ]
    rows = _join('<row r="', row_numbers, '">', *columns, "</row>")
    head = "".join(
        f'<c r="{column_letter(j)}1" s="{BOLD}" t="inlineStr"><is><t xml:space="preserve">'
        f"{text_xml(text)}</t></is></c>"
        for j, text in enumerate(header)
    )
    cols = "".join(
        f'<col min="{j + 1}" max="{j + 1}" width="{width + 0.7109375}" customWidth="1"/>'
        for j, width in enumerate(widths)
    )
    start = (
        f'{HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">'
        f'<dimension ref="{table if n_cols else "A1"}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + f'<sheetData><row r="1">{head}</row>'
    )
    end = "</sheetData>" + (f'<autoFilter ref="{table}"/>' if n_cols else "") + "</worksheet>"
    return start.encode("utf-8") + _concatenated(rows) + end.encode("utf-8")


def styles_xml(money_format: str) -> str:
    formats = (
        '<numFmts count="4"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/>'
        f'<numFmt numFmtId="166" formatCode={quoteattr(money_format)}/>'
        f'<numFmt numFmtId="167" formatCode={quoteattr(PERCENT_FORMAT)}/></numFmts>'
    )
    xf = '<xf numFmtId="{fmt}" fontId="{font}" fillId="0" borderId="0" xfId="0"{apply}/>'
    cell_xfs = "".join(
        [
            xf.format(fmt=0, font=0, apply=""),
            xf.format(fmt=0, font=1, apply=' applyFont="1"'),
            xf.format(fmt=164, font=0, apply=' applyNumberFormat="1"'),
            xf.format(fmt=165, font=0, apply=' applyNumberFormat="1"'),
            xf.format(fmt=166, font=0, apply=' applyNumberFormat="1"'),
            xf.format(fmt=167, font=0, apply=' applyNumberFormat="1"'),
        ]
    )
    return (
        f'{HEAD}<styleSheet xmlns="{MAIN}">{formats}'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="6">{cell_xfs}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def workbook_bytes(sheets: list[tuple[str, str, bytes]], money_format: str) -> bytes:
    """The .xlsx of (title, filter range or '', worksheet XML) sheets."""
    n = len(sheets)
    content_types = (
        f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(n)
        )
        + "</Types>"
    )
    root_rels = (
        f'{HEAD}<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    book_rels = (
        f'{HEAD}<Relationships xmlns="{PACKAGE_RELS}">'
        + "".join(
            f'<Relationship Id="rId{i + 1}" Type="{RELS}/worksheet" '
            f'Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(n)
        )
        + f'<Relationship Id="rId{n + 1}" Type="{RELS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    names = "".join(
        f'<sheet name={quoteattr(title)} sheetId="{i + 1}" r:id="rId{i + 1}"/>'
        for i, (title, _, _) in enumerate(sheets)
    )
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_absolute(title, table))}</definedName>"
        for i, (title, table, _) in enumerate(sheets)
        if table
    )
    workbook = (
        f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><bookViews><workbookView/></bookViews>'
        f"<sheets>{names}</sheets>"
        + (f"<definedNames>{filters}</definedNames>" if filters else "")
        + "</workbook>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        archive.writestr("xl/styles.xml", styles_xml(money_format))
        for i, (_, _, xml) in enumerate(sheets):
            archive.writestr(f"xl/worksheets/sheet{i + 1}.xml", xml)
    return buffer.getvalue()


def _absolute(title: str, table: str) -> str:
    first, last = table.split(":")
    quoted = "'" + title.replace("'", "''") + "'"

    def absolute(ref: str) -> str:
        letters = "".join(ch for ch in ref if ch.isalpha())
        return f"${letters}${ref[len(letters) :]}"

    return f"{quoted}!{absolute(first)}:{absolute(last)}"
