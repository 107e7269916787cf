"""Importing a file of events (a promotions calendar) into a plan in one change."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.overrides import Event, Scope
from forecast.services import (
    event_import,
    exports,
    plan_create,
    plan_frames,
    plan_members,
    plans,
    system,
)
from forecast.services.errors import Forbidden, StaleVersion
from forecast.services.plan_file import InvalidFile
from forecast.services.store_factory import open_store
from forecast.store import MemoryStore
from tests.unit.test_services_system import new_plan

# The plan's horizon: the six weeks from Monday 2024-10-07 to Sunday 2024-11-17.
CALENDAR = (
    b"Name;Kind;Scope;Start;End;Effect;Value;Reason;Owner\n"
    b"Autumn flyer;promotion;StoreType=a;2024-10-14;2024-10-27;percent;15%;flyer;Eva\n"
    b"Harvest fair;Festival;all series;2024-11-04;2024-11-10;percent;12,5;town fair;Eva\n"
    b"Coffee limit;purchase_limit;ids 3, 4;2024-10-07;2024-10-13;cap;80;supplier;Jo\n"
)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def plan_id(store: MemoryStore) -> str:
    return new_plan(store)


def test_a_promotions_calendar_imports_as_one_version(store, plan_id):
    done = event_import.import_events(store, plan_id, "ann", CALENDAR, "calendar.csv")
    assert done.version == 2 and [e.event_id for e in done.added] == ["E1", "E2", "E3"]
    assert done.rows == [2, 3, 4] and done.skipped == []
    flyer, fair, limit = system.list_events(store, plan_id)
    assert (flyer.scope, flyer.effect, flyer.value) == (Scope.parse(["StoreType=a"]), "percent", 15)
    assert (fair.kind, fair.value, fair.scope.is_all) == ("festival", 12.5, True)
    assert (limit.scope.ids, limit.effect, limit.value) == (("3", "4"), "cap", 80)
    assert str(limit.start) == "2024-10-07" and limit.reason == "supplier"
    assert flyer.author == "ann" and flyer.suggested["flag"] == "Promo"  # as add_event records
    audit = plans.audit_log(store, plan_id)
    assert len(audit) == 2  # the plan's creation, then the one import
    assert (audit[-1].action, audit[-1].version) == ("add_event", 2)
    assert "import 3 event(s) from calendar.csv" in audit[-1].what
    assert [e["event_id"] for e in audit[-1].after["events"]] == ["E1", "E2", "E3"]
    frame = system.system_plan(store, plan_id)
    week = frame[(frame["unique_id"] == "1") & (frame["ds"] == "2024-10-14")].iloc[0]
    assert week["system_plan"] == pytest.approx(115.0)


def test_a_bad_row_refuses_the_whole_file_naming_row_and_column(store, plan_id):
    bad = CALENDAR + (
        b"Late sale,promotion,StoreType=z,2024-12-01,2024-12-07,percent,ten,\n"
        b"Reversed,promo,,2024-10-20,2024-10-14,add,5%,\n"
    ).replace(b",", b";")
    with pytest.raises(InvalidFile) as refused:
        event_import.import_events(store, plan_id, "ann", bad, "calendar.csv")
    lines = [str(p) for p in refused.value.problems]
    where = [line.split(": ", 1)[0] for line in lines]
    assert where == [
        "calendar.csv:5:value",
        "calendar.csv:5:start",
        "calendar.csv:5:scope",
        "calendar.csv:6:kind",
        "calendar.csv:6:value",
        "calendar.csv:6:end",
    ]
    assert "outside the plan's horizon 2024-10-07..2024-11-17" in lines[1]
    assert "valid values: a, b, c" in lines[2] and " -> " in lines[2]
    assert "use one of festival, promotion, purchase_limit, other" in lines[3]
    assert plans.get_plan(store, plan_id).version == 1 and system.list_events(store, plan_id) == []


def test_importing_the_same_file_twice_adds_nothing(store, plan_id):
    first = event_import.import_events(store, plan_id, "ann", CALENDAR, "calendar.csv")
    again = event_import.import_events(store, plan_id, "ann", CALENDAR, "calendar.csv")
    assert again.added == [] and again.version == first.version == 2
    assert [(s.row, s.why) for s in again.skipped] == [
        (2, "already in the plan as E1"),
        (3, "already in the plan as E2"),
        (4, "already in the plan as E3"),
    ]
    assert len(system.list_events(store, plan_id)) == 3
    assert len(plans.audit_log(store, plan_id)) == 2


def test_the_events_sheet_of_an_export_imports_into_another_plan(store, plan_id):
    system.add_event(
        store, plan_id, "ann", name="Flyer", kind="promotion", scope=Scope(ids=("1", "2")),
        start="2024-10-14", end="2024-10-23", effect="percent", value=-7.25, reason="r",
    )  # fmt: skip
    system.add_event(
        store, plan_id, "ann", name="Limit", kind="purchase_limit",
        scope=Scope.parse(["StoreType=a,b"]), start="2024-10-07", end="2024-10-07",
        effect="set", value=42.0,
    )  # fmt: skip
    workbook = exports.export_plan(store, plan_id, "xlsx")
    other = new_plan(store, "winter")
    done = event_import.import_events(store, other, "ann", workbook, "autumn.xlsx")
    assert [e.event_id for e in done.added] == ["E1", "E2"]

    def same(event):
        return (event.name, event.kind, event.scope, event.start, event.end, event.effect,
                event.value, event.reason, event.counts)  # fmt: skip

    assert [same(e) for e in system.list_events(store, other)] == [
        same(e) for e in system.list_events(store, plan_id)
    ]
    # and the sheet's scope words read back as the scope they were written from
    for scope in (Scope(), Scope.parse(["StoreType=a,c", "Region=N"], "7,8"), Scope(ids=("1",))):
        assert exports.scope_of_words(exports.scope_words(scope.to_dict())) == scope


def test_an_event_counted_in_whole_periods_comes_back_counted_so(store, plan_id):
    """The export's counts column: an event that took the learned uplift counts whole periods,
    and its copy must too, or the new plan's numbers differ where it covers part of a period."""
    calendar = (
        "name,kind,start,end,effect,value,counts\n"
        "Whole,promotion,2024-10-09,2024-10-10,percent,10,periods\n"
        "Share,promotion,2024-10-09,2024-10-10,percent,10,\n"
    )
    done = event_import.import_events(store, plan_id, "ann", calendar.encode(), "c.csv")
    assert [(e.name, e.counts) for e in done.added] == [("Whole", "periods"), ("Share", "days")]
    with pytest.raises(InvalidFile) as refused:
        event_import.import_events(
            store, plan_id, "ann", calendar.replace("periods", "weeks").encode(), "c.csv"
        )
    assert [(p.row, p.column) for p in refused.value.problems] == [(2, "counts")]


