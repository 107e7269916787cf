"""Actuals page in a real browser: upload the sales of the plan's periods, see which track was
closer, with the same numbers as the service."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import OWNER
from tests.e2e.helpers import upload


def _as_owner(dash_duo) -> None:
    # start_app signed in as the owner; the bar says who acts
    dash_duo.wait_for_contains_text("#nav-role", OWNER, timeout=10)


def _actuals_file(data_dir: Path, out: Path, factor: float) -> tuple[Path, object]:
    """Generated actuals for the plan's periods: the system plan times `factor`, as a long CSV,
    and the score the service gives for them."""
    from forecast.services import negotiation
    from forecast.services.store_factory import open_store

    store = open_store(data_dir=data_dir)
    plan = store.list()[0].plan_id
    frame = negotiation.negotiated_plan(store, plan)
    actuals = frame[["unique_id", "ds"]].assign(y=(frame["system_plan"] * factor).round(2))
    actuals["ds"] = actuals["ds"].dt.strftime("%Y-%m-%d")
    actuals.to_csv(out, index=False)
    score = negotiation.score_file(store, plan, out)
    store.close()
    return out, score


def test_uploaded_actuals_show_which_track_was_closer(start_app, agreed_plan, tmp_path):
    # actuals 5 % above the system plan: the negotiated plan (goal 10/6.5) overshoots them
    path, score = _actuals_file(agreed_plan.data_dir, tmp_path / "actuals.csv", 1.05)
    total = score[score["team"] == "TOTAL"].iloc[0]
    assert total["closer"] == "system_plan"

    dash_duo = start_app(agreed_plan.data_dir, "/actuals")
    dash_duo.wait_for_element("#actuals-upload", timeout=20)
    _as_owner(dash_duo)
    upload(dash_duo, path, component="actuals-upload")
    dash_duo.wait_for_contains_text("#actuals-verdict", "System plan came closer", timeout=30)
    cell = dash_duo.find_element(
        "#actuals-grid .ag-center-cols-container [row-id=TOTAL] [col-id=wape_system_plan]"
    )
    assert cell.text == f"{total['wape_system_plan'] * 100:.2f} %"
    assert dash_duo.get_logs() == []


def test_actuals_that_match_nothing_are_refused_with_a_reason(start_app, agreed_plan, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("unique_id,ds,y\n999,2031-01-06,10\n999,2031-01-13,12\n", encoding="utf-8")
    dash_duo = start_app(agreed_plan.data_dir, "/actuals")
    dash_duo.wait_for_element("#actuals-upload", timeout=20)
    _as_owner(dash_duo)
    upload(dash_duo, path, component="actuals-upload")
    dash_duo.wait_for_contains_text("#actuals-alert", "shares no series and period", timeout=30)
    assert dash_duo.get_logs() == []


def test_a_team_lead_sees_why_the_upload_is_not_theirs(start_app, agreed_plan):
    """The actuals score a lead's own claim, so a lead's upload is disabled with the reason (and
    the service refuses it as well, tests/integration/test_actuals_store.py)."""
    from tests.e2e.conftest import LEADS

    lead = LEADS["a"]
    dash_duo = start_app(agreed_plan.data_dir, "/actuals", user=lead)
    dash_duo.wait_for_contains_text("#actuals-role", f"{lead} cannot keep actuals", timeout=20)
    assert "owner or a planner" in dash_duo.find_element("#actuals-role").text
    upload_input = dash_duo.find_element("#actuals-upload input[type=file]")
    assert upload_input.get_attribute("disabled") is not None
    assert dash_duo.get_logs() == []


def test_a_wrong_file_is_undone_by_restoring_the_version_before_it(
    start_app, agreed_plan, tmp_path
):
    """Actuals 5 % over the system plan, then by mistake a file 50 % over it (the negotiated plan
    comes closer on it); restoring version 1 makes it version 3, in force, and the verdict is
    the first file's again. Nothing is erased: all three versions stay listed."""
    from tests.e2e.helpers import click, pick

    right, _ = _actuals_file(agreed_plan.data_dir, tmp_path / "right.csv", 1.05)
    wrong, wrong_score = _actuals_file(agreed_plan.data_dir, tmp_path / "wrong.csv", 1.5)
    assert wrong_score[wrong_score["team"] == "TOTAL"].iloc[0]["closer"] == "target"

    dash_duo = start_app(agreed_plan.data_dir, "/actuals")
    dash_duo.wait_for_element("#actuals-upload", timeout=20)
    _as_owner(dash_duo)
    upload(dash_duo, right, component="actuals-upload")
    dash_duo.wait_for_contains_text("#actuals-verdict", "System plan came closer", timeout=30)
    upload(dash_duo, wrong, component="actuals-upload")
    dash_duo.wait_for_contains_text("#actuals-verdict", "Negotiated plan came closer", timeout=30)
    pick(dash_duo, "#actuals-restore-version", "1: right.csv")
    click(dash_duo, "#actuals-restore")
    dash_duo.wait_for_contains_text("#actuals-alert", "restores version 1", timeout=30)
    dash_duo.wait_for_contains_text("#actuals-verdict", "System plan came closer", timeout=30)
    dash_duo.wait_for_element("#actuals-versions [row-id='3']", timeout=20)
    assert dash_duo.get_logs() == []


def test_actuals_far_off_the_plans_scale_are_kept_once_confirmed_on_the_same_file(
    start_app, agreed_plan, tmp_path
):
    """A refusal for the scale says to tick "The numbers are right" and upload again: the same
    file chosen again is read again (the upload and its file input forget each file once it was
    read); chosen a third time (confirmed again), nothing new is kept and the page says so."""
    path, _ = _actuals_file(agreed_plan.data_dir, tmp_path / "thousands.csv", 0.001)
    dash_duo = start_app(agreed_plan.data_dir, "/actuals")
    dash_duo.wait_for_element("#actuals-upload", timeout=20)
    _as_owner(dash_duo)
    upload(dash_duo, path, component="actuals-upload")
    dash_duo.wait_for_contains_text("#actuals-alert", "The numbers are right", timeout=30)
    dash_duo.find_element("#actuals-confirm-scale").click()
    upload(dash_duo, path, component="actuals-upload")
    dash_duo.wait_for_contains_text("#actuals-alert", "Kept as actuals version 1", timeout=30)
    assert not dash_duo.find_element("#actuals-confirm-scale").is_selected()  # for one file
    dash_duo.find_element("#actuals-confirm-scale").click()
    upload(dash_duo, path, component="actuals-upload")
    dash_duo.wait_for_contains_text("#actuals-alert", "Nothing new in thousands.csv", timeout=30)
    assert dash_duo.get_logs() == []
