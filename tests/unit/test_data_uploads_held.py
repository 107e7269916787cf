"""The Data page's uploads while a plan is made from them and after: what replaces a file cannot
be used while the job runs, a job that finds its file gone says why, a refused upload or sample
leaves nothing behind, and the store table dropped beside the sales stays for the next plan."""

from __future__ import annotations

import base64
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import flask
import pytest

from dashboard import ids, uploads
from dashboard.context import DashboardContext
from dashboard.data_parts import create, upload
from tests.signin import acting_as
from tests.unit.test_data_page import csv_bytes, sales
from tests.unit.test_fix_hints import text_of

FORM = (4, None, "snaive", ["Store"], "Date", "Sales", "W", "EUR", None, None)


def data_url(content: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(content).decode()


def dropped(name: str) -> dict[str, str]:
    return {"contents": data_url(csv_bytes({"Sales": sales})), "filename": name}


TABLE = data_url(b"Store,Type\n1,a\n2,a\n3,b\n4,b\n")


@pytest.fixture
def ctx(tmp_path: Path) -> DashboardContext:
    return DashboardContext(data_dir=str(tmp_path))


@pytest.fixture
def session(ctx: DashboardContext) -> Iterator[None]:
    """One browser session, signed in (a plan has an owner)."""
    store = ctx.fresh_store()
    try:
        with acting_as(store, "olga"):
            yield
    finally:
        store.close()


def kept(ctx: DashboardContext) -> set[str]:
    """The tokens of the uploads on the server."""
    return {path.stem for path in uploads.folder(ctx.cache_dir()).glob("*.json")}


def create_plan(
    ctx: DashboardContext, file: Any, dropped_table: Any = None, name: str = "Plan"
) -> tuple:
    form = (name, *FORM)
    return create.create_plan(ctx, lambda _: None, 1, file, dropped_table, True, None, *form)


# -- 1. while the job runs --------------------------------------------------------------------


def test_what_would_replace_the_files_is_disabled_while_a_plan_is_made(ctx):
    app = dash.Dash(__name__)
    app.layout = dash.html.Div()
    create.register(app, ctx)

    callbacks = app.server.test_client().get("/_dash-dependencies").get_json()

    [job] = [c for c in callbacks if ids.DATA_CREATE_RESULT in c["output"]]
    for replaces in (ids.DATA_UPLOAD, ids.DATA_USE_SAMPLE, ids.DATA_ATTR_UPLOAD):
        assert job["running"]["running"][f"{replaces}.disabled"] is True
        assert job["running"]["runningOff"][f"{replaces}.disabled"] is False


def test_a_file_replaced_before_the_job_read_it_is_said_to_be_replaced_not_used(ctx, session):
    held, _ = upload.stash_upload(ctx, dropped("a.csv"), None)
    upload.use_sample(ctx, 1, held)  # pressed just after Create plan, before the job read `held`

    alert, plan = create_plan(ctx, held)

    said = text_of(alert)
    assert plan is create.no_update
    assert "a.csv is no longer on the server: another file replaced it on the page" in said
    assert "deleted once used" not in said


def test_a_file_a_plan_was_made_from_is_said_to_be_used(ctx, session):
    held, _ = upload.stash_upload(ctx, dropped("a.csv"), None)
    _, plan = create_plan(ctx, held)
    assert "plan_id" in plan

    alert, again = create_plan(ctx, held)

    assert again is create.no_update
    assert "a.csv is no longer on the server: a plan was made from it" in text_of(alert)


def test_another_session_learns_nothing_of_why_an_upload_is_gone(ctx):
    app = flask.Flask(__name__)
    app.secret_key = "test"
    with app.test_request_context():
        held, _ = upload.stash_upload(ctx, dropped("secret-name.csv"), None)
        upload.stash_upload(ctx, dropped("b.csv"), held)
    with app.test_request_context(), pytest.raises(Exception) as refused:
        upload.files_of(ctx, held, None)
    assert "secret-name" not in str(refused.value) and "replaced" not in str(refused.value)


# -- 3. refused: nothing left behind ----------------------------------------------------------


def full_disk_from_now_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_args: object, **_kwargs: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", full)


def test_the_sample_refused_for_want_of_room_leaves_neither_it_nor_the_replaced_file(
    ctx, session, monkeypatch
):
    held, _ = upload.stash_upload(ctx, dropped("a.csv"), None)
    write_bytes, writes = Path.write_bytes, []

    def full_at_the_second(path: Path, data: bytes) -> int:  # the sample's store table
        writes.append(path)
        if len(writes) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return write_bytes(path, data)

    monkeypatch.setattr(Path, "write_bytes", full_at_the_second)
    file, shown, *_ = upload.use_sample(ctx, 1, held)

    assert len(writes) == 2  # the sample's sales were kept before its store table was refused
    assert file is None and "the server's disk is full" in text_of(shown)
    assert kept(ctx) == set()


def test_a_sales_file_refused_for_want_of_room_takes_the_held_one_with_it(
    ctx, session, monkeypatch
):
    held, _ = upload.stash_upload(ctx, dropped("a.csv"), None)
    full_disk_from_now_on(monkeypatch)

    file, shown = upload.stash_upload(ctx, dropped("b.csv"), held)

    assert file is None and "b.csv was not kept: the server's disk is full" in text_of(shown)
    assert kept(ctx) == set()


def test_a_store_table_refused_for_want_of_room_takes_the_held_one_with_it(
    ctx, session, monkeypatch
):
    table, _, _ = upload.stash_attributes(ctx, TABLE, "stores.csv", None)
    full_disk_from_now_on(monkeypatch)

    again, shown, _ = upload.stash_attributes(ctx, TABLE, "stores2.csv", table)

    assert again is None and "stores2.csv was not kept" in text_of(shown)
    assert kept(ctx) == set()


# -- 4. a second plan -------------------------------------------------------------------------


def test_the_store_table_the_page_shows_joined_is_joined_to_a_second_plan_too(ctx, session):
    table, status, _ = upload.stash_attributes(ctx, TABLE, "stores.csv", None)
    first, _ = upload.stash_upload(ctx, dropped("first.csv"), None)
    _, made = create_plan(ctx, first, table)
    assert "plan_id" in made
    assert status == "Store table: stores.csv, joined on the series key."  # still on the page

    second, _ = upload.stash_upload(ctx, dropped("second.csv"), first)
    said, again = create_plan(ctx, second, table, "Second")

    assert "plan_id" in again, text_of(said)
    assert again["plan_id"] != made["plan_id"]
    assert kept(ctx) == {table["token"]}  # the sales files went once used; the table stays
    assert uploads.resolve(ctx, table).filename == "stores.csv"


def test_a_file_whose_successor_was_refused_is_not_said_to_be_replaced(ctx, session):
    """The page held a.csv, then a file dropped after it was refused: the page holds none, and
    nothing replaced a.csv."""
    held, _ = upload.stash_upload(ctx, dropped("a.csv"), None)
    refused, _ = upload.stash_upload(ctx, {"contents": "garbled", "filename": "b.csv"}, held)
    assert refused is None

    alert, plan = create_plan(ctx, held)

    said = text_of(alert)
    assert plan is create.no_update
    assert (
        "a.csv is no longer on the server: the file (or the sample) given in its place was refused"
        in said
    )
    assert "replaced it" not in said


def test_the_sample_a_plan_was_made_from_points_to_the_sample_button_not_to_dropping_a_file(
    ctx, session
):
    file, *_ = upload.use_sample(ctx, 1, None)
    _, plan = create_plan(ctx, file)
    assert "plan_id" in plan, plan

    alert, again = create_plan(ctx, file)

    said = text_of(alert)
    assert again is create.no_update
    assert "no longer on the server: a plan was made from it" in said
    assert "press Use the sample again" in said and "drop the file again" not in said


def test_opening_a_page_starts_no_plan_or_replay_job(tmp_path):
    """Dash calls a callback when a page is opened if one of its outputs was on the page (the
    shell around every page) before its inputs, whatever `prevent_initial_call` says: a job
    writing the shell's stores started on every visit of the Data page and greyed out its
    uploads and sample button while it ran (a browser test clicked the button in that moment).
    No background job writes anything outside its own page."""
    from dashboard.app import create_app

    app = create_app(data_dir=str(tmp_path))
    shell = {
        component.id
        for component in app.layout._traverse()
        if isinstance(getattr(component, "id", None), str)
    }
    assert ids.NAV_SESSION in shell and ids.NAV_PLANS_CHANGED in shell
    jobs = [spec for spec in app.callback_map.values() if spec.get("background")]
    assert len(jobs) == 2  # making a plan, the accuracy replay
    for job in jobs:
        outputs = {output.component_id for output in job["output"]}
        assert not outputs & shell, outputs
