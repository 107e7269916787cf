"""A plan's life on the command line and in the services: its last owner stays (a refused edit,
exit code 3), an archived plan is read-only and out of the lists until unarchived, and a bundle
imports once under its name (again only under another)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dash import no_update
from test_services_negotiation import team_frames, team_plan, weekly_team_plan
from typer.testing import CliRunner

from forecast.cli import app as cli
from forecast.cli.conventions import EXIT_REFUSED
from forecast.services import plan_access, plan_archive, plan_members, plan_versions, plans
from forecast.services.errors import Conflict
from forecast.services.store_factory import open_store
from forecast.store import MemoryStore

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A SQLite store holding one plan named "cycle" (owner olga, lead anna of team a)."""
    data_dir = tmp_path / "data"
    store = open_store(data_dir=data_dir)
    team_plan(store, "cycle", {"a": "anna"})
    store.close()
    return data_dir


def run(data_dir: Path, *args: str, user: str | None = "olga"):
    who = ["--as", user] if user else []
    return runner.invoke(cli, [*args, *who, "--data-dir", str(data_dir)], catch_exceptions=False)


# -- the last owner ----------------------------------------------------------------------------


def test_revoking_the_last_owner_is_a_refused_edit_with_its_reason_and_fix(data_dir: Path):
    last = run(data_dir, "plan", "revoke", "cycle", "olga", "--role", "owner")
    assert last.exit_code == EXIT_REFUSED, last.output
    assert "olga is the only owner of plan" in last.stderr
    assert "--role owner" in last.stderr  # how to make someone else owner first
    as_json = run(data_dir, "plan", "revoke", "cycle", "olga", "--role", "owner", "--json")
    error = json.loads(as_json.stdout)
    assert error["kind"] == "refused" and error["exit_code"] == EXIT_REFUSED
    assert error["fix"]["key"] == "add_owner"


def test_the_last_owner_refusal_is_a_conflict_and_writes_nothing():
    store = MemoryStore()
    plan_id = team_plan(store, "cycle", {})
    before = plans.get_plan(store, plan_id).version
    with pytest.raises(Conflict, match="only owner"):
        plan_members.revoke(store, plan_id, "olga", "olga", "owner")
    assert plans.get_plan(store, plan_id).version == before


# -- importing a bundle twice ------------------------------------------------------------------


def test_importing_the_same_bundle_twice_is_refused_naming_the_plan_and_the_way_out(
    data_dir: Path, tmp_path: Path
):
    bundle = tmp_path / "cycle.json"
    assert run(data_dir, "plan", "export", "cycle", "-o", str(bundle), user=None).exit_code == 0
    store = open_store(data_dir=data_dir)
    (existing,) = store.list()
    store.close()

    again = run(data_dir, "plan", "import", str(bundle))

    assert again.exit_code == EXIT_REFUSED, again.output
    assert f"there is already a plan named 'cycle' here: {existing.plan_id}" in again.stderr
    assert "--name NEW_NAME" in again.stderr
    store = open_store(data_dir=data_dir)
    assert [s.plan_id for s in store.list()] == [existing.plan_id]  # nothing was imported
    store.close()


def test_a_taken_name_is_refused_without_naming_a_plan_the_importer_may_not_see(
    data_dir: Path, tmp_path: Path
):
    """anna leads in "cycle"; importing its bundle as "board", the name of a plan she
    is no member of, is refused without that plan's id, version or state."""
    bundle = tmp_path / "cycle.json"
    assert run(data_dir, "plan", "export", "cycle", "-o", str(bundle), user=None).exit_code == 0
    store = open_store(data_dir=data_dir)
    hidden = team_plan(store, "board", {})
    store.close()

    taken = run(data_dir, "plan", "import", str(bundle), "--name", "board", user="anna")

    assert taken.exit_code == EXIT_REFUSED, taken.output
    assert "there is already a plan named 'board' here; nothing was imported" in taken.stderr
    assert hidden not in taken.stderr


