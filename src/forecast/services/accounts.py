"""Accounts: who may sign in to the dashboard and whom the CLI may act as.

Passwords are hashed with argon2 (argon2-cffi) and never stored or logged in clear. Accounts are
disabled, never deleted, so the audit log keeps the names of people who have left. An `admin`
account sees every plan and manages accounts.

The CLI trust boundary: whoever can open the database is trusted (it is a console on the store).
A store without any account keeps the trust of the first releases (`--as` names anyone); once
the first account exists, `--as` must name an existing, active account.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from forecast import bounds
from forecast.plan import utc_now
from forecast.services.errors import Conflict, Fix, FixKey, Forbidden, Invalid, NotFound
from forecast.store import Account, AccountChange, AccountLogEntry, PlanRepository, SignInSession
from forecast.vocabulary import AUTH_MODES as AUTH_MODES

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000
MAX_NAME_LENGTH = 100
MAX_DISPLAY_NAME_LENGTH = 200
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")

_hasher = PasswordHasher()  # stateless: parameters only


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the account is unknown, so both answers take the same time. Made
    on first use, not on import: an argon2 hash costs half a second, which every process that
    imports the services paid (each CLI command, each worker). `authenticate` makes it before it
    looks the name up, so the first answer takes as long for a known name as for an unknown one."""
    return _hasher.hash("not a real password, only for timing")


def check_user_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid("a user name is needed")
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(
            f"a user name has at most {MAX_NAME_LENGTH} characters; {name[:20]!r}... has "
            f"{len(name)}"
        )
    if not _NAME.match(name):
        raise Invalid(
            f"user name {name!r} may use ASCII letters a-z (either case), digits and . _ @ + - "
            "only, starting with a letter or digit"
        )
    return name


MIN_DISTINCT_PASSWORD_CHARACTERS = 4


def check_password(password: str, name: str | None = None) -> None:
    """At least `MIN_PASSWORD_LENGTH` characters that are not spaces at either end, not one or
    two characters repeated (``aaaaaaaaaa``), nor little but the account's name (``olgaolgaolga``)."""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    counted = password.strip()
    if len(counted) < MIN_PASSWORD_LENGTH:
        spaces = " not counting spaces at either end" if counted != password else ""
        raise Invalid(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters{spaces} "
            f"(this one has {len(counted)}); a few words make a good one"
        )
    if len(set(counted)) < MIN_DISTINCT_PASSWORD_CHARACTERS:
        raise Invalid(
            "a password of a few characters repeated is guessed at once; a few words make a "
            "good one"
        )
    if (
        name
        and len(counted.casefold().replace(name.casefold(), "")) < MIN_DISTINCT_PASSWORD_CHARACTERS
    ):
        raise Invalid(
            f"a password made of the account's name ({name}) is guessed at once; a few words "
            "make a good one"
        )


def _check_display_name(display: str) -> None:
    """Refuse a display name (stripped) longer than `MAX_DISPLAY_NAME_LENGTH` or holding a
    control character (shown on every page and in the account log)."""
    if len(display) > MAX_DISPLAY_NAME_LENGTH:
        raise Invalid(f"a display name has at most {MAX_DISPLAY_NAME_LENGTH} characters")
    if problem := bounds.control_problem("a display name", display, one_line=True):
        raise Invalid(problem)


def add_user(
    store: PlanRepository,
    name: str,
    password: str | None,
    *,
    display_name: str | None = None,
    admin: bool = False,
    actor: str | None = None,
) -> Account:
    """A new active account. Without a password it can only sign in through `--auth header`.
    `actor` (who adds it) goes to the account log; None for the command line's own name."""
    name = check_user_name(name)
    display = (display_name or name).strip()
    _check_display_name(display)
    if password is not None:
        check_password(password, name)
    now = utc_now()
    account = Account(
        name=name,
        display_name=display,
        password_hash=None if password is None else _hasher.hash(password),
        is_admin=admin,
        active=True,
        created_at=now,
        updated_at=now,
    )
    marks = [m for m, on in ((_ADMIN_MARK, admin), ("no password", password is None)) if on]
    what = _added(name) + (f" ({', '.join(marks)})" if marks else "")
    if display != name:
        what += f", display name {display!r}"
    store.add_account(account, AccountChange(_who(actor), "add", what))
    return account


COMMAND_LINE = "command line"
"""Who the account log names for a change made with `forecast user ...` without --as."""


