"""Accounts on SQLite and PostgreSQL, the `forecast user` commands, the CLI's `--as` check and
the length limits that both databases share."""

from __future__ import annotations

import threading

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import accounts, plan_members, plan_versions
from forecast.services.errors import Conflict, Invalid, NotFound, Unavailable
from forecast.store import Account, SqlStore
from tests.integration.test_store import make_store, new_plan, store  # noqa: F401 - fixtures

runner = CliRunner()
PASSWORD = "correct horse battery"


def test_accounts_round_trip_with_hashed_passwords(store):  # noqa: F811
    accounts.add_user(store, "olga", PASSWORD, display_name="Olga O.", admin=True)
    accounts.add_user(store, "lena", None)
    saved = store.get_account("olga")
    assert saved.display_name == "Olga O." and saved.is_admin and saved.active
    assert PASSWORD not in saved.password_hash and saved.password_hash.startswith("$argon2")
    assert [a.name for a in accounts.list_users(store)] == ["lena", "olga"]
    assert accounts.authenticate(store, "olga", PASSWORD).name == "olga"
    assert accounts.authenticate(store, "olga", "wrong password!") is None
    assert accounts.authenticate(store, "lena", "") is None  # no password: proxy only
    with pytest.raises(Conflict, match="already an account"):
        accounts.add_user(store, "olga", PASSWORD)
    accounts.set_password(store, "olga", "another good password")
    assert accounts.authenticate(store, "olga", PASSWORD) is None
    accounts.add_user(store, "root", PASSWORD, admin=True)  # olga is not the last admin now
    accounts.disable(store, "olga")
    assert accounts.authenticate(store, "olga", "another good password") is None
    assert accounts.active_account(store, "olga") is None
    with pytest.raises(NotFound):
        accounts.disable(store, "ghost")


def test_an_unknown_name_is_checked_against_a_real_hash_as_a_known_one_is(store, monkeypatch):  # noqa: F811
    """So both answers take the same time: an unknown name's password is verified against a hash
    made with the same argon2 parameters as the accounts' own, and made once, not per request."""
    from argon2 import extract_parameters

    accounts.add_user(store, "olga", PASSWORD)
    checked: list[str] = []
    hasher = accounts._hasher

    class Recording:  # the hasher's methods cannot be patched (slots)
        hash = staticmethod(hasher.hash)

        @staticmethod
        def verify(hashed: str, password: str) -> bool:
            checked.append(hashed)
            return hasher.verify(hashed, password)

    monkeypatch.setattr(accounts, "_hasher", Recording)
    assert accounts.authenticate(store, "ghost", PASSWORD) is None
    assert accounts.authenticate(store, "nobody", "") is None
    assert accounts.authenticate(store, "olga", "wrong password!") is None
    dummy, again, olga = checked
    assert dummy == again != olga == store.get_account("olga").password_hash
    assert extract_parameters(dummy) == extract_parameters(olga)


def test_passwords_and_names_are_checked(store):  # noqa: F811
    with pytest.raises(Invalid, match="at least 10 characters"):
        accounts.add_user(store, "olga", "short")
    with pytest.raises(Invalid, match="at most 100 characters"):
        accounts.add_user(store, "x" * 300, PASSWORD)
    with pytest.raises(Invalid, match=r"ASCII letters a-z \(either case\), digits"):
        accounts.add_user(store, "olga; drop table", PASSWORD)
    assert store.list_accounts() == []


def test_a_300_character_plan_name_is_refused_with_a_message_on_both_databases(store):  # noqa: F811
    with pytest.raises(Invalid, match="at most 200 characters"):
        new_plan(store, name="x" * 300)
    assert store.list() == []
    plan = new_plan(store)
    with pytest.raises(Invalid, match="at most 100 characters"):
        plan_members.grant(store, plan.plan_id, "ann", "y" * 300, "planner")
    with pytest.raises(Invalid, match="at most 200 characters"):
        plan_versions.new_version(store, plan.plan_id, "ann", name="z" * 300)


# -- the command line ------------------------------------------------------------------------------


def cli(data_dir, *args: str, stdin: str | None = None):
    return runner.invoke(app, [*args, "--data-dir", str(data_dir)], input=stdin)