def test_a_bundle_imports_again_under_another_name_and_the_audit_row_says_so(
    data_dir: Path, tmp_path: Path
):
    bundle = tmp_path / "cycle.json"
    run(data_dir, "plan", "export", "cycle", "-o", str(bundle), user=None)

    copy = run(data_dir, "plan", "import", str(bundle), "--name", "cycle (copy)", "--json")

    assert copy.exit_code == 0, copy.output
    store = open_store(data_dir=data_dir)
    names = sorted(s.name for s in store.list())
    (imported,) = [s for s in store.list() if s.name == "cycle (copy)"]
    entry = store.audit(imported.plan_id)[-1]  # after the source's history
    store.close()
    assert names == ["cycle", "cycle (copy)"]
    assert entry.action == "import" and "as 'cycle (copy)'" in entry.what
    taken = run(data_dir, "plan", "import", str(bundle), "--name", "cycle (copy)")
    assert taken.exit_code == EXIT_REFUSED and "'cycle (copy)'" in taken.stderr


def test_the_plans_page_refuses_a_second_import_and_takes_the_same_file_under_the_name_typed(
    data_dir: Path,
):
    import base64

    from dashboard.context import DashboardContext
    from dashboard.pages import plans as plans_page
    from forecast.services import exports
    from tests.signin import acting_as

    ctx = DashboardContext(data_dir=str(data_dir))
    (existing,) = ctx.store.list()
    bundle = exports.export_plan(ctx.store, existing.plan_id, "json")
    contents = "data:application/json;base64," + base64.b64encode(bundle).decode()
    try:
        with acting_as(ctx.store, "olga"):
            refused, _, _, forgotten = plans_page.import_and_forget(ctx, contents, "b.json", {}, 0)
            # the upload forgets the file, so the same bundle dropped again is read again
            assert forgotten is None
            _, session, _, _ = plans_page.import_and_forget(
                ctx, contents, "b.json", {}, 0, False, " cycle 2 "
            )
        shown = shown_text(refused)
        assert "here is already a plan named 'cycle' here" in shown  # (T)here: a sentence
        assert "Import under the name" in shown and "--name" not in shown
        assert plans.get_plan(ctx.store, session["plan_id"]).name == "cycle 2"
    finally:
        ctx.store.close()


def shown_text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda c: c.to_plotly_json())


# -- archiving: the services -------------------------------------------------------------------


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def archived(store: MemoryStore) -> str:
    """Plan "old" (owner olga, lead anna of team a, planner piet), archived by olga; and a live
    plan "live" beside it."""
    team_plan(store, "live", {})
    plan_id = team_plan(store, "old", {"a": "anna"})
    plan_members.grant(store, plan_id, "olga", "piet", "planner")
    plan_archive.archive(store, plan_id, "olga", reason="the round is over")
    return plan_id


def test_an_archived_plan_leaves_the_lists_but_is_kept_readable_and_exportable(store, archived):
    from forecast.services import exports

    assert [s.name for s in plans.list_plans(store, include_archived=False)] == ["live"]
    assert [
        s.name for s in plan_access.plans_visible_to(store, "olga", include_archived=False)
    ] == ["live"]
    assert sorted(s.name for s in plans.list_plans(store)) == ["live", "old"]  # nothing deleted
    state = plans.get_plan(store, "old")  # by its name too
    assert state.archived and state.archived_by == "olga"
    assert exports.export_plan(store, archived, "csv").startswith(b"unique_id")
    assert exports.export_plan(store, archived, "json")


def test_archive_and_unarchive_each_write_one_audit_row(store, archived):
    plan_archive.unarchive(store, archived, "olga")
    *_, archived_row, unarchived_row = store.audit(archived)
    assert (archived_row.action, archived_row.actor) == ("archive", "olga")
    assert archived_row.reason == "the round is over"
    assert (
        archived_row.before["archived_at"] is None and archived_row.after["archived_by"] == "olga"
    )
    assert unarchived_row.action == "unarchive" and unarchived_row.after["archived_at"] is None
    assert sorted(s.name for s in plans.list_plans(store, include_archived=False)) == [
        "live",
        "old",
    ]


