"""`forecast plan event export` writes what its file's name says (CSV, or a workbook for .xlsx)
and refuses a name it cannot write, so the product's own `plan event import` reads back every
file the export writes: the same events in another plan."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import event_import, system
from forecast.services.store_factory import open_store
from tests.unit.test_event_import import CALENDAR
from tests.unit.test_services_system import new_plan


def _what(event):
    return (event.name, event.kind, event.scope, event.start, event.end, event.effect, event.value)


@pytest.mark.parametrize("name", ["events.csv", "events.xlsx", "events.XLSX", "events.txt"])
def test_the_events_exported_import_again_into_another_plan(tmp_path, name):
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    source, target = new_plan(store), new_plan(store, "winter")
    event_import.import_events(store, source, "ann", CALENDAR, "calendar.csv")
    store.close()
    out = tmp_path / name
    runner = CliRunner()

    written = runner.invoke(
        app, ["plan", "event", "export", source, "-o", str(out), "--data-dir", str(data_dir)]
    )
    assert written.exit_code == 0, written.output
    read = runner.invoke(
        app,
        ["plan", "event", "import", target, str(out), "--as", "ann", "--data-dir", str(data_dir)],
    )
    assert read.exit_code == 0, read.output

    store = open_store(data_dir=data_dir)
    assert [_what(e) for e in system.list_events(store, target)] == [
        _what(e) for e in system.list_events(store, source)
    ]
    store.close()


def test_an_xlsx_export_is_a_workbook_not_csv_bytes(tmp_path):
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    plan_id = new_plan(store)
    event_import.import_events(store, plan_id, "ann", CALENDAR, "calendar.csv")
    store.close()
    out = tmp_path / "ev.xlsx"
    done = CliRunner().invoke(
        app, ["plan", "event", "export", plan_id, "-o", str(out), "--data-dir", str(data_dir)]
    )
    assert done.exit_code == 0, done.output
    assert out.read_bytes()[:4] == b"PK\x03\x04"


@pytest.mark.parametrize("name", ["ev.xls", "ev.ods", "ev.json", "ev.parquet", "ev.xlsm"])
def test_a_name_the_export_cannot_write_is_refused_with_the_names_it_can(tmp_path, name):
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    plan_id = new_plan(store)
    store.close()
    out = tmp_path / name
    done = CliRunner().invoke(
        app, ["plan", "event", "export", plan_id, "-o", str(out), "--data-dir", str(data_dir)]
    )
    assert done.exit_code != 0
    assert "name the file .csv or .xlsx" in done.output
    assert not out.exists()


TRICKY = [
    ("=cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")'),
    ("+1 promo", "+49 30 123"),
    ("-10% on shoes", "-"),
    ("@SUM(A1)", "@risk"),
    ("Fête de la bière ☕ 北京", "long " + "é" * 3_990),
    ("007", "0012"),
    ("'=already quoted", "''+twice"),
    ("line", "line one\nline two"),
    ("NA", "N/A"),  # North America: a name, not a missing cell
    ("None", "null"),
]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_texts_a_spreadsheet_would_run_or_change_come_back_as_they_were(suffix):
    """Names and reasons that start like a formula are written so no spreadsheet runs them
    (a leading ' in the cell, never a formula), and the import reads each back as the plan had
    it: unicode, a long reason, leading zeros, and text that starts with a quote itself."""
    import io
    import zipfile

    import pandas as pd

    from forecast.services import exports, plans
    from forecast.store import MemoryStore
    from tests.unit.test_services_system import HORIZON_WEEKS

    store = MemoryStore()
    source, target = new_plan(store), new_plan(store, "winter")
    for number, (name, reason) in enumerate(TRICKY):
        system.add_event(
            store,
            source,
            "ann",
            name=name,
            kind="promotion",
            scope=system.Scope(ids=("1",)),
            start=HORIZON_WEEKS[1].date(),
            end=(HORIZON_WEEKS[1] + pd.Timedelta(days=6)).date(),
            effect="percent",
            value=10.125 + number,
            reason=reason,
        )
    data = exports.events_file(plans.get_plan(store, source), f"events.{suffix}")
    cells = data
    if suffix == "xlsx":
        book = zipfile.ZipFile(io.BytesIO(data))
        (sheet,) = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        cells = book.read(sheet)
        assert b"<f>" not in cells and b"<f " not in cells  # no formula
    assert b"'=cmd|" in cells and b"'@SUM" in cells  # as text, quoted

    event_import.import_events(store, target, "ann", data, f"events.{suffix}")

    def what(plan):
        return [(*_what(e), e.reason) for e in system.list_events(store, plan)]

    assert what(target) == what(source)