def test_a_stale_version_refuses_the_import(store, plan_id):
    system.add_event(
        store, plan_id, "ann", name="Early", kind="other", start="2024-10-07",
        end="2024-10-13", effect="add", value=5.0,
    )  # fmt: skip
    with pytest.raises(StaleVersion, match="version"):
        event_import.import_events(
            store, plan_id, "ann", CALENDAR, "calendar.csv", expected_version=1
        )
    assert len(system.list_events(store, plan_id)) == 1
    done = event_import.import_events(
        store, plan_id, "ann", CALENDAR, "calendar.csv", expected_version=2
    )
    assert done.version == 3


def test_a_lead_without_the_planner_role_cannot_import(store, plan_id):
    plan_members.grant(store, plan_id, "ann", "lee", "lead", team="a")
    with pytest.raises(Forbidden, match="may not import events.*planner role"):
        event_import.import_events(store, plan_id, "lee", CALENDAR, "calendar.csv")
    assert system.list_events(store, plan_id) == []


def test_a_semicolon_file_reads_its_decimal_comma_and_refuses_an_ambiguous_thousand(store, plan_id):
    european = (
        b"name;kind;start;end;effect;value\n"
        b"Market day;other;14.10.2024;27.10.2024;add;1.000,5\n"
        b"Late market;other;04/11/2024;10/11/2024;add;2,25\n"
    )
    done = event_import.import_events(store, plan_id, "ann", european, "markets.csv")
    assert [(str(e.start), str(e.end), e.value) for e in done.added] == [
        ("2024-10-14", "2024-10-27", 1000.5),
        ("2024-11-04", "2024-11-10", 2.25),  # day first, as 14.10.2024 tells
    ]
    unclear = b"name;kind;start;end;effect;value\nFair;other;2024-10-14;2024-10-20;add;1.000\n"
    with pytest.raises(InvalidFile, match=r"fair.csv:2:value: 1.000 may be 1000"):
        event_import.import_events(store, plan_id, "ann", unclear, "fair.csv")