def _who(actor: str | None) -> str:
    return actor or COMMAND_LINE


def account_log(
    store: PlanRepository, *, account: str | None = None, limit: int | None = None
) -> list[AccountLogEntry]:
    """Who changed which account, when and what (never a password), newest first."""
    return store.account_log(account=account, limit=limit)


def account_log_as(
    store: PlanRepository, actor: str | None, *, limit: int | None = None
) -> list[AccountLogEntry]:
    """The account log for an admin (the dashboard's Accounts section)."""
    require_admin(store, actor)
    return account_log(store, limit=limit)


_ADMIN_MARK = "admin"


def _added(name: str) -> str:
    """The account log's words for an account added (`was_admin` reads them back)."""
    return f"added account {name}"


def _made_admin(name: str) -> str:
    """The account log's words for an account made an admin (`was_admin` reads them back)."""
    return f"made {name} an admin"


def was_admin(store: PlanRepository, name: str) -> bool:
    """Whether the account log shows `name` an admin at some time (added as one, or made one):
    a page drawn for an admin may still be open after the role was taken away."""
    for entry in store.account_log(account=name):
        if entry.action == "add" and entry.what.startswith(f"{_added(name)} ({_ADMIN_MARK}"):
            return True
        # the admin part comes first in a "set" entry; a display name may hold any words
        made = _made_admin(name)
        if entry.action == "set" and (entry.what == made or entry.what.startswith(f"{made}; ")):
            return True
    return False


def list_users(store: PlanRepository) -> list[Account]:
    return store.list_accounts()


def get_user(store: PlanRepository, name: str) -> Account:
    account = store.get_account(name)
    if account is None:
        raise NotFound(f"there is no account {name!r}", Fix(FixKey.LIST_ACCOUNTS))
    return account


def set_password(
    store: PlanRepository, name: str, password: str, *, actor: str | None = None
) -> None:
    account = get_user(store, name)
    check_password(password, account.name)
    own = actor == name
    change = AccountChange(
        _who(actor),
        "own_password" if own else "password",
        f"{name} changed their own password" if own else f"set a new password for {name}",
    )
    store.update_account(name, password_hash=_hasher.hash(password), change=change)


def credential_stamp(account: Account) -> str:
    """A short fingerprint of the account's password hash (salted anew at every change): a
    session keeps the stamp of its sign-in, so a new password ends the other open sessions."""
    import hashlib

    return hashlib.sha256((account.password_hash or "").encode()).hexdigest()[:16]


WRONG_CURRENT_PASSWORD = "The current password is not right."


def change_own_password(
    store: PlanRepository, name: str, current: str, new: str, repeated: str
) -> None:
    """A signed-in person sets a new password: the current one first (so an unattended session
    cannot take the account over), then the new one twice."""
    if authenticate(store, name, current) is None:
        raise Forbidden(WRONG_CURRENT_PASSWORD)
    if new != repeated:
        raise Invalid("the two new passwords differ; type the same one twice")
    if new == current:
        raise Invalid("the new password is the current one; choose another")
    set_password(store, name, new, actor=name)


def disable(store: PlanRepository, name: str, *, actor: str | None = None) -> None:
    """The account can no longer sign in; its open dashboard sessions end at their next request,
    and stay ended when the account is enabled again. The last active admin stays
    (`refuse_last_admin`), whoever asks."""
    refuse_last_admin(store, name, "disable")
    change = AccountChange(_who(actor), "disable", f"disabled account {name}")
    store.update_account(name, active=False, change=change)
    store.end_sessions(time.time(), account=name)


SESSIONS_KEPT_HOURS = 24 * 31
"""Sessions older than this are deleted when someone signs in (a sign-in lasts at most 30 days)."""


def _digest(secret: Any) -> str | None:
    """What the store keeps of a sign-in's secret: someone who can read the database cannot
    make a cookie from it."""
    if not isinstance(secret, str) or not 0 < len(secret) <= 64:
        return None
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(store: PlanRepository, name: str, at: float | None = None) -> str | None:
    """A new dashboard sign-in of `name`: the secret the signed session cookie keeps; None
    when the account was disabled meanwhile (after its password was checked)."""
    at = time.time() if at is None else at
    secret = secrets.token_hex(32)
    digest = _digest(secret)
    assert digest is not None
    store.start_session(digest, name, at, forget_before=at - SESSIONS_KEPT_HOURS * 3600)
    if active_account(store, name) is None:  # disabled between the password check and now
        store.end_sessions(at, session_id=digest)
        return None
    return secret