def test_user_commands_add_list_passwd_disable(tmp_path):
    added = cli(tmp_path, "user", "add", "olga", "--admin", "--password-stdin", stdin=PASSWORD)
    assert added.exit_code == 0 and "added account olga (admin)" in added.stdout
    # a name that is taken is a conflict (exit code 3, as a taken plan name), not bad input
    taken = cli(tmp_path, "user", "add", "olga", "--password-stdin", stdin=PASSWORD)
    assert taken.exit_code == 3 and "already an account 'olga'" in taken.output
    short = cli(tmp_path, "user", "add", "lena", "--password-stdin", stdin="short\n")
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    cli(
        tmp_path,
        "user",
        "add",
        "lena",
        "--display-name",
        "Lena L.",
        "--password-stdin",
        stdin=PASSWORD + "\nignored second line\n",
    )
    listed = cli(tmp_path, "user", "list")
    assert "olga" in listed.stdout and "Lena L." in listed.stdout and "argon2" not in listed.stdout
    assert (
        cli(
            tmp_path, "user", "passwd", "lena", "--password-stdin", stdin="a new long password\n"
        ).exit_code
        == 0
    )
    assert cli(tmp_path, "user", "disable", "lena").exit_code == 0
    assert "disabled" in cli(tmp_path, "user", "list").stdout
    missing = cli(tmp_path, "user", "disable", "ghost")
    assert missing.exit_code == 4 and "no account 'ghost'" in missing.output
    from forecast.services.store_factory import open_store

    opened = open_store(data_dir=tmp_path)
    assert accounts.authenticate(opened, "lena", "a new long password") is None  # disabled
    assert opened.get_account("lena").display_name == "Lena L."
    opened.close()


def test_user_commands_that_change_an_account_print_it_as_json(tmp_path):
    """user add/passwd/disable/enable took no --json (user list did)."""
    import json

    added = cli(tmp_path, "user", "add", "lena", "--password-stdin", "--json", stdin=PASSWORD)
    assert added.exit_code == 0, added.output
    account = json.loads(added.stdout)
    assert account["name"] == "lena" and account["active"] and account["password"]
    assert PASSWORD not in added.stdout and "argon2" not in added.stdout
    changed = cli(
        tmp_path, "user", "passwd", "lena", "--password-stdin", "--json", stdin="another password"
    )
    assert changed.exit_code == 0 and json.loads(changed.stdout)["name"] == "lena"
    disabled = json.loads(cli(tmp_path, "user", "disable", "lena", "--json").stdout)
    assert disabled["active"] is False
    enabled = json.loads(cli(tmp_path, "user", "enable", "lena", "--json").stdout)
    assert enabled["active"] is True and enabled["already"] is False
    again = json.loads(cli(tmp_path, "user", "enable", "lena", "--json").stdout)
    assert again["already"] is True
    taken = cli(tmp_path, "user", "add", "lena", "--password-stdin", "--json", stdin=PASSWORD)
    assert taken.exit_code == 3 and json.loads(taken.stdout)["error"] == "conflict"


def test_as_must_name_an_active_account_once_the_store_has_accounts(tmp_path):
    # no accounts yet: the old trust (any name) still holds
    before = cli(tmp_path, "plan", "new-version", "nope", "--as", "anyone")
    assert "no account" not in before.output
    cli(tmp_path, "user", "add", "olga", "--password-stdin", stdin=PASSWORD)
    refused = cli(tmp_path, "plan", "new-version", "nope", "--as", "ghost")
    assert refused.exit_code == 2
    assert "there is no account 'ghost'" in refused.output
    assert "forecast user add ghost" in refused.output
    cli(tmp_path, "user", "disable", "olga")
    disabled = cli(tmp_path, "plan", "new-version", "nope", "--as", "olga")
    assert disabled.exit_code == 2 and "disabled" in disabled.output
    assert "forecast user enable olga" in disabled.output


