"""Which members an imported plan keeps, and that the import says so.

A bundle names its plan's members; in another store the same names may be other people, or
nobody yet (whoever was made under such a name later inherited its roles). The import keeps, by
default, those with an account here for a bundle of this installation and nobody but the
importer for one of another, and names every member kept (by role) and left out (and why)."""

from __future__ import annotations

import json

import pytest
from test_services_negotiation import team_plan
from typer.testing import CliRunner

from forecast.services import accounts, exports, plan_members
from forecast.services.errors import Invalid
from forecast.store import MemoryStore
from tests.signin import add_accounts


@pytest.fixture
def bundle() -> bytes:
    """A plan of owner olga, planner piet and leads lead-a, lead-b, from another installation."""
    home = MemoryStore()
    plan = team_plan(home, "spring", {"a": "lead-a", "b": "lead-b"})
    plan_members.grant(home, plan, "olga", "piet", "planner")
    return exports.export_plan(home, plan, "json")


@pytest.fixture
def elsewhere() -> MemoryStore:
    """Another store: an admin, and an unrelated person who happens to be called olga."""
    store = MemoryStore()
    add_accounts(store, ["boss"], admin=["boss"])
    accounts.add_user(store, "olga", None, display_name="Olga Newhire (different person)")
    return store


def test_a_foreign_bundle_keeps_no_members_unless_asked_and_says_whom_it_left_out(
    bundle, elsewhere
):
    done = exports.import_noted(elsewhere, bundle, "boss", trust=True)
    copy = elsewhere.get(done.plan_id)
    assert set(copy.members) == {"boss"} and copy.roles_of("boss") == ["owner"]
    assert done.members_rule == "none"
    assert [m.name for m in done.kept] == ["boss"]
    assert [m.name for m in done.left_out] == ["lead-a", "lead-b", "olga", "piet"]
    assert all("another installation" in (m.why or "") for m in done.left_out)
    kept, left, _ = done.lines()
    assert kept == "members kept (nobody but the importer): boss as owner"
    assert "olga (Olga Newhire (different person)) as owner" in left
    assert "lead-a as lead of team a" in left and "piet as planner" in left
    entry = elsewhere.audit(done.plan_id)[-1]
    assert entry.action == "import"
    assert entry.after["members_left_out"] == ["lead-a", "lead-b", "olga", "piet"]
    assert entry.after["members_kept"] == {"boss": ["owner"]}


def test_existing_keeps_only_names_with_an_account_here_and_names_them_with_their_roles(
    bundle, elsewhere
):
    done = exports.import_noted(elsewhere, bundle, "boss", trust=True, members="existing")
    copy = elsewhere.get(done.plan_id)
    assert set(copy.members) == {"boss", "olga"}  # no name without an account left behind
    assert copy.roles_of("olga") == ["owner", "planner"]
    kept_line, left_line, _ = done.lines()
    # The admin sees that the roles went to this store's olga, and who she is here.
    assert "olga (Olga Newhire (different person)) as owner, planner" in kept_line
    assert left_line.startswith("members left out (no account of that name here): ")
    assert {m.name for m in done.left_out} == {"lead-a", "lead-b", "piet"}
    # Someone made later under a left-out name inherits nothing.
    accounts.add_user(elsewhere, "piet", None)
    assert elsewhere.get(done.plan_id).roles_of("piet") == []


def test_all_keeps_every_name_and_a_disabled_account_is_left_out_of_existing(bundle, elsewhere):
    every = exports.import_noted(elsewhere, bundle, "boss", trust=True, members="all")
    assert set(elsewhere.get(every.plan_id).members) == {
        "boss",
        "lead-a",
        "lead-b",
        "olga",
        "piet",
    }
    assert every.left_out == ()
    accounts.disable(elsewhere, "olga")
    done = exports.import_noted(
        elsewhere, bundle, "boss", trust=True, members="existing", name="again"
    )
    assert "olga" not in elsewhere.get(done.plan_id).members
    assert any(
        m.name == "olga" and m.why == "the account of that name here is disabled"
        for m in done.left_out
    )
    with pytest.raises(Invalid, match="unknown choice of members 'some'"):
        exports.import_noted(elsewhere, bundle, "boss", trust=True, members="some")


def test_a_bundle_of_this_installation_keeps_the_members_with_an_account_by_default():
    store = MemoryStore()
    plan = team_plan(store, "spring", {"a": "lead-a"})
    add_accounts(store, ["olga", "lead-a"])
    plan_members.grant(store, plan, "olga", "lead-a", "lead", team="a")
    bundle = exports.export_plan(store, plan, "json")
    add_accounts(store, ["root"], admin=["root"])
    done = exports.import_noted(store, bundle, "root", name="copy")
    assert done.members_rule == "existing"
    assert set(store.get(done.plan_id).members) == {"olga", "lead-a", "root"}


def test_the_import_command_prints_every_member_kept_and_left_out(bundle, tmp_path):
    from forecast.cli import app
    from forecast.services.store_factory import open_store

    data = tmp_path / "data"
    store = open_store(data_dir=data)
    add_accounts(store, ["boss"], admin=["boss"])
    accounts.add_user(store, "olga", None, display_name="Olga Newhire (different person)")
    store.close()
    (tmp_path / "held.json").write_bytes(bundle)
    runner = CliRunner()
    base = ["plan", "import", str(tmp_path / "held.json"), "--as", "boss", "--trust"]
    done = runner.invoke(app, [*base, "--data-dir", str(data), "--members", "existing"])
    assert done.exit_code == 0, done.output
    assert (
        "members kept (those with an account here): olga (Olga Newhire (different person)) "
        "as owner, planner; boss as owner"
    ) in done.output
    assert (
        "members left out (no account of that name here): lead-a as lead of team a; "
        "lead-b as lead of team b; piet as planner"
    ) in done.output
    as_json = runner.invoke(app, [*base, "--data-dir", str(data), "--name", "b", "--json"])
    assert as_json.exit_code == 0, as_json.output
    said = json.loads(as_json.output)["import"]
    assert said["members_rule"] == "none"
    assert [m["name"] for m in said["members_kept"]] == ["boss"]
    assert [m["name"] for m in said["members_left_out"]] == ["lead-a", "lead-b", "olga", "piet"]
    refused = runner.invoke(app, [*base, "--data-dir", str(data), "--members", "some"])
    assert refused.exit_code == 2