def open_session(store: PlanRepository, secret: Any, name: str) -> SignInSession | None:
    """The sign-in of that secret when it is `name`'s and has not been signed out, nor ended by
    disabling the account. (Its age, from the row's time, is checked by the dashboard.)"""
    digest = _digest(secret)
    session = store.get_session(digest) if digest else None
    if session is None or session.account != name or session.ended_at is not None:
        return None
    return session


def sign_out(store: PlanRepository, secret: Any) -> None:
    """End the sign-in of that secret (its cookie, copied or not, signs in nobody any more)."""
    digest = _digest(secret)
    if digest:
        store.end_sessions(time.time(), session_id=digest)


def enable(store: PlanRepository, name: str, *, actor: str | None = None) -> None:
    get_user(store, name)
    change = AccountChange(_who(actor), "enable", f"enabled account {name}")
    store.update_account(name, active=True, change=change)


def active_account(store: PlanRepository, name: str | None) -> Account | None:
    """The account if it exists and is active, else None (checked on every dashboard request)."""
    if not name:
        return None
    account = store.get_account(name)
    return account if account is not None and account.active else None


def authenticate(store: PlanRepository, name: str, password: str) -> Account | None:
    """The account when name and password match an active account; None otherwise (the caller
    says the same for an unknown name, a wrong password and a disabled account). The name is
    matched ignoring capitals (`Olga` signs in as olga): the session is the returned account's."""
    return attempt_sign_in(store, name, password).account


@dataclass(frozen=True)
class SignInAttempt:
    """A sign-in's outcome: `account` signed in (None when refused), and `tried`, the name of
    the account the typed name matched (None for an unknown name), for a server's log: what
    someone typed as a name may be their password, typed in the wrong box."""

    account: Account | None
    tried: str | None


def attempt_sign_in(store: PlanRepository, name: str, password: str) -> SignInAttempt:
    """`authenticate`, with the name of the account it tried, looked up once."""
    dummy = _dummy_hash()
    account = _account_to_sign_in(store, (name or "").strip())
    tried = account.name if account is not None else None
    stored = account.password_hash if account is not None else None
    try:
        _hasher.verify(stored or dummy, password or "")
        matched = stored is not None
    except (VerificationError, InvalidHashError):
        matched = False
    if not matched or account is None or not account.active:
        return SignInAttempt(None, tried)
    return SignInAttempt(account, tried)


def spelled(store: PlanRepository, name: str) -> str:
    """The account's own spelling of a name typed on the command line (`Olga` for olga, matched
    as a sign-in matches it); the name as typed when no account matches, so that the refusal
    names what was typed."""
    account = _account_to_sign_in(store, (name or "").strip())
    return account.name if account is not None else name


def matching(store: PlanRepository, name: str) -> tuple[Account | None, list[str]]:
    """The account a typed name means and, when none, the accounts that differ from it only in
    capitals where there are several (a store from before such names were refused: piet and
    PIET, so Piet is neither): one read of the account and at most one of those alike. The
    account is the one of exactly that name, else the only one that differs from it in
    capitals: the rule of a sign-in (`_account_to_sign_in`)."""
    account = store.get_account(name)
    # Only a well-formed (ASCII) name is looked up ignoring capitals: Python's lower() turns
    # some other letters into ASCII ones (the Kelvin sign into k).
    if account is not None or not _NAME.match(name):
        return account, []
    found = store.find_accounts_ignoring_case(name)
    if len(found) == 1:
        return found[0], []
    return None, [a.name for a in found] if len(found) > 1 else []


def proxy_account(store: PlanRepository, name: str | None) -> Account | None:
    """The active account an authenticating proxy's header names, matched as a sign-in matches
    a typed name (`OLGA` from a company directory is olga); None when there is none."""
    account = _account_to_sign_in(store, (name or "").strip()) if name else None
    return account if account is not None and account.active else None


def _account_to_sign_in(store: PlanRepository, name: str) -> Account | None:
    """The account of exactly that name, else the only one that differs from it in capitals.
    A store from before such names were refused may hold two (piet and PIET): each signs in by
    its own spelling, and a third spelling (Piet) signs in neither (`matching`'s rule)."""
    return matching(store, name)[0]


def require_admin(store: PlanRepository, actor: str | None) -> None:
    account = active_account(store, actor)
    if account is None or not account.is_admin:
        who = f"user {actor}" if actor else "nobody"
        raise Forbidden(f"{who} may not manage accounts: that needs an admin account")


