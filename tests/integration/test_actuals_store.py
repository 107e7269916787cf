"""Actuals kept in the store (SQLite and PostgreSQL): each upload a version with an audit row,
merged over the previous one; rows outside the plan named and left out; no overlap refused; a
plan scored on the version in force at its publish and lock, never on a later edit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pandas as pd
import pytest
import sqlalchemy as sa

from forecast.services import (
    accuracy,
    actuals,
    negotiation,
    plan_archive,
    plan_create,
    plan_members,
    plans,
    system,
)
from forecast.services.errors import Forbidden, Invalid, Locked, NotFound, StaleVersion
from forecast.store import Change, SqlStore
from tests.integration.test_store import HORIZON, add_event, new_plan


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        made = SqlStore(f"sqlite:///{tmp_path / 'forecast.db'}")
        yield made
        made.close()
        return
    schema = f"test_{uuid.uuid4().hex[:10]}"
    made = SqlStore(request.getfixturevalue("postgres_url"), schema=schema)
    yield made
    with made.engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    made.close()


def csv_bytes(rows: list[tuple[str, str, float]]) -> bytes:
    lines = ["unique_id,ds,y"] + [f"{u},{d},{y}" for u, d, y in rows]
    return ("\n".join(lines) + "\n").encode()


def week(i: int) -> str:
    return HORIZON[i].strftime("%Y-%m-%d")


def test_each_upload_is_a_version_with_an_audit_row_merged_over_the_last(store):
    plan = new_plan(store).plan_id
    plan_members.grant(store, plan, "ann", "bea", "planner")
    version_before = store.get(plan).version
    first = actuals.upload_actuals(
        store,
        plan,
        csv_bytes([(u, week(0), 90.0) for u in "123"] + [(u, week(1), 95.0) for u in "123"]),
        filename="weeks1-2.csv",
        actor="ann",
    )
    assert (first.version.version, first.kept, first.new, first.total) == (1, 6, 6, 6)
    second = actuals.upload_actuals(
        store,
        plan,
        csv_bytes([(u, week(1), 97.0) for u in "123"] + [(u, week(2), 99.0) for u in "123"]),
        filename="weeks2-3.csv",
        actor="bea",
    )
    assert (second.version.version, second.new, second.replaced, second.total) == (2, 3, 3, 9)
    versions = actuals.actuals_versions(store, plan)
    assert [(v.version, v.uploaded_by, v.filename) for v in versions] == [
        (1, "ann", "weeks1-2.csv"),
        (2, "bea", "weeks2-3.csv"),
    ]
    info, frame = actuals.load_actuals(store, plan)
    assert info.version == 2
    assert frame.loc[frame["ds"] == HORIZON[1], "y"].tolist() == [97.0, 97.0, 97.0]
    _, old = actuals.load_actuals(store, plan, version=1)
    assert old.loc[old["ds"] == HORIZON[1], "y"].tolist() == [95.0, 95.0, 95.0]
    audit = [e for e in store.audit(plan) if e.action == "upload_actuals"]
    assert [e.actor for e in audit] == ["ann", "bea"]
    assert [e.id for e in audit] == [v.audit_id for v in versions]
    assert "3 new, 3 replaced" in audit[1].what
    assert store.get(plan).version == version_before  # actuals are not an edit of the plan


def test_the_same_file_again_makes_no_version_and_says_so(store):
    """Sending the same actuals twice (a retry, a second click) made a second version with an
    audit row and "3 replaced": now nothing is written and the message says no version was made;
    a file that changes one value makes a version that counts the change."""
    plan = new_plan(store).plan_id
    body = csv_bytes([(u, week(0), 90.0) for u in "123"])
    actuals.upload_actuals(store, plan, body, filename="w1.csv", actor="ann")
    audit_before = len(store.audit(plan))
    again = actuals.upload_actuals(store, plan, body, filename="w1-again.csv", actor="ann")
    assert again.unchanged and again.version.version == 1
    assert "nothing new in w1-again.csv" in again.message() and "no version" in again.message()
    assert again.to_dict()["version_made"] is False
    assert [v.version for v in actuals.actuals_versions(store, plan)] == [1]
    assert len(store.audit(plan)) == audit_before
    one_changed = csv_bytes([("1", week(0), 91.0), ("2", week(0), 90.0), ("3", week(0), 90.0)])
    third = actuals.upload_actuals(store, plan, one_changed, filename="w1-fixed.csv", actor="ann")
    assert (third.version.version, third.replaced, third.changed) == (2, 3, 1)
    assert "3 replaced, 1 of them with a new value" in third.message()


def test_an_upload_that_races_another_is_merged_over_it_and_loses_nothing(store, monkeypatch):
    """Two uploads at once (different weeks): the one that writes second had merged over the
    version before the first; it is merged again over the first's, so both weeks are kept. A
    restore that races an upload is refused, saying which version came in between."""
    plan = new_plan(store).plan_id
    actuals.upload_actuals(
        store, plan, csv_bytes([("1", week(0), 90.0)]), filename="w0.csv", actor="ann"
    )
    in_force = actuals._in_force
    raced: list[str] = []

    def racing(*args, **kwargs):
        found = in_force(*args, **kwargs)
        if not raced:  # someone else's upload lands between our read and our write
            raced.append("w1")
            body = csv_bytes([("1", week(1), 95.0)])
            actuals.upload_actuals(store, plan, body, filename="w1.csv", actor="ann")
        return found

    monkeypatch.setattr(actuals, "_in_force", racing)
    mine = actuals.upload_actuals(
        store, plan, csv_bytes([("1", week(2), 99.0)]), filename="w2.csv", actor="ann"
    )
    assert mine.version.version == 3 and raced == ["w1"]
    _, kept = actuals.load_actuals(store, plan)
    assert sorted(kept["y"]) == [90.0, 95.0, 99.0]

    raced.clear()
    original_versions = store.actuals_versions

    def upload_between(plan_id):  # the restore reads the versions, then an upload lands
        found = original_versions(plan_id)
        if not raced:
            raced.append("w3")
            body = csv_bytes([("1", week(3), 70.0)])
            actuals.upload_actuals(store, plan, body, filename="w3.csv", actor="ann")
        return found

    monkeypatch.setattr(store, "actuals_versions", upload_between)
    with pytest.raises(StaleVersion, match=r"version 4 \(w3.csv, ann\) was kept"):
        actuals.restore_actuals(store, plan, 1, actor="ann")
    monkeypatch.setattr(store, "actuals_versions", original_versions)
    assert [v.version for v in actuals.actuals_versions(store, plan)] == [1, 2, 3, 4]


def test_the_store_refuses_actuals_for_an_archived_plan_in_the_writing_transaction(store):
    """The service checks before it reads the file; the store checks again where it writes, so
    a plan archived meanwhile takes no version."""
    plan = new_plan(store).plan_id
    plan_archive.archive(store, plan, "ann")
    change = Change(actor="ann", action="upload_actuals", what="late upload")
    with pytest.raises(Locked, match="archived"):
        store.add_actuals(plan, b"", filename="x.csv", rows=0, summary={}, change=change)
    assert actuals.actuals_versions(store, plan) == []


def test_only_the_owner_or_a_planner_keeps_actuals_and_a_refusal_writes_nothing(store):
    """The actuals score every layer and touch, a lead's claim among them: a lead may not
    replace them, and neither may someone who is not on the plan."""
    plan = new_plan(store).plan_id
    plan_members.grant(store, plan, "ann", "lee", "lead", team="north")
    audit_before = len(store.audit(plan))
    for who, held in (("lee", "(held by ann)"), ("zoe", "")):
        with pytest.raises(Forbidden, match=f"{who} may not keep actuals") as refused:
            actuals.upload_actuals(
                store, plan, csv_bytes([("1", week(0), 90.0)]), filename="w.csv", actor=who
            )
        assert held in str(refused.value) if held else "held by" not in str(refused.value)
    assert actuals.actuals_versions(store, plan) == []
    assert len(store.audit(plan)) == audit_before
    assert not actuals.keep_permission(store, plan, "lee").allowed
    assert actuals.keep_permission(store, plan, "ann").allowed


def test_rows_outside_the_plan_are_named_and_left_out_with_a_count(store):
    plan = new_plan(store).plan_id
    after_horizon = (HORIZON[-1] + pd.Timedelta(weeks=1)).strftime("%Y-%m-%d")
    upload = actuals.upload_actuals(
        store,
        plan,
        csv_bytes(
            [(u, week(0), 90.0) for u in "12"]
            + [("99", week(0), 5.0), ("98", week(0), 6.0)]
            + [("1", after_horizon, 7.0)]
        ),
        filename="mixed.csv",
        actor="ann",
    )
    assert upload.kept == 2
    assert upload.left_out["series"]["rows"] == 2
    assert upload.left_out["series"]["names"] == ["98", "99"]
    assert upload.left_out["periods"]["names"] == [after_horizon]
    message = upload.message()
    assert "2 row(s) of 2 series not in the plan left out: 98, 99" in message
    assert "outside the plan's horizon" in message and after_horizon in message
    audit = [e for e in store.audit(plan) if e.action == "upload_actuals"][0]
    assert "98, 99" in audit.what


def test_a_file_with_no_overlap_is_refused_and_nothing_is_kept(store):
    plan = new_plan(store).plan_id
    with pytest.raises(Invalid, match="shares no series and period with plan"):
        actuals.upload_actuals(
            store, plan, csv_bytes([("99", "2031-01-06", 1.0)]), filename="x.csv", actor="ann"
        )
    assert store.actuals_versions(plan) == []
    assert not [e for e in store.audit(plan) if e.action == "upload_actuals"]
    with pytest.raises(NotFound, match="has no actuals yet"):
        accuracy.fva(store, plan)


def test_duplicate_rows_are_refused_by_default_and_summed_only_when_asked(store):
    plan = new_plan(store).plan_id
    rows = [("1", week(0), 40.0), ("1", week(0), 60.0), ("2", week(0), 80.0)]
    with pytest.raises(Invalid, match="actuals:"):
        actuals.upload_actuals(store, plan, csv_bytes(rows), filename="d.csv", actor="ann")
    summed = actuals.upload_actuals(
        store, plan, csv_bytes(rows), filename="d.csv", actor="ann", duplicates="sum"
    )
    _, frame = actuals.load_actuals(store, plan)
    assert summed.kept == 2 and summed.warnings
    assert frame.set_index("unique_id").loc["1", "y"] == 100.0


def test_a_plan_is_scored_on_the_version_in_force_at_publish_and_lock(store):
    plan = new_plan(store).plan_id
    plan_members.grant(store, plan, "ann", "lea", "lead", team="north")
    add_event(store, plan, value=10.0)
    published = system.publish(store, plan, "ann").plan.version
    negotiation.set_goal(store, plan, "ann", ratio="1.05")
    negotiation.claim(store, plan, "lea", "north", amount="10", note="x")
    negotiation.close_round(store, plan, "ann")
    negotiation.assign(store, plan, "ann", "even")
    locked = negotiation.lock(store, plan, "ann").version
    actuals.upload_actuals(
        store, plan, csv_bytes([(u, week(0), 105.0) for u in "123"]), filename="a.csv", actor="ann"
    )
    before = accuracy.fva(store, plan)
    assert before.scored_on["system_plan"]["version"] == published
    assert before.scored_on["system_plan"]["status"] == "published"
    assert before.scored_on["target"]["version"] == locked
    # later edits go into a new version; the scored plan cannot change
    with pytest.raises(Locked):
        add_event(store, plan, value=90.0)
    child = system.new_version(store, plan, "ann")
    add_event(store, child.plan_id, value=90.0)
    after = accuracy.fva(store, plan)
    pd.testing.assert_frame_equal(before.layers, after.layers)
    assert after.scored_on == before.scored_on


def test_actuals_of_a_plan_without_a_goal_are_kept_and_scored_without_a_target(store):
    plan = new_plan(store).plan_id
    upload, score = accuracy.upload_and_score(
        store, plan, csv_bytes([(u, week(0), 90.0) for u in "123"]), actor="ann", filename="a.csv"
    )
    assert upload.version.version == 1
    total = score.set_index("team").loc["TOTAL"]  # only the system plan: no target yet
    assert total["wape_system_plan"] > 0 and pd.isna(total["wape_target"])
    report = accuracy.fva(store, plan)
    assert list(report.overall()["layer"]) == ["baseline", "system_plan"]
    assert any("no goal is set" in note for note in report.notes)
    assert report.scored_on["system_plan"]["snapshot"] is False  # a draft: says it may change


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_actuals_are_read_from_parquet_and_xlsx_like_the_history(store, tmp_path, fmt):
    plan = new_plan(store).plan_id
    frame = pd.DataFrame(
        {"unique_id": ["1", "2", "3"], "ds": [HORIZON[0]] * 3, "y": [90.0, 91.0, 92.0]}
    )
    path = tmp_path / f"actuals.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_excel(path, index=False)
    upload = actuals.upload_actuals(store, plan, path.read_bytes(), filename=path.name, actor="ann")
    assert upload.kept == 3 and upload.version.filename == path.name
    _, kept = actuals.load_actuals(store, plan)
    assert sorted(kept["y"]) == [90.0, 91.0, 92.0]


def test_kept_actuals_are_scored_without_a_new_upload_and_their_plans_are_listed(store):
    scored = new_plan(store).plan_id
    plan_members.grant(store, scored, "ann", "lea", "lead", team="north")
    other = new_plan(store, name="autumn").plan_id
    assert actuals.plans_with_actuals(store, plans.list_plans(store)) == []
    assert actuals.score_kept(store, scored) is None  # no actuals yet
    accuracy.upload_and_score(
        store, scored, csv_bytes([(u, week(0), 90.0) for u in "123"]), actor="ann"
    )
    no_goal = actuals.score_kept(store, scored)  # actuals, but no goal: the system plan alone
    assert no_goal is not None and no_goal["wape_target"].isna().all()
    negotiation.set_goal(store, scored, "ann", ratio="1.05")
    negotiation.claim(store, scored, "lea", "north", amount="10", note="x")
    kept = actuals.score_kept(store, scored)
    _, after_upload = accuracy.upload_and_score(
        store, scored, csv_bytes([(u, week(0), 90.0) for u in "123"]), actor="ann"
    )
    pd.testing.assert_frame_equal(kept, after_upload)  # the same score as after an upload
    assert set(kept["team"]) == {"north", "south", "TOTAL"}
    listed = actuals.plans_with_actuals(store, plans.list_plans(store))
    assert [s.plan_id for s in listed] == [scored] and other != scored


def test_daily_actuals_leave_out_a_week_they_cover_in_part_and_say_so(store):
    """A Sunday's sales summed into its week would replace the whole week's actual (the
    accuracy tour saw one day push a week from 4.7m to 4.4m): the partial week is left out with
    a note, and a file of one partial week is refused with the reason."""
    plan = new_plan(store).plan_id
    days = pd.date_range(HORIZON[0] + pd.Timedelta(days=2), HORIZON[1] + pd.Timedelta(days=6))
    rows = [(u, f"{d:%Y-%m-%d}", 10.0) for u in "123" for d in days]  # Wed of week 0 .. week 1
    upload = actuals.upload_actuals(store, plan, csv_bytes(rows), filename="days.csv", actor="ann")
    _, kept = actuals.load_actuals(store, plan)
    assert sorted(kept["ds"].unique()) == [HORIZON[1]]  # week 0 left out, week 1 whole
    assert kept["y"].tolist() == [70.0, 70.0, 70.0]
    assert any("only partly covered" in n and "left out" in n for n in upload.notes), upload.notes
    sunday = [(u, f"{HORIZON[2] + pd.Timedelta(days=6):%Y-%m-%d}", 99.0) for u in "123"]
    with pytest.raises(Invalid, match="1 of 7 days.*nothing was kept"):
        actuals.upload_actuals(store, plan, csv_bytes(sunday), filename="sun.csv", actor="ann")
    assert len(actuals.actuals_versions(store, plan)) == 1


def test_daily_actuals_leave_out_a_week_whose_days_the_file_skips_in_the_middle(store):
    """A file of thirteen whole weeks without Tuesday to Thursday of one: that
    week's sum would replace its actual with four days of sales. It is left out, named with the
    missing days; the whole weeks either side are kept. A weekday the file never has (shops
    shut on Sundays) is not missed."""
    plan = new_plan(store).plan_id
    days = pd.date_range(HORIZON[0] - pd.Timedelta(weeks=10), HORIZON[2] + pd.Timedelta(days=6))
    hole = {HORIZON[1] + pd.Timedelta(days=k) for k in (1, 2, 3)}  # 3 of 78 open days
    rows = [
        (u, f"{d:%Y-%m-%d}", 10.0)
        for u in "123"
        for d in days
        if d not in hole and d.day_of_week != 6  # never a Sunday
    ]
    upload = actuals.upload_actuals(store, plan, csv_bytes(rows), filename="days.csv", actor="ann")
    _, kept = actuals.load_actuals(store, plan)
    assert sorted(kept["ds"].unique()) == [HORIZON[0], HORIZON[2]], upload.notes
    assert set(kept["y"]) == {60.0}  # six open days of 10
    skipped = [n for n in upload.notes if "has no row in the file" in n]
    assert len(skipped) == 1, upload.notes
    assert all(f"{d:%Y-%m-%d}" in skipped[0] for d in hole) and "3 of 7 days" in skipped[0]


def _daily(days, skip=(), series="123") -> bytes:
    return csv_bytes(
        [(u, f"{d:%Y-%m-%d}", 10.0) for u in series for d in days if d not in set(skip)]
    )


def test_short_daily_files_leave_out_the_weeks_they_cover_in_part(store):
    """The reviews' cases, on a plan that knows nothing of its days (made from weekly frames): a
    whole week and one Monday (the Monday's week was kept as a one-day week); two weeks missing
    a Wednesday (too short for the file-wide 95 % rule); three Monday-to-Saturday weeks of shops
    shut on Sundays (the last had been dropped as 6 of 7); a Monday missing from a file of 13
    days is a missing day, not "shut on Mondays" (a weekday must fall twice to be read so)."""
    plan = new_plan(store).plan_id
    monday = HORIZON[0]

    def weeks_kept(body: bytes, name: str, series: str) -> list[pd.Timestamp]:
        actuals.upload_actuals(store, plan, body, filename=name, actor="ann")
        kept = actuals.load_actuals(store, plan)[1]
        return sorted(kept.loc[kept["unique_id"] == series, "ds"].unique())

    week_and_a_day = [*pd.date_range(monday, periods=7), HORIZON[1]]
    assert weeks_kept(_daily(week_and_a_day, series="1"), "a.csv", "1") == [HORIZON[0]]
    two_weeks = pd.date_range(monday, periods=14)
    wednesday = HORIZON[1] + pd.Timedelta(days=2)
    assert weeks_kept(_daily(two_weeks, skip=[wednesday], series="2"), "b.csv", "2") == [HORIZON[0]]
    three_weeks = pd.date_range(monday, periods=20)
    sundays = [d for d in three_weeks if d.day_of_week == 6]
    shut = _daily(three_weeks, skip=sundays, series="3")
    assert weeks_kept(shut, "c.csv", "3") == list(HORIZON[:3])
    tuesday_to_sunday = pd.date_range(HORIZON[2] + pd.Timedelta(days=1), periods=13)
    holiday = HORIZON[3]  # the second Monday: the only Monday of the span
    missing_monday = _daily(tuesday_to_sunday, skip=[holiday], series="1")
    with pytest.raises(Invalid, match=f"no row in the file for {holiday:%Y-%m-%d}"):
        actuals.upload_actuals(store, plan, missing_monday, filename="d.csv", actor="ann")


def test_one_week_of_a_shop_shut_on_sundays_is_whole_as_its_history_says(store):
    """The plan's daily history never has a Sunday: a week of actuals from Monday to Saturday
    (the weekly upload of such a shop) is a whole week, not "6 of 7 days"."""
    days = pd.date_range("2024-01-01", periods=7 * 60)
    history = csv_bytes(
        [(u, f"{d:%Y-%m-%d}", 10.0 + i % 5) for u in "12" for i, d in enumerate(days)
         if d.day_of_week != 6]
    )  # fmt: skip
    state = plan_create.create_plan(
        store, name="shut on sundays", source=history, filename="history.csv", freq="W",
        horizon=4, team_attr=None, actor="ann", model="snaive",
    )  # fmt: skip
    assert state.dataset.mapping.get("weekdays_never") == [6]
    first = pd.Timestamp(state.baseline.start)
    week = csv_bytes(
        [(u, f"{first + pd.Timedelta(days=k):%Y-%m-%d}", 10.0) for u in "12" for k in range(6)]
    )
    upload = actuals.upload_actuals(store, state.plan_id, week, filename="w1.csv", actor="ann")
    assert upload.new == 2 and not [n for n in upload.notes if "left out" in n], upload.notes
    assert state.dataset.mapping.get("dense_days") is True
    # the usual weekly upload with its Wednesday missing: a missing day, as the history says
    second = first + pd.Timedelta(weeks=1)
    gap = csv_bytes(
        [
            (u, f"{second + pd.Timedelta(days=k):%Y-%m-%d}", 10.0)
            for u in "12"
            for k in (0, 1, 3, 4, 5)
        ]
    )
    wednesday = second + pd.Timedelta(days=2)
    with pytest.raises(Invalid, match=f"no row in the file for {wednesday:%Y-%m-%d}"):
        actuals.upload_actuals(store, state.plan_id, gap, filename="w2.csv", actor="ann")
    # two weeks of shops shut at weekends, per the plan's history, are two whole weeks
    other = plan_create.create_plan(
        store, name="shut at weekends", filename="history.csv", freq="W", horizon=4,
        team_attr=None, actor="ann", model="snaive",
        source=csv_bytes(
            [(u, f"{d:%Y-%m-%d}", 10.0) for u in "12" for d in days if d.day_of_week < 5]
        ),
    )  # fmt: skip
    assert other.dataset.mapping.get("weekdays_never") == [5, 6]
    start = pd.Timestamp(other.baseline.start)
    weekdays = [d for d in pd.date_range(start, periods=12) if d.day_of_week < 5]
    both = csv_bytes([(u, f"{d:%Y-%m-%d}", 10.0) for u in "12" for d in weekdays])
    upload = actuals.upload_actuals(store, other.plan_id, both, filename="w.csv", actor="ann")
    assert upload.new == 4, upload.notes


@pytest.mark.parametrize("kind", ["xlsx", "parquet", "semicolon csv"])
def test_actuals_in_unique_id_ds_y_come_as_any_file_the_help_names(store, kind, tmp_path):
    """The accuracy tour's XLSX, Parquet and ';' files of unique_id, ds, y were refused: the
    header was read as a comma-separated first line."""
    plan = new_plan(store).plan_id

    def sales_file_columns(state):  # the plan was made from a file of Store, Date, Sales
        state.dataset.mapping = {"id_cols": ["Store"], "date_col": "Date", "value_col": "Sales"}
        return "made from a sales file", None, None

    plans.change_plan(store, plan, actor="ann", action="test", mutate=sales_file_columns)
    frame = pd.DataFrame({"unique_id": ["1", "2"], "ds": [week(0), week(0)], "y": [90.0, 80.0]})
    path = tmp_path / {"xlsx": "a.xlsx", "parquet": "a.parquet", "semicolon csv": "a.csv"}[kind]
    if kind == "xlsx":
        frame.to_excel(path, index=False)
    elif kind == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, sep=";")
    upload = actuals.upload_actuals(store, plan, path, actor="ann")
    assert upload.kept == 2
    _, kept = actuals.load_actuals(store, plan)
    assert sorted(kept["y"]) == [80.0, 90.0]


def test_on_an_agreed_plan_a_refusal_names_who_may_upload_not_a_grant_that_is_refused(store):
    """No role can be granted on an agreed plan, so the refusal asks the owner or a planner."""
    plan = new_plan(store).plan_id
    plan_members.grant(store, plan, "ann", "lee", "lead", team="north")
    negotiation.set_goal(store, plan, "ann", ratio="1.1")
    negotiation.close_round(store, plan, "ann")
    negotiation.assign(store, plan, "ann", "pro_rata_baseline")
    system.publish(store, plan, "ann")
    negotiation.lock(store, plan, "ann")
    with pytest.raises(Forbidden, match="ask ann to upload them") as refused:
        actuals.upload_actuals(store, plan, csv_bytes([("1", week(0), 9.0)]), actor="lee")
    assert refused.value.fix is None
    assert actuals.keep_permission(store, plan, "lee").fix is None


def test_score_reads_a_file_as_the_upload_does_and_scores_no_partial_week(store):
    """`plan score` had read its file its own way: a Sunday of daily sales scored against the
    whole week (the accuracy tour saw a WAPE of 411 %)."""
    plan = new_plan(store).plan_id
    negotiation.set_goal(store, plan, "ann", ratio="1.1")
    sunday = [(u, f"{HORIZON[0] + pd.Timedelta(days=6):%Y-%m-%d}", 99.0) for u in "123"]
    with pytest.raises(Invalid, match="1 of 7 days.*nothing to score"):
        negotiation.score_file(store, plan, csv_bytes(sunday), filename="sun.csv")
    week_rows = [(u, week(0), 100.0) for u in "123"]
    scored = negotiation.score_file(store, plan, csv_bytes(week_rows), filename="w.csv")
    assert set(scored["team"]) == {"north", "south", "TOTAL"}


def test_a_closed_store_zero_week_is_kept_while_a_week_without_a_row_is_left_out(store):
    """Store 3 sold 0 in the first week (shut) and sent no row for the second: the 0 is an
    actual and is kept; only the week without a row is left out, and the note counts it alone."""
    plan = new_plan(store).plan_id
    rows = [(u, week(i), 100.0) for u in "12" for i in range(3)]
    rows += [("3", week(0), 0.0), ("3", week(2), 80.0)]
    upload = actuals.upload_actuals(store, plan, csv_bytes(rows), filename="z.csv", actor="ann")
    _, kept = actuals.load_actuals(store, plan)
    assert upload.kept == 8, upload.notes
    store3 = kept[kept["unique_id"] == "3"].sort_values("ds")
    assert store3["ds"].tolist() == [HORIZON[0], HORIZON[2]] and store3["y"].tolist() == [0, 80]
    left = [n for n in upload.notes if "with no row inside" in n]
    assert left == [
        "1 period(s) with no row inside 1 series left out (not taken as zero sales): they count "
        "once they are uploaded"
    ]


@pytest.mark.parametrize("days", [False, True], ids=["weekly file", "daily file"])
def test_weeks_the_file_never_had_are_not_named_as_left_out(store, days):
    """A file of the first week and a row past the horizon: the weeks between are not in this
    upload, not partial, nor a series' missing weeks; only the row past the horizon is named."""
    plan = new_plan(store).plan_id
    after_horizon = (HORIZON[-1] + pd.Timedelta(weeks=1)).strftime("%Y-%m-%d")
    dates = [HORIZON[0] + pd.Timedelta(days=k) for k in range(7 if days else 1)]
    rows = [(u, f"{d:%Y-%m-%d}", 10.0) for u in "12" for d in dates]
    rows += [("1", after_horizon, 3.0)]
    upload = actuals.upload_actuals(store, plan, csv_bytes(rows), filename="s.csv", actor="ann")
    assert upload.kept == 2
    between = [week(i) for i in range(1, len(HORIZON))]
    assert not [n for n in upload.notes if any(w in n for w in between)], upload.notes
    assert not [n for n in upload.notes if "with no row inside" in n], upload.notes
    # (a day past the horizon is a partial week too: it goes before the horizon's check)
    assert after_horizon in upload.message() + " ".join(upload.notes)