def test_a_file_over_the_row_bound_is_refused(store, plan_id, monkeypatch):
    monkeypatch.setattr("forecast.bounds.MAX_EVENT_ROWS", 2)
    with pytest.raises(InvalidFile, match="3 events, more than the 2 one import takes"):
        event_import.import_events(store, plan_id, "ann", CALENDAR, "calendar.csv")


def test_the_cli_dry_run_reports_without_writing(tmp_path):
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    plan_id = new_plan(store)
    store.close()
    calendar = tmp_path / "calendar.csv"
    calendar.write_bytes(CALENDAR)
    runner = CliRunner()

    def run(*args: str):
        command = ["plan", "event", "import", plan_id, str(calendar), *args]
        return runner.invoke(app, [*command, "--data-dir", str(data_dir), "--as", "ann"])

    checked = run("--dry-run")
    assert checked.exit_code == 0, checked.output
    assert "would add E1 'Autumn flyer'" in checked.stdout
    assert (
        "calendar.csv: 3 event(s) would be added, 0 skipped; nothing was written (dry run)"
        in checked.stdout
    )
    imported = run("--json", "--expected-version", "1")
    assert imported.exit_code == 0, imported.output
    payload = json.loads(imported.stdout)
    assert payload["version"] == 2 and [e["event_id"] for e in payload["added"]] == [
        "E1",
        "E2",
        "E3",
    ]
    stale = run("--expected-version", "1")
    assert stale.exit_code == 3
    again = run()
    assert again.exit_code == 0 and "skipped row 2 'Autumn flyer'" in again.stdout
    calendar.write_bytes(CALENDAR.replace(b"2024-10-27", b"27.10.2024x"))
    bad = run("--dry-run")
    assert bad.exit_code == 2
    assert "calendar.csv:2:end: the end is not a date (27.10.2024x) -> " in bad.stderr


def test_plan_show_lists_a_few_of_a_rows_many_events_and_counts_the_rest():
    from forecast.cli.plan_system import _few_events

    assert _few_events("E1,E2,E3,E4,E5,E6") == "E1,E2,E3,E4 +2 more"
    assert _few_events("E1,E2") == "E1,E2" and _few_events("") == ""


def same_event(event):
    return (event.name, event.kind, event.scope, event.start, event.end, event.effect,
            event.value, event.reason, event.counts)  # fmt: skip


def test_a_plans_events_exported_as_csv_import_into_another_plan_as_they_were(store, plan_id):
    calendar = (
        "name,kind,scope,start,end,effect,value,reason,counts\n"
        "May flyer,promotion,StoreType=a,2024-10-09,2024-10-10,percent,-7.25,-10% on shoes,periods\n"
        '=Limit,purchase_limit,"ids 3, 4",2024-10-07,2024-10-13,cap,80,"supplier, late",days\n'
        "Fair,festival,all series,2024-11-04,2024-11-10,add,12.5,,days\n"
    )
    event_import.import_events(store, plan_id, "ann", calendar.encode(), "c.csv")
    system.add_event(
        store, plan_id, "ann", name="Ünter", kind="promotion", scope=Scope.parse(["StoreType=a,b"]),
        start="2024-10-21", end="2024-10-27", effect="set", value=42.0, reason="Straße",
    )  # fmt: skip

    exported = exports.export_events(store, plan_id)

    assert exported.startswith(b"event_id,name,kind,scope,start,end,effect,value,reason,")
    assert b",2024-10-09,2024-10-10,percent,-7.25," in exported  # ISO dates, plain numbers
    other = new_plan(store, "winter")
    done = event_import.import_events(store, other, "ann", exported, "events.csv")
    assert [e.event_id for e in done.added] == ["E1", "E2", "E3", "E4"]
    assert [same_event(e) for e in system.list_events(store, other)] == [
        same_event(e) for e in system.list_events(store, plan_id)
    ]
    excel = exports.export_events(store, plan_id, excel_csv=True)
    assert excel == b"\xef\xbb\xbf" + exported


def test_the_events_csv_of_a_plan_without_events_is_the_header_to_fill_in(store, plan_id):
    header = exports.export_events(store, plan_id).decode().splitlines()
    assert len(header) == 1
    assert set(event_import.COLUMNS) <= set(header[0].split(","))