def add_user_as(
    store: PlanRepository,
    actor: str | None,
    name: str,
    password: str,
    *,
    admin: bool = False,
    display_name: str | None = None,
) -> Account:
    """An admin adds an account from the dashboard (the display name defaults to the name)."""
    require_admin(store, actor)
    shown = (display_name or "").strip() or None
    return add_user(store, name, password, admin=admin, display_name=shown, actor=actor)


def disable_as(store: PlanRepository, actor: str | None, name: str) -> None:
    """An admin disables an account (not their own: someone must stay able to sign in)."""
    require_admin(store, actor)
    if name == actor:
        raise Invalid("you cannot disable your own account; another admin can")
    disable(store, name, actor=actor)


def set_password_as(store: PlanRepository, actor: str | None, name: str, password: str) -> None:
    """An admin gives an account a new password (a forgotten one, or the demo's replaced); the
    account's open sessions end. Your own goes through the current one (`change_own_password`)."""
    require_admin(store, actor)
    if name == actor:
        raise Invalid("change your own password with Password (it asks for the current one)")
    set_password(store, name, password, actor=actor)


def refuse_last_admin(store: PlanRepository, name: str, doing: str) -> None:
    """Someone must stay able to manage accounts: the last active admin account is not
    disabled nor loses the admin role (`doing` names the change in the refusal)."""
    account = get_user(store, name)
    if not (account.is_admin and account.active):
        return
    others = [a for a in store.list_accounts() if a.is_admin and a.active and a.name != name]
    if not others:
        raise Conflict(
            f"user {name} is the last active admin account, so nobody could manage accounts "
            f"after you {doing} it; make another account admin first (`forecast user set "
            "NAME --admin`)"
        )


def set_attributes(
    store: PlanRepository,
    name: str,
    *,
    admin: bool | None = None,
    display_name: str | None = None,
    actor: str | None = None,
) -> tuple[Account, list[str]]:
    """Make an account admin or take the admin role away (`admin`), or give it a new display
    name; one row of the account log. Returns the account and what changed in words (empty
    when it was so already). The last active admin keeps the role (`refuse_last_admin`)."""
    account = get_user(store, name)
    values: dict[str, Any] = {}
    said: list[str] = []
    if admin is not None and admin != account.is_admin:
        if not admin:
            refuse_last_admin(store, name, "take the admin role from")
        values["is_admin"] = admin
        said.append(_made_admin(name) if admin else f"took the admin role from {name}")
    if display_name is not None:
        display = display_name.strip()
        if not display:
            raise Invalid("a display name needs at least one character")
        _check_display_name(display)
        if display != account.display_name:
            values["display_name"] = display
            said.append(f"display name of {name}: {account.display_name!r} -> {display!r}")
    if values:
        store.update_account(
            name, change=AccountChange(_who(actor), "set", "; ".join(said)), **values
        )
    return get_user(store, name), said


def set_attributes_as(
    store: PlanRepository,
    actor: str | None,
    name: str,
    *,
    admin: bool | None = None,
    display_name: str | None = None,
) -> tuple[Account, list[str]]:
    """An admin changes an account's admin role or display name (the dashboard)."""
    require_admin(store, actor)
    return set_attributes(store, name, admin=admin, display_name=display_name, actor=actor)


def enable_as(store: PlanRepository, actor: str | None, name: str) -> None:
    """An admin lets a disabled account sign in again (same password, same roles)."""
    require_admin(store, actor)
    enable(store, name, actor=actor)


def has_accounts(store: PlanRepository) -> bool:
    return bool(store.list_accounts())


def check_cli_user(store: PlanRepository, name: str) -> str:
    """The CLI's `--as USER`: once the store has accounts it must name an active one, matched
    as a sign-in matches it (`--as Olga` acts as olga); the account's own spelling is returned."""
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(f"a user name has at most {MAX_NAME_LENGTH} characters")
    if problem := bounds.control_problem("a user name", name, one_line=True):
        raise Invalid(problem)  # kept in the audit as the actor, and printed where it acted
    if not has_accounts(store):
        return name  # a store from before accounts: whoever opens it is trusted, as before
    account = _account_to_sign_in(store, name)
    if account is None:
        raise Invalid(
            f"there is no account {name!r} in this store", Fix(FixKey.ADD_ACCOUNT, user=name)
        )
    if not account.active:
        raise Invalid(
            f"the account {account.name!r} is disabled; `forecast user enable {account.name}` "
            "lets it in again"
        )
    return account.name


