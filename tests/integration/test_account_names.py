"""User names differ by more than capitals: `Olga` next to `olga` (and `PIET` next to `piet`)
were two accounts easily taken for one another, and the dashboard's refusals named the other
one ("Olga is the only owner", its sentence capitalising olga). On SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import accounts, plan_members
from forecast.services.errors import Conflict
from forecast.store import MemoryStore, users_table
from tests.integration.test_store import make_store, new_plan, store  # noqa: F401 - fixtures

PASSWORD = "a long enough password"


def test_a_name_that_differs_from_an_account_only_in_capitals_is_refused(store):  # noqa: F811
    accounts.add_user(store, "olga", PASSWORD)
    for alike in ("Olga", "OLGA"):
        with pytest.raises(Conflict, match="already an account 'olga', which differs from"):
            accounts.add_user(store, alike, PASSWORD)
    with pytest.raises(Conflict, match="already an account 'olga'"):
        accounts.add_user_as(store, _admin(store), "Olga", PASSWORD)  # the admin page's way
    assert [a.name for a in store.list_accounts()] == ["olga", "root"]


def test_a_store_that_holds_such_a_pair_already_keeps_both_working(store):  # noqa: F811
    """Made before the check: both accounts stay as they are (nothing migrated away)."""
    accounts.add_user(store, "piet", PASSWORD)
    made = accounts.add_user(MemoryStore(), "PIET", "another long password")
    with store.engine.begin() as conn:
        conn.execute(users_table.insert().values(**made.__dict__))

    assert accounts.authenticate(store, "piet", PASSWORD).name == "piet"
    assert accounts.authenticate(store, "PIET", "another long password").name == "PIET"
    accounts.disable(store, "PIET")
    assert store.get_account("piet").active and not store.get_account("PIET").active
    with pytest.raises(Conflict, match="already an account"):
        accounts.add_user(store, "Piet", PASSWORD)


def test_the_in_memory_store_refuses_it_alike():
    memory = MemoryStore()
    accounts.add_user(memory, "olga", PASSWORD)
    with pytest.raises(Conflict, match="already an account 'olga', which differs"):
        accounts.add_user(memory, "Olga", PASSWORD)


def test_user_add_refuses_a_name_alike_on_the_command_line(tmp_path):
    def cli(*args: str, stdin: str | None = None):
        return CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)], input=stdin)

    assert cli("user", "add", "olga", "--password-stdin", stdin=PASSWORD + "\n").exit_code == 0
    alike = cli(
        "user",
        "add",
        "Olga",
        "--password-stdin",
        "--display-name",
        "Olga Olsen",
        "--json",
        stdin="another-pass-1\n",
    )
    assert alike.exit_code == 3
    assert (
        "already an account 'olga', which differs from 'Olga' only in capitals"
        in (json.loads(alike.stdout)["message"])
    )


def test_a_refusal_on_the_page_names_the_account_as_it_is_spelled(store):  # noqa: F811
    """As olga (the only owner), Remove on her own owner row said "Not accepted. Olga is the
    only owner of plan ...": the sentence capitalised her name, naming another account."""
    from dashboard import components

    accounts.add_user(store, "ann", PASSWORD)
    plan = new_plan(store).plan_id
    try:
        plan_members.revoke(store, plan, "ann", "ann", "owner")
    except Conflict as exc:
        refused = exc
    shown = str(components.error_alert(refused).to_plotly_json())
    assert "ann is the only owner of plan" in shown and "Ann " not in shown
    assert components.sentence("user ann may not grant roles") == "User ann may not grant roles."


def _admin(store) -> str:  # noqa: F811
    accounts.add_user(store, "root", PASSWORD, admin=True)
    return "root"


def test_sign_in_name_ignores_case(store):  # noqa: F811
    """Typing Olga for the account olga signs in as olga (the session is the stored name's)."""
    accounts.add_user(store, "olga", PASSWORD)
    for typed in ("Olga", "OLGA", " oLGa "):
        assert accounts.authenticate(store, typed, PASSWORD).name == "olga"
    assert accounts.authenticate(store, "Olga", "not the password at all") is None
    assert accounts.authenticate(store, "\u212alga", PASSWORD) is None  # Kelvin sign, not K
    accounts.disable(store, "olga")
    assert accounts.authenticate(store, "Olga", PASSWORD) is None


def test_ambiguous_case_match_signs_in_nobody(store):  # noqa: F811
    """A store from before names were compared ignoring capitals may hold piet and PIET: each
    signs in by its own spelling, and Piet, which could be either, signs in neither."""
    accounts.add_user(store, "piet", PASSWORD)
    made = accounts.add_user(MemoryStore(), "PIET", PASSWORD)  # the same password on purpose
    with store.engine.begin() as conn:
        conn.execute(users_table.insert().values(**made.__dict__))
    assert [a.name for a in store.find_accounts_ignoring_case("Piet")] == ["PIET", "piet"]

    assert accounts.authenticate(store, "Piet", PASSWORD) is None
    assert accounts.authenticate(store, "piet", PASSWORD).name == "piet"
    assert accounts.authenticate(store, "PIET", PASSWORD).name == "PIET"


def test_the_command_line_takes_names_in_other_capitals_for_the_accounts_they_match(tmp_path):
    def cli(*args: str, stdin: str | None = None):
        return CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)], input=stdin)

    assert cli("user", "add", "olga", "--admin", "--password-stdin", stdin=PASSWORD).exit_code == 0
    assert cli("user", "add", "lena", "--password-stdin", stdin=PASSWORD).exit_code == 0
    disabled = cli("user", "disable", "Lena", "--as", "OLGA")  # both matched as a sign-in is
    assert disabled.exit_code == 0, disabled.output
    from forecast.services.store_factory import open_store

    newest = accounts.account_log(open_store(data_dir=tmp_path))[0]
    assert (newest.actor, newest.what) == ("olga", "disabled account lena")