def _edits(store: MemoryStore, plan_id: str) -> dict[str, object]:
    from forecast.services import actuals, system
    from forecast.services import negotiation as nego

    dates = system.horizon_dates(store, plans.get_plan(store, plan_id))
    return {
        "add an event": lambda: system.add_event(
            store,
            plan_id,
            "piet",
            name="x",
            kind="other",
            start=dates[0],
            end=dates[0],
            effect="percent",
            value=5.0,
        ),
        "set the threshold": lambda: system.set_threshold(store, plan_id, "olga", 0.3),
        "grant a role": lambda: plan_members.grant(store, plan_id, "olga", "ida", "planner"),
        "revoke a role": lambda: plan_members.revoke(store, plan_id, "olga", "piet", "planner"),
        "set the goal": lambda: nego.set_goal(store, plan_id, "olga", ratio="1.1"),
        "publish": lambda: system.publish(store, plan_id, "olga"),
        "upload actuals": lambda: actuals.upload_actuals(
            store, plan_id, b"unique_id,ds,y\na0,2024-03-01,5\n", actor="olga", filename="a.csv"
        ),
    }


@pytest.mark.parametrize(
    "edit",
    [
        "add an event",
        "set the threshold",
        "grant a role",
        "revoke a role",
        "set the goal",
        "publish",
        "upload actuals",
    ],
)
def test_every_edit_of_an_archived_plan_is_refused_saying_so_and_how_to_unarchive(
    store, archived, edit
):
    from forecast.cli.fix_hints import cli_message
    from forecast.services.errors import FixKey, Locked

    version = plans.get_plan(store, archived).version
    with pytest.raises(Locked) as refused:
        _edits(store, archived)[edit]()  # type: ignore[operator]
    assert "is archived and read-only" in refused.value.reason
    assert refused.value.fix is not None and refused.value.fix.key == FixKey.UNARCHIVE_PLAN
    assert f"forecast plan unarchive {archived}" in cli_message(refused.value)
    assert plans.get_plan(store, archived).version == version
    assert store.actuals_versions(archived) == []


def test_an_unarchived_plan_takes_edits_again(store, archived):
    from forecast.services import negotiation as nego

    plan_archive.unarchive(store, archived, "olga")
    nego.set_goal(store, archived, "olga", ratio="1.1")
    assert nego.summary(store, archived)["stage"] == "claiming"


def test_only_the_owner_or_an_admin_archives_and_nothing_is_written_otherwise(store):
    from forecast.services.errors import Forbidden
    from tests.signin import add_accounts

    plan_id = team_plan(store, "cycle", {"a": "anna"})
    add_accounts(store, ["olga", "anna", "ada"], admin=["ada"])
    for who in ("anna", "nina"):  # a lead of the plan, and nobody on it
        with pytest.raises(Forbidden, match="needs the owner role on it.*or an admin account"):
            plan_archive.archive(store, plan_id, who)
    assert [e.action for e in store.audit(plan_id)][-1] == "grant"
    assert (
        plan_archive.archive(store, plan_id, "ada").archived_by == "ada"
    )  # an admin, not a member
    with pytest.raises(Forbidden):
        plan_archive.unarchive(store, plan_id, "anna")
    assert not plan_archive.unarchive(store, plan_id, "olga").archived


def test_archiving_an_archived_plan_is_refused_and_so_is_unarchiving_a_live_one(store, archived):
    with pytest.raises(Conflict, match="archived already .*by olga"):
        plan_archive.archive(store, archived, "olga")
    live = plans.get_plan(store, "live").plan_id
    with pytest.raises(Conflict, match="not archived; nothing to unarchive"):
        plan_archive.unarchive(store, live, "olga")


def test_a_new_version_or_an_import_of_an_archived_plan_is_live(store, archived):
    from forecast.services import exports, system

    copy = system.new_version(store, archived, "olga", name="next round")
    assert not copy.archived
    elsewhere = MemoryStore()
    bundle = exports.export_plan(store, archived, "json")
    imported = exports.import_bundle(elsewhere, bundle, "olga", trust=True)
    assert not plans.get_plan(elsewhere, imported).archived


def test_the_pages_read_models_refuse_every_edit_of_an_archived_plan(store, archived):
    from forecast.services import actuals, system_views
    from forecast.services.errors import FixKey
    from forecast.services.negotiation_board import negotiation_board

    page = system_views.system_page(store, archived, "olga")
    for permission in (page.edit, page.publish, page.set_threshold):
        assert not permission.allowed and "archived" in permission.reason
        assert permission.fix is not None and permission.fix.key == FixKey.UNARCHIVE_PLAN
    actions = negotiation_board(store, archived, "olga").actions
    assert not actions.set_goal.allowed and "archived" in actions.set_goal.reason
    assert not actions.claim["a"].allowed
    keep = actuals.keep_permission(store, archived, "olga")
    assert not keep.allowed and "archived" in keep.reason