def test_an_event_saved_before_counts_was_recorded_exports_counted_in_whole_periods(store, plan_id):
    system.add_event(
        store, plan_id, "ann", name="Old", kind="promotion", scope=Scope(),
        start="2024-10-09", end="2024-10-10", effect="percent", value=10,
    )  # fmt: skip
    state = plans.get_plan(store, plan_id)
    del state.events[0]["counts"]
    (old,) = system.events_of(state)
    assert old.counts == "periods"
    sheet = exports.events_sheet(state.events)
    assert sheet["counts"].tolist() == ["periods"]


def test_the_cli_exports_a_plans_events_to_a_csv_file(tmp_path):
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    plan_id = new_plan(store)
    event_import.import_events(store, plan_id, "ann", CALENDAR, "calendar.csv")
    store.close()
    out = tmp_path / "events.csv"
    runner = CliRunner()

    def run(*args: str):
        command = ["plan", "event", "export", plan_id, *args, "--data-dir", str(data_dir)]
        return runner.invoke(app, command)

    written = run("-o", str(out))
    assert written.exit_code == 0, written.output
    assert f"wrote {out} (3 event(s), {out.stat().st_size:,} bytes)" in written.stdout
    assert b"Autumn flyer" in out.read_bytes() and not out.read_bytes().startswith(b"\xef")
    excel = run("--out", str(out), "--excel", "--json")
    assert excel.exit_code == 0, excel.output
    assert json.loads(excel.stdout) == {
        "plan": plan_id, "out": str(out), "events": 3, "bytes": out.stat().st_size,
    }  # fmt: skip
    assert out.read_bytes().startswith(b"\xef\xbb\xbfevent_id,name,kind")
    missing = run("-o", str(tmp_path / "nowhere" / "events.csv"))
    assert missing.exit_code != 0 and "cannot write" in missing.output


def test_rows_with_nothing_in_any_cell_are_left_out_of_an_events_file():
    frame = pd.DataFrame(
        {"name": ["Flyer", None, "  ", float("nan")], "value": [None, 0, None, pd.NaT]},
        dtype=object,
    )
    assert event_import._filled_rows(frame).tolist() == [True, True, False, False]


def _seasonal_plan(store: MemoryStore, name: str) -> str:
    """Eight weekly stores over 70 weeks, each with its own promotion and holiday pattern and
    uplift, six served by the seasonal naive (which copies last year's flagged weeks into the
    13-week horizon) and two by ETS."""
    rng = np.random.default_rng(7)
    weeks = pd.date_range("2023-01-02", periods=70, freq="W-MON")
    ahead = pd.date_range(weeks[-1] + pd.Timedelta(weeks=1), periods=13, freq="W-MON")
    types = {str(i): "abc"[i % 3] for i in range(1, 9)}
    history = pd.DataFrame(
        {
            "unique_id": np.repeat(list(types), len(weeks)),
            "ds": np.tile(weeks, len(types)),
            "Promo": (rng.random(len(types) * len(weeks)) < 0.35).astype(float),
            "Holiday": (rng.random(len(types) * len(weeks)) < 0.1).astype(float),
        }
    )
    lift = history["unique_id"].astype(int).to_numpy() / 20
    noise = rng.normal(1.0, 0.05, len(history))
    history["y"] = 100 * noise * (1 + lift * history["Promo"] + 0.1 * history["Holiday"])
    baseline = pd.DataFrame(
        {
            "unique_id": np.repeat(list(types), len(ahead)),
            "ds": np.tile(ahead, len(types)),
            "baseline": rng.uniform(80, 120, len(types) * len(ahead)),
            "model": np.repeat(["snaive"] * 6 + ["ets"] * 2, len(ahead)),
        }
    )
    attributes = pd.DataFrame({"unique_id": list(types), "StoreType": list(types.values())})
    state = plan_create.create_plan_from_frames(
        store,
        name=name,
        history=history,
        attributes=attributes,
        freq="W-MON",
        horizon=13,
        team_attr="StoreType",
        actor="ann",
        baseline=baseline,
    )
    return state.plan_id