def test_a_disabled_account_is_enabled_again_with_its_password_and_roles(tmp_path):
    cli(tmp_path, "user", "add", "root", "--admin", "--password-stdin", stdin=PASSWORD)
    cli(tmp_path, "user", "add", "olga", "--admin", "--password-stdin", stdin=PASSWORD)
    disabled = cli(tmp_path, "user", "disable", "olga")  # not the last admin: root is one
    assert "forecast user enable olga" in disabled.stdout
    enabled = cli(tmp_path, "user", "enable", "olga")
    assert enabled.exit_code == 0 and "enabled account olga" in enabled.stdout
    again = cli(tmp_path, "user", "enable", "olga")
    assert again.exit_code == 0 and "already enabled" in again.stdout
    assert cli(tmp_path, "user", "enable", "ghost").exit_code == 4
    from forecast.services.store_factory import open_store

    opened = open_store(data_dir=tmp_path)
    account = accounts.authenticate(opened, "olga", PASSWORD.strip())
    opened.close()
    assert account is not None and account.is_admin


def test_cli_refuses_a_300_character_plan_name(tmp_path, rossmann_train):
    result = cli(
        tmp_path,
        "plan",
        "create",
        str(rossmann_train),
        "--name",
        "n" * 300,
        "--horizon",
        "4",
        "--as",
        "olga",
    )
    assert result.exit_code == 2
    assert "at most 200 characters" in result.output


def test_accounts_added_at_once_under_one_name_leave_one_and_tell_the_others(
    make_store,  # noqa: F811
):
    """Two admins adding `maria` at the same moment: one account, and the other is told the name
    is taken (not a database error)."""
    adders = 4
    stores = [make_store() for _ in range(adders)]
    barrier = threading.Barrier(adders)
    outcomes: list[object] = []
    now = "2026-01-01T00:00:00+00:00"
    maria = Account(
        "maria", "Maria", None, is_admin=False, active=True, created_at=now, updated_at=now
    )

    def add(opened) -> None:
        barrier.wait()
        try:
            opened.add_account(maria)
            outcomes.append("added")
        except Exception as exc:  # noqa: BLE001 - the test sorts every outcome
            outcomes.append(exc)

    threads = [threading.Thread(target=add, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("added") == 1
    refusals = [o for o in outcomes if o != "added"]
    assert all(isinstance(o, Conflict) for o in refusals), refusals
    assert all(
        str(o).startswith("there is already an account 'maria'; choose another name")
        for o in refusals
    ), refusals
    assert [a.name for a in accounts.list_users(stores[0])] == ["maria"]


@pytest.mark.parametrize(
    "use",
    [
        lambda db: db.get_account("olga"),
        lambda db: db.list_accounts(),
        lambda db: accounts.add_user(db, "lena", PASSWORD),
        lambda db: accounts.set_password(db, "olga", "another good password"),
        lambda db: db.installation_key(),
    ],
    ids=["get_account", "list_accounts", "add_account", "update_account", "installation_key"],
)
def test_accounts_while_the_database_is_gone_are_reported_as_unavailable(tmp_path, use):
    """Every request of the dashboard reads the account: with the database gone, each account
    read or write says the database could not be reached, not a driver's error."""
    folder = tmp_path / "db"
    folder.mkdir()
    gone = SqlStore(f"sqlite:///{folder / 'forecast.db'}")
    accounts.add_user(gone, "olga", PASSWORD)
    gone.close()  # no connection stays open to the file
    folder.rename(tmp_path / "moved")  # the database is no longer where the store looks

    with pytest.raises(Unavailable, match="could not .*account|could not read the installation"):
        use(gone)


def test_a_role_goes_only_to_an_account_once_the_store_has_accounts(store):  # noqa: F811
    """`plan grant PLAN nobody` made a member nobody could sign in as (a typo of a name)."""
    state = new_plan(store)
    accounts.add_user(store, "ann", "a long enough password")
    accounts.add_user(store, "ben", "a long enough password")

    with pytest.raises(NotFound, match="there is no account 'bne'; an admin adds it"):
        plan_members.grant(store, state.plan_id, "ann", "bne", "planner")
    granted = plan_members.grant(store, state.plan_id, "ann", "ben", "planner")

    assert "bne" not in granted.plan.members and "planner" in granted.plan.roles_of("ben")