def test_the_members_editor_of_an_archived_plan_is_disabled_saying_why(store, archived):
    from dashboard.pages.plans_members import members_view

    state = plans.get_plan(store, archived)
    table, people, _teams, add_disabled, note = members_view(state, "olga", ["olga", "zoe"], [])
    assert add_disabled and people == [] and "archived" in str(note)
    assert plan_access.member_sources(store, archived, "olga") == []  # nothing to copy onto it


def test_the_members_editor_of_an_agreed_plan_disables_add_and_remove_saying_why(store):
    """An agreed plan is read-only: Add and Remove were offered and every click refused."""
    from test_export import agreed_plan

    from dashboard.pages.plans_members import members_view

    plan_id = agreed_plan(store)
    state = plans.get_plan(store, plan_id)
    table, people, _teams, add_disabled, note = members_view(state, "olga", ["olga", "zoe"], [])
    shown = shown_text(note)
    assert add_disabled and people == []
    assert f"plan {plan_id} is agreed and read-only, so you cannot change members" in shown
    assert "Make a new version" in shown  # how to change them
    _head, body = table.children
    removes = [row.children[2].children for row in body.children]
    assert removes and all(b.children == "Remove" and b.disabled for b in removes)
    assert plan_access.member_sources(store, plan_id, "olga") == []  # nothing to copy onto it
    draft = team_plan(store, "next", {})
    assert not members_view(plans.get_plan(store, draft), "olga", [], [])[3]  # a draft: Add on


def test_the_last_owner_refusal_names_the_role_as_the_members_role_picker_does():
    from dashboard.fix_hints import page_text
    from dashboard.pages.plans_members import ROLE_CHOICES
    from forecast.services.errors import Fix, FixKey

    owner_choice = dict(ROLE_CHOICES)["owner"]
    hint = page_text("olga is the only owner", Fix(FixKey.ADD_OWNER, plan="p1"))
    assert f"the role '{owner_choice}'" in hint


# -- archiving: an existing database gets the column -------------------------------------------


def test_a_database_made_before_archiving_gets_the_column_and_its_plans_stay_live(tmp_path):
    import sqlite3

    from forecast.store import SqlStore

    path = tmp_path / "old.db"
    store = SqlStore(f"sqlite:///{path}")
    plan_id = team_plan(store, "from before", {})
    store.close()
    with sqlite3.connect(path) as db:  # the plans table as it was before archiving
        db.execute("ALTER TABLE plans DROP COLUMN archived_at")
        assert "archived_at" not in {row[1] for row in db.execute("PRAGMA table_info(plans)")}

    store = SqlStore(f"sqlite:///{path}")
    (summary,) = plans.list_plans(store, include_archived=False)
    assert summary.plan_id == plan_id and not summary.archived
    plan_archive.archive(store, plan_id, "olga")
    store.close()

    again = SqlStore(f"sqlite:///{path}")  # the column is there now: opening adds nothing
    assert plans.list_plans(again, include_archived=False) == []
    assert plans.list_plans(again)[0].archived
    again.close()


# -- archiving: the command line ---------------------------------------------------------------


def test_the_command_line_archives_lists_and_unarchives_a_plan(data_dir: Path):
    anna = run(data_dir, "plan", "archive", "cycle", user="anna")
    assert anna.exit_code == EXIT_REFUSED and "needs the owner role" in anna.stderr

    done = run(data_dir, "plan", "archive", "cycle", "--reason", "round over")
    assert done.exit_code == 0, done.output
    assert "forecast plan unarchive" in done.stdout

    listed = run(data_dir, "plan", "list", user=None)
    assert "'cycle'" not in listed.stdout
    assert "no plans but 1 archived one(s); `forecast plan list --all` shows them" in listed.stdout
    every = run(data_dir, "plan", "list", "--all", "--json", user=None)
    (row,) = json.loads(every.stdout)
    assert row["name"] == "cycle" and row["archived"] is True and row["archived_at"]
    assert "archived" in run(data_dir, "plan", "list", "--all", user=None).stdout

    edit = run(data_dir, "plan", "threshold", "cycle", "0.3")
    assert edit.exit_code == EXIT_REFUSED
    assert "is archived and read-only" in edit.stderr and "forecast plan unarchive" in edit.stderr
    out = data_dir.parent / "old.csv"
    assert run(data_dir, "plan", "export", "cycle", "-o", str(out), user=None).exit_code == 0

    back = run(data_dir, "plan", "unarchive", "cycle")
    assert back.exit_code == 0 and "no longer archived" in back.stdout
    assert "'cycle'" in run(data_dir, "plan", "list", user=None).stdout
    audit = run(data_dir, "plan", "audit", "cycle", user=None).stdout
    assert "archive: archive plan 'cycle' (reason: round over)" in audit
    assert "unarchive: unarchive plan 'cycle'" in audit