# -- throttling sign-in failures --------------------------------------------------------------

FREE_FAILURES = 5
"""Failures of one name from one address before it waits."""
ADDRESS_FREE_FAILURES = 20
"""Failures from one address, whatever the names, before it waits (more than for one name: a
shared office address has many people mistyping)."""
ADDRESS_RUN_SECONDS = 10 * 60.0
"""An address's failures count in a row only while each comes within this of the one before:
colleagues' typos spread over a day never lock the office out (the address's count is not
cleared by a success, or one's own account would reset it between guesses)."""
FIRST_DELAY_SECONDS = 30.0
MAX_DELAY_SECONDS = 15 * 60.0
_ADDRESS = "addr:"


def throttle_keys(name: str, address: str | None) -> tuple[str, str]:
    """The keys a sign-in failure counts under: this name from this address, and this address.

    Not the name alone: then anyone anywhere could lock its owner out by failing on purpose."""
    where = str(address)[:100]  # the store's key has room for a name and an address, no more
    # Lower-cased as sign-in matches names: Olga's and olga's failures are one account's.
    return f"name:{where} {name.strip().lower()}", f"{_ADDRESS}{where}"


class SignInThrottle:
    """Failures per key (a name from an address, a client address: `throttle_keys`), counted in
    the store, so that every server of one database counts alike and a restart forgets nothing.
    After `FREE_FAILURES` failures in a row (`ADDRESS_FREE_FAILURES` for an address) a key is
    refused for a delay that doubles with every further failure (30 s, 60 s, ... up to 15 min)
    from its last failure. A key whose last failure is older than `FORGET_SECONDS` starts again
    (and its row is deleted); the store keeps at most ``store.MAX_FAILURE_KEYS`` keys. A wait is
    never longer than the longest delay and the clock skew allowed between servers, whatever
    another server's clock said."""

    def __init__(
        self, store: PlanRepository | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        from forecast.store import MemoryStore

        self._store = store if store is not None else MemoryStore()
        self._clock = clock

    def wait_seconds(self, *keys: str) -> int:
        """Seconds until all of `keys` may try again (0: now)."""
        now = self._clock()
        waits = [
            min(last + _delay(count, _free(key)) - now, MAX_DELAY_SECONDS + CLOCK_SKEW_SECONDS)
            for key, (count, last) in self._store.sign_in_failures(keys).items()
            if count >= _free(key) and last >= now - _run(key)
        ]
        return max([0, *[int(w) + 1 for w in waits if w > 0]])

    def failed(self, *keys: str) -> int:
        """Count a failure of each of `keys`; the seconds of waiting it starts (0: none yet)."""
        now = self._clock()
        addresses = [k for k in keys if k.startswith(_ADDRESS)]
        ended = [  # an address's run of failures ended: this failure starts a new one
            key
            for key, (_, last) in self._store.sign_in_failures(addresses).items()
            if last < now - ADDRESS_RUN_SECONDS
        ]
        if ended:
            self._store.clear_sign_in_failures(ended)
        waits = [0.0]
        for key in keys:
            count = self._store.sign_in_failure(key, now, forget_before=now - FORGET_SECONDS)
            if count >= _free(key):
                waits.append(_delay(count, _free(key)))
        return math.ceil(max(waits))

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of `keys`: on a success, only the name's from that address (an
        address's count goes on, or one's own account would reset it between guesses)."""
        self._store.clear_sign_in_failures([k for k in keys if not k.startswith(_ADDRESS)])


def _free(key: str) -> int:
    return ADDRESS_FREE_FAILURES if key.startswith(_ADDRESS) else FREE_FAILURES


def _run(key: str) -> float:
    """How long after its last failure a key's count still holds."""
    return ADDRESS_RUN_SECONDS if key.startswith(_ADDRESS) else FORGET_SECONDS


FORGET_SECONDS = 24 * 3600.0


CLOCK_SKEW_SECONDS = 300.0
"""How far the clocks of two servers of one database may differ."""


def _delay(count: int, free: int = FREE_FAILURES) -> float:
    doublings = min(max(count - free, 0), 10)  # 30 s x 2^10 is past the cap already
    return min(FIRST_DELAY_SECONDS * 2**doublings, MAX_DELAY_SECONDS)