def _random_events(n: int, first_day: pd.Timestamp) -> list[dict[str, object]]:
    rng = np.random.default_rng(11)
    scopes = [
        Scope(),
        Scope.parse(["StoreType=a"]),
        Scope.parse(["StoreType=b,c"]),
        *(Scope(ids=tuple(str(i) for i in rng.choice(range(1, 9), 3, False))) for _ in range(9)),
    ]
    effects = {"percent": (-10, 15), "add": (0, 40), "cap": (60, 400), "set": (60, 400)}
    events = []
    for i in range(n):
        start = first_day + pd.Timedelta(days=int(rng.integers(0, 80)))
        end = min(
            start + pd.Timedelta(days=int(rng.integers(0, 20))), first_day + pd.Timedelta(days=90)
        )
        effect = str(rng.choice(list(effects)))
        events.append(
            {
                "name": f"Event {i}",
                "kind": str(rng.choice(system.EVENT_KINDS)),
                "scope": scopes[int(rng.integers(0, len(scopes)))],
                "start": start.date(),
                "end": end.date(),
                "effect": effect,
                "value": float(rng.integers(*effects[effect])),
                "reason": f"row {i}",
            }
        )
    return events


def _without_time(event: Event) -> dict[str, object]:
    return {k: v for k, v in event.to_dict().items() if k != "created_at"}


def test_a_large_import_makes_the_plan_that_adding_its_events_one_by_one_makes():
    store = MemoryStore()
    imported, added = _seasonal_plan(store, "imported"), _seasonal_plan(store, "added")
    first_day = system.horizon_dates(store, plans.get_plan(store, imported))[0]
    events = _random_events(150, first_day)  # more than two 64-event words of labels
    for event in events:
        system.add_event(store, added, "ann", **event)  # type: ignore[arg-type]
    calendar = pd.DataFrame(
        [e | {"scope": exports.scope_words(e["scope"].to_dict())} for e in events]  # type: ignore[attr-defined]
    ).to_csv(index=False)

    done = event_import.import_events(store, imported, "ann", calendar.encode(), "big.csv")

    assert len(done.added) == 150 and done.version == 2
    one_by_one = system.list_events(store, added)
    assert [_without_time(e) for e in system.list_events(store, imported)] == [
        _without_time(e) for e in one_by_one
    ]
    assert any((e.suggested or {}).get("in_baseline", 0) > 0 for e in one_by_one)
    assert any(e.suggested is None for e in one_by_one)
    pd.testing.assert_frame_equal(
        system.system_plan(store, imported), system.system_plan(store, added)
    )


def test_the_flag_read_for_every_offer_is_kept_at_one_byte_a_series_and_date():
    # what the offers of a large import read is cached; on a daily plan of 10,000 series over
    # three years it is 11 MB (four bytes a cell made 44 MB, and the history frame it came from,
    # kept beside it, a few hundred MB)
    store = MemoryStore()
    state = plans.get_plan(store, _seasonal_plan(store, "cells"))
    history = plan_frames.load_blob_frame(store, state.plan_id, plan_frames.HISTORY)

    cells = system._flag_cells(store, state, "Promo")

    assert cells is not None
    assert cells.hits.nbytes == history["unique_id"].nunique() * history["ds"].nunique()
    assert int(cells.hits.sum()) == int((history["Promo"] >= 0.5).sum())


def test_amounts_read_as_the_value_box_reads_them_with_thousands_and_the_plans_currency(
    store, plan_id
):
    assert plans.get_plan(store, plan_id).currency == "EUR"
    amounts = (
        b"name,kind,start,end,effect,value\n"
        b'Supply cap,purchase_limit,2024-10-14,2024-10-20,cap,"40,000"\n'
        b'Flyer,promotion,2024-10-21,2024-10-27,add,"\xe2\x82\xac5,000"\n'
        b"Fixed,other,2024-10-28,2024-11-03,set,1.5k EUR\n"
        b"Sale,promotion,2024-11-04,2024-11-10,percent,15%\n"
    )

    done = event_import.import_events(store, plan_id, "ann", amounts, "amounts.csv")

    assert [(e.effect, e.value) for e in done.added] == [
        ("cap", 40000),
        ("add", 5000),
        ("set", 1500),
        ("percent", 15),
    ]


def test_an_amount_in_another_currency_is_refused_naming_the_plans_by_row_and_column(
    store, plan_id
):
    dollars = (
        b"name,kind,start,end,effect,value\n"
        b"Supply cap,purchase_limit,2024-10-14,2024-10-20,cap,80\n"
        b'Flyer,promotion,2024-10-21,2024-10-27,add,"$5,000"\n'
    )

    with pytest.raises(InvalidFile) as refused:
        event_import.import_events(store, plan_id, "ann", dollars, "dollars.csv")

    [problem] = [str(p) for p in refused.value.problems]
    assert problem.startswith("dollars.csv:3:value: '$5,000' names $, but the plan is in EUR")
    assert "-> type the amount with € or without another currency" in problem
    assert system.list_events(store, plan_id) == []