# -- archiving: the dashboard ------------------------------------------------------------------


@pytest.fixture
def page_ctx(data_dir: Path):
    """The dashboard's context on the store of `data_dir` with a second plan "next" in it."""
    from dashboard.context import DashboardContext

    ctx = DashboardContext(data_dir=str(data_dir))
    team_plan(ctx.store, "next", {})
    yield ctx
    ctx.store.close()


def test_the_plans_page_archives_the_selected_plan_for_its_owner_and_unarchives_it(page_ctx):
    from dashboard import shell
    from dashboard.pages import plans as plans_page
    from tests.signin import acting_as

    ctx = page_ctx
    cycle = plans.get_plan(ctx.store, "cycle").plan_id
    session = {"plan_id": cycle}
    with acting_as(ctx.store, "olga"):
        *_, label, disabled, note = plans_page.render(ctx, session, 0, False)
        assert (label, disabled, note) == ("Archive", False, None)
        alert, changed, refresh = plans_page.archive(ctx, 1, session, 3, 5, "Archive")
        assert "Archived 'cycle'" in shown_text(alert) and (changed, refresh) == (4, 6)
        # a second page that still said "Archive" is refused, not taken as "Unarchive"
        alert, changed, _ = plans_page.archive(ctx, 1, session, 4, 6, "Archive")
        assert "is archived already" in shown_text(alert) and changed is no_update

        rows, _, _, _, label, disabled, _ = plans_page.render(ctx, session, 6, False)
        assert [r["name"] for r in rows] == ["next"] and label == "Unarchive" and not disabled
        rows, *_ = plans_page.render(ctx, session, 6, True)  # 'Show archived plans'
        assert {r["name"]: bool(r["archived"]) for r in rows} == {"next": False, "cycle": True}

        # the picker keeps the selected plan, marked archived; another choice drops it
        options, value = shell.list_plans(ctx, 4, session)
        (selected,) = [o for o in options if o["value"] == cycle]
        assert value == cycle and selected["label"].endswith(" · archived")
        options, value = shell.list_plans(ctx, 4, {})
        assert [o["label"].split(" · ")[0] for o in options] == ["next"] and value != cycle

        alert, *_ = plans_page.archive(ctx, 2, session, 4, 6, "Unarchive")
        assert "Unarchived 'cycle'" in shown_text(alert)
        assert not plans.get_plan(ctx.store, cycle).archived
    assert [e.action for e in ctx.store.audit(cycle)][-2:] == ["archive", "unarchive"]


def test_the_archive_button_is_disabled_with_the_reason_for_a_member_who_is_no_owner(page_ctx):
    from dashboard.pages import plans as plans_page
    from tests.signin import acting_as

    ctx = page_ctx
    session = {"plan_id": plans.get_plan(ctx.store, "cycle").plan_id}
    with acting_as(ctx.store, "anna"):
        *_, label, disabled, note = plans_page.render(ctx, session, 0, False)
        alert, *_ = plans_page.archive(ctx, 1, session, 0, 0)
    assert label == "Archive" and disabled
    assert "anna cannot archive this plan: only its owner or an admin can" in shown_text(note)
    assert "needs the owner role" in shown_text(alert)
    assert not plans.get_plan(ctx.store, "cycle").archived


# -- a name across versions ----------------------------------------------------------------------


def test_a_name_means_the_newest_version_of_its_plan_and_stays_ambiguous_across_plans():
    """`plan new-version spring` keeps the name: "spring" then means the new draft (it had been
    refused as ambiguous on every later command). Two plans made apart under one name, or two
    new versions of one plan, still need the id."""
    store = MemoryStore()
    first = team_plan(store, "spring", {})
    second = plan_versions.new_version(store, first, "olga").plan_id
    third = plan_versions.new_version(store, second, "olga").plan_id
    assert plans.get_plan(store, "spring").plan_id == third
    assert plans.get_plan(store, first).plan_id == first  # an id is always that plan
    with pytest.raises(Conflict, match="from the newest version"):
        plan_versions.new_version(store, second, "olga")  # a second line from an older version
    summer = plan_versions.new_version(store, third, "olga", name="summer").plan_id
    fourth = plan_versions.new_version(store, summer, "olga", name="spring").plan_id
    assert plans.get_plan(store, "spring").plan_id == fourth  # one line, through "summer"
    assert plans.get_plan(store, "summer").plan_id == summer


def test_a_plan_named_with_a_trailing_space_is_found_by_that_name_as_typed(data_dir: Path):
    """`new-version --name "winter "` saves "winter": `plan ledger "winter "` finds it too, as
    every lookup by name does; a name's case still counts."""
    made = run(data_dir, "plan", "new-version", "cycle", "--name", "winter ")
    assert made.exit_code == 0, made.output
    assert run(data_dir, "plan", "goal", "winter", "--ratio", "1.1").exit_code == 0

    ledger = run(data_dir, "plan", "ledger", "winter ", user=None)

    assert ledger.exit_code == 0, ledger.output
    assert "TOTAL" in ledger.stdout
    assert run(data_dir, "plan", "audit", "  winter", user=None).exit_code == 0
    assert "no plan" in run(data_dir, "plan", "ledger", "Winter", user=None).output
    store = open_store(data_dir=data_dir)
    assert plans.get_plan(store, " winter ").name == "winter"
    store.close()


def test_an_imported_plan_whose_parent_is_not_here_takes_a_new_version():
    """A bundle of a new version keeps its parent's id, which another store does not have:
    the line ends there (it had raised NotFound)."""
    from forecast.services import exports

    home, away = MemoryStore(), MemoryStore()
    first = team_plan(home, "spring", {})
    second = plan_versions.new_version(home, first, "olga").plan_id
    bundle = exports.export_plan(home, second, "json")
    imported = exports.import_bundle(away, bundle, "olga", trust=True)
    again = plan_versions.new_version(away, imported, "olga", name="spring")
    assert plans.get_plan(away, "spring").plan_id == again.plan_id


def test_a_plan_cannot_be_made_under_the_name_of_another(data_dir: Path):
    """A second plan made apart under a taken name would leave the name meaning nothing: refused
    before the file is read, naming the plan and the way to a new version of it; a new version
    under the name of another plan is refused too, under its own plan's name it is not."""
    store = open_store(data_dir=data_dir)
    (cycle,) = store.list()
    with pytest.raises(Conflict, match=f"already a plan named 'cycle' here: {cycle.plan_id}"):
        team_plan(store, "cycle", {})
    other = team_plan(store, "other", {})
    with pytest.raises(Conflict, match="give it another name"):
        plan_versions.new_version(store, other, "olga", name="cycle")
    again = plan_versions.new_version(store, cycle.plan_id, "olga", name="cycle")
    assert plans.get_plan(store, "cycle").plan_id == again.plan_id
    store.close()
    refused = run(data_dir, "plan", "create", "missing.csv", "--name", "cycle", "--horizon", "4")
    assert refused.exit_code == EXIT_REFUSED and "new-version" in refused.stderr


def test_a_plan_made_under_the_name_while_another_fitted_is_kept_and_the_other_refused():
    """Both makers found the name free before their fit; the one saved second is refused with the
    first named, and nothing of it is kept."""
    store = MemoryStore()
    made_meanwhile: list[str] = []

    def meanwhile(fraction: float, message: str) -> None:
        if message == "saving the plan" and not made_meanwhile:
            made_meanwhile.append(team_plan(store, "cycle", {}))

    with pytest.raises(Conflict) as refused:
        weekly_team_plan(store, team_frames(), name="cycle", progress=meanwhile)
    assert f"already a plan named 'cycle' here: {made_meanwhile[0]}" in str(refused.value)
    assert "new version" in str(refused.value)
    assert [s.plan_id for s in store.list()] == made_meanwhile


def test_refusals_tell_a_non_member_neither_the_leads_nor_the_teams_of_a_plan():
    from forecast.services import negotiation as nego
    from forecast.services.errors import Forbidden, NotFound, ServiceError

    store = MemoryStore()
    plan_id = team_plan(store, "cycle", {"a": "anna", "b": "bert"})
    nego.set_goal(store, plan_id, "olga", ratio="1.1")
    with pytest.raises(ServiceError) as claimed:
        nego.claim(store, plan_id, "mallory", "b", amount="100")
    assert "bert" not in str(claimed.value) and "bert" not in str(claimed.value.fix)
    with pytest.raises(Forbidden) as granted:
        plan_members.grant(store, plan_id, "mallory", "mallory", "lead", team="no-such-team")
    assert "teams are" not in str(granted.value) and "anna" not in str(granted.value)
    with pytest.raises(NotFound, match="teams are a, b"):  # the owner is told
        plan_members.grant(store, plan_id, "olga", "carl", "lead", team="no-such-team")


def test_the_plan_picker_marks_the_source_of_a_new_version_older_and_shows_no_edit_counts():
    from dashboard import shell
    from dashboard.context import DashboardContext
    from forecast.services import system
    from tests.signin import acting_as

    store = MemoryStore()
    source = team_plan(store, "cycle", {})
    for threshold in (0.3, 0.4, 0.5):  # edits: the source's version counter moves on
        system.set_threshold(store, source, "olga", threshold)
    newer = plan_versions.new_version(store, source, "olga")
    with acting_as(store, "olga"):
        options, _ = shell.list_plans(DashboardContext(_store=store), 0, None)
    labels = {o["value"]: o["label"] for o in options}
    assert "older version" in labels[source] and "older version" not in labels[newer.plan_id]
    assert all(" · v" not in label for label in labels.values())
    assert labels[newer.plan_id].startswith("cycle · draft · made ")


def test_plan_list_names_the_new_version_of_an_older_one(data_dir: Path):
    made = run(data_dir, "plan", "new-version", "cycle", "--json")
    assert made.exit_code == 0, made.output
    newer = json.loads(made.stdout)["plan_id"]
    lines = run(data_dir, "plan", "list", user=None).stdout.splitlines()
    older = next(line for line in lines if not line.startswith(newer))
    assert f"older version: new version {newer}" in older
    assert "older version" not in next(line for line in lines if line.startswith(newer))


def test_the_picker_says_when_the_plan_the_tab_had_open_is_no_longer_the_persons():
    """A lead removed from the plan their tab had open saw an empty picker without a word."""
    from dashboard import shell
    from dashboard.context import DashboardContext
    from tests.signin import acting_as

    store = MemoryStore()
    plan_id = team_plan(store, "cycle", {"a": "anna"})
    ctx = DashboardContext(_store=store)
    with acting_as(store, "anna"):
        session, _ = shell.remember(ctx, plan_id, {"plan_id": None})
        assert session == {"plan_id": plan_id, "plan_name": "cycle"}
        assert shell.lost_plan_note(ctx, 0, plan_id, session) is None  # still hers
    plan_members.revoke(store, plan_id, "olga", "anna", "lead")
    with acting_as(store, "anna"):
        assert shell.list_plans(ctx, 0, session) == ([], None)
        note = shell.lost_plan_note(ctx, 0, None, session)
        assert note == (
            "You are no longer a member of the plan “cycle”: ask its owner to add you again if "
            "you still need it."
        )
        # no picker value: the session keeps the lost plan, so a reload says it again
        kept, _ = shell.remember(ctx, None, session)
        assert kept == session
        unnamed = shell.lost_plan_note(ctx, 0, None, {"plan_id": plan_id})
        assert unnamed is not None and "the plan this page had open" in unnamed
        assert shell.lost_plan_note(ctx, 0, None, {"plan_id": None}) is None


def test_a_new_plan_id_never_reads_as_a_number_in_a_spreadsheet():
    drawn = iter(["293039e0", "12345678", "0000e123", "a93039e0"])
    assert plan_versions.new_plan_id(lambda: next(drawn)) == "a93039e0"
