"""Running PostgreSQL's client tools (pg_dump, pg_restore, psql): their environment, the temporary
service file that carries the URL's secret settings instead of argv (``_pg_tools``), what they
said (``_pg_said``), the tools' release fence, and pg_restore fed to psql in one transaction
(``_run_pg_restore``).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from forecast.services.errors import (
    Invalid,
    Unavailable,
)
from forecast.services.pg_commands import (
    _DROP_STORE_TABLES,
    _query_value,
    _server_words,
    _url_password,
    _without_secrets,
)
from forecast.services.restore_record import BUSY_SECONDS
from forecast.services.store_factory import (
    is_shown_setting,
    without_password,
)
from forecast.store import (
    CONNECT_TIMEOUT_SECONDS,
    metadata,
)

PG_RESTORE_SECONDS = 3600.0
"""How long a restore waits for pg_restore before it stops it (its one transaction rolled back,
nothing changed)."""


PG_CLIENT_PACKAGE = "postgresql-client"
"""Debian's package of pg_dump and pg_restore."""


PG_FENCED_RELEASES = "PostgreSQL 13.22, 14.19, 15.14, 16.10, 17.6 or later"
"""The releases of pg_restore and psql that fence a restore's SQL off: pg_restore writes it
between ``\\restrict KEY`` and ``\\unrestrict KEY`` (--restrict-key), and psql runs none of
its own commands in between (``\\! ...``, a shell command, hidden in an archive altered on
purpose), only SQL."""


def _refuse_unfenced_tools(program: str, psql: str, manual: str) -> None:
    """pg_restore and psql both of `PG_FENCED_RELEASES` (what their help lists: pg_restore's
    --restrict-key, psql's \\restrict), before anything changes: with an older one, psql, which
    runs the SQL pg_restore writes, would also run a command of its own hidden in the archive."""
    tools = [(program, ["--help"], "--restrict-key"), (psql, ["--help=commands"], "\\restrict")]
    for tool, words, fence in tools:
        if fence not in _said_by(tool, *words):
            version = _said_by(tool, "--version").strip()
            raise Unavailable(
                f"{version or Path(tool).name} is too old to restore safely: it does not fence "
                "off the archive's SQL, so psql would also run a command (`\\! ...`) hidden in "
                f"an archive altered on purpose; nothing was changed: update {PG_CLIENT_PACKAGE} "
                f"to {PG_FENCED_RELEASES} and restore again (by hand too: `{manual}` needs them)"
            )


def _said_by(tool: str, *words: str) -> str:
    """What a client tool prints (nothing where it cannot be run)."""
    try:
        return subprocess.run([tool, *words], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _pg_environment(url: str) -> dict[str, str]:
    """The environment of pg_restore: the URL's password in PGPASSWORD (none: PGPASSWORD or
    ~/.pgpass as they are), a connection attempt bounded by `CONNECT_TIMEOUT_SECONDS` and a
    wait for another session's lock bounded by `BUSY_SECONDS`."""
    env = dict(os.environ)
    password = _url_password(url)
    if password:
        env["PGPASSWORD"] = password
    passfile = _query_value(url, "passfile")
    if passfile:
        env["PGPASSFILE"] = passfile
    # as the store's own connections: a server that swallows packets is given up on (a
    # connect_timeout in the URL's query still wins)
    env.setdefault("PGCONNECT_TIMEOUT", str(CONNECT_TIMEOUT_SECONDS))
    bounded = f"-c lock_timeout={int(BUSY_SECONDS * 1000)}"
    env["PGOPTIONS"] = f"{env['PGOPTIONS']} {bounded}" if env.get("PGOPTIONS") else bounded
    return env


@contextlib.contextmanager
def _pg_tools(url: str) -> Iterator[tuple[str | None, dict[str, str]]]:
    """How a PostgreSQL tool this process runs is given what of `url` is no word for its command
    line (which `ps` shows every local user): the name of a connection service that holds the
    URL's query settings not known to be harmless (sslpassword=, the client key's passphrase,
    which no environment variable of libpq's takes), None where it has none, and the tool's
    environment (`_pg_environment`: the password in PGPASSWORD). The service is in a file
    (PGSERVICEFILE) only this user may read, in a folder of its own, both removed when the
    tools are done; a URL naming a service= of its own keeps its name, its settings copied from
    the user's or the system's service file after the URL's."""
    env = _pg_environment(url)
    hidden = _hidden_settings(url)
    if not hidden:
        yield None, env
        return
    # libpq takes the environment's PGSERVICE where the URL names no service: it is named
    # here too, else the tools would be given this service in its place and miss its server
    named = _query_value(url, "service") or env.get("PGSERVICE") or None
    service = named or "forecast-store"
    lines = [f"{name}={value}" for name, value in hidden.items()]
    if named:
        lines += _service_section(named, env)
    with tempfile.TemporaryDirectory(prefix="forecast-pg-") as folder:  # mode 0700
        path = Path(folder) / "pg_service.conf"
        written = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(written, "w", encoding="utf-8") as file:
            file.write("".join(f"{line}\n" for line in [f"[{service}]", *lines]))
        env["PGSERVICEFILE"] = str(path)
        yield service, env


def _hidden_settings(url: str) -> dict[str, str]:
    """The query settings of `url` that a tool is not given on its command line: those not
    known to be harmless (`is_shown_setting`), but for the password and password file (in
    PGPASSWORD and PGPASSFILE). A service file holds a value on one line, its spaces at the end
    taken off: one that cannot be written there is refused, before anything changes."""
    hidden: dict[str, str] = {}
    for name in _without_secrets(make_url(url).query):
        if is_shown_setting(name):
            continue
        value = _query_value(url, name) or ""
        unwritable = value != value.rstrip() or any(char in value for char in "\n\r\x00")
        if not re.fullmatch(r"\w+", name) or unwritable:
            raise Invalid(
                f"the URL's setting {name!r} cannot be given to PostgreSQL's tools other than on "
                "their command line, where every local user could read it (a name of letters, "
                "digits and _ only, and a value with no line break or space at its end); "
                "nothing was changed"
            )
        hidden[name] = value
    return hidden


def _service_section(service: str, env: dict[str, str]) -> list[str]:
    """The settings of the connection `service` as libpq finds them: in the user's service file
    (PGSERVICEFILE, else ~/.pg_service.conf), else in the system's (pg_service.conf in
    PGSYSCONFDIR, else PostgreSQL's configuration folder), its section begun by a line
    ``[service]`` (what follows the ``]`` not read, as libpq reads it). A service no file
    holds is refused (libpq refuses it too), before anything changes: the tools would
    otherwise reach the default server."""
    user = env.get("PGSERVICEFILE") or os.path.join(os.path.expanduser("~"), ".pg_service.conf")
    system = env.get("PGSYSCONFDIR") or _said_by("pg_config", "--sysconfdir").strip()
    files = (Path(user), Path(system or "/etc/postgresql-common") / "pg_service.conf")
    for file in files:
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        section: list[str] | None = None
        for line in (line.strip() for line in text.splitlines()):
            if line.startswith("["):
                if section is not None:
                    break
                section = [] if line[1:].startswith(f"{service}]") else None
            elif section is not None and line and not line.startswith("#"):
                section.append(line)
        if section is not None:
            return section
    raise Invalid(
        f"the connection service {service!r} the URL names (its service=, else PGSERVICE) is in "
        f"no service file PostgreSQL's tools read ({' nor '.join(map(str, files))}); nothing "
        "was changed: add it to one, or give the server in the URL"
    )


_OWN_SERVICE_FILE_ERROR = re.compile(
    r'syntax error in service file "[^"\n]*/forecast-pg-[^/"\n]*/pg_service\.conf", line (\d+)'
)
"""How libpq refuses a line of the service file `_pg_tools` wrote (gone by the time it is
said): a keyword it does not know, a setting of the URL's that a newer libpq (the store's
driver's) knows but the tools' does not."""


def _unknown_setting(found: re.Match[str], url: str) -> str:
    """libpq's refusal of line `found` of `_pg_tools`'s service file said as the URL's setting
    it holds (lines 2 on: `_hidden_settings`, in order); a line copied from the user's own
    service (after those) is said as one of that service's."""
    names = list(_hidden_settings(url))
    line = int(found.group(1))
    if 2 <= line < len(names) + 2:
        return (
            f"the URL's setting {names[line - 2]}= is not one this release of PostgreSQL's "
            "client tools knows (leave it out of the URL, or install the tools of a newer "
            "release)"
        )
    return "the settings of the URL's connection service hold one PostgreSQL's client tools cannot read"


def _pg_said(text: str, url: str) -> str:
    """What a PostgreSQL tool printed, on one line, without the URL's password: where it stands
    as a word of its own (a URL's, a quoted one), not inside another (a password "forecast"
    leaves a database forecast_x named as it is)."""
    said = _OWN_SERVICE_FILE_ERROR.sub(lambda found: _unknown_setting(found, url), text)
    said = " ".join(said.split())
    password = _url_password(url)
    if password:
        word = str(password)
        before = r"(?<!\w)" if re.match(r"\w", word[0]) else ""  # a word's edge where it has one
        after = r"(?!\w)" if re.match(r"\w", word[-1]) else ""
        said = re.sub(before + re.escape(word) + after, "***", said)
    return said or "it printed nothing"


def _run_pg_restore(
    program: str,
    psql: str,
    source: Path,
    url: str,
    entries: str,
    *,
    while_locked: Callable[[], None] = lambda: None,
) -> None:
    """The archive put back in one transaction, so that on a failure, or when it is stopped
    after `PG_RESTORE_SECONDS`, nothing was changed: psql begins it and locks the store's tables
    (EXCLUSIVE: the servers' writes wait, their reads and pg_dump's go on), runs
    `while_locked` (the copy of the store as it is: no write made after it is lost), then drops
    this version's store tables (together, so that a table this version added, which a backup
    of an earlier release lacks, no longer holds on to the plans table pg_restore --clean drops)
    and runs the SQL pg_restore writes of the archive; it commits only once pg_restore has
    written all of it. The aftercare (opening the store) adds what this version has and the
    backup lacks. A view or a table of someone else's that depends on a store table keeps the
    tables from being dropped: the restore fails, in PostgreSQL's words, rather than drop it
    too (no CASCADE)."""
    drop = _DROP_STORE_TABLES + "\n"
    with (
        _pg_tools(url) as (service, env),
        tempfile.NamedTemporaryFile("w", suffix=".list") as use_list,
        tempfile.TemporaryFile() as psql_said,
        tempfile.TemporaryFile() as restore_said,
    ):
        use_list.write(entries)
        use_list.flush()
        loader = subprocess.Popen(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", *_server_words(url, service=service)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=psql_said,
            env=env,
        )
        writer: subprocess.Popen[bytes] | None = None
        timed_out = threading.Event()

        def stop_both() -> None:
            timed_out.set()
            if writer is not None:
                writer.kill()
            loader.kill()

        stop = threading.Timer(PG_RESTORE_SECONDS, stop_both)
        stop.start()
        try:
            if not _locked(loader):
                raise Unavailable(
                    f"the store's tables in {without_password(url)} could not be locked for the "
                    f"restore; nothing was changed. psql says: "
                    f"{_pg_said(_read(psql_said), url)}"
                )
            while_locked()
            writer = subprocess.Popen(
                [
                    program,
                    f"--restrict-key={secrets.token_hex(16)}",
                    "--clean",
                    "--if-exists",
                    f"--use-list={use_list.name}",
                    "--file=-",
                    os.fspath(source),
                ],
                stdout=subprocess.PIPE,
                stderr=restore_said,
                env=env,
            )
            _feed(loader, writer, drop)
        finally:
            stop.cancel()
            _end(loader)  # without a COMMIT where it did not get that far: rolled back
        if timed_out.is_set():
            raise Unavailable(
                f"pg_restore did not finish restoring {source} within "
                f"{PG_RESTORE_SECONDS / 60:g} minutes and was stopped; nothing was changed (one "
                "transaction)"
            )
        said = [_read(restore_said), _read(psql_said)]
    assert writer is not None  # started, or an exception above
    if writer.returncode != 0 or loader.returncode != 0:
        raise Unavailable(
            f"pg_restore could not restore {source} into {without_password(url)}; nothing was "
            f"changed (one transaction). It says: {_pg_said(' '.join(said), url)}"
        )


_LOCKED = "forecast-store-locked"


def _locked(loader: subprocess.Popen[bytes]) -> bool:
    """The psql session `loader` begins the restore's transaction and locks those of this
    version's store tables that are there (as the search path finds them, as the store does);
    whether it got the locks (it waits for a server's write to end, within the lock_timeout
    of `_pg_environment`). What psql prints after that goes nowhere."""
    assert loader.stdin is not None and loader.stdout is not None
    names = ", ".join(f"'{table}'" for table in sorted(metadata.tables))
    lock = (
        "DO $$DECLARE t text; BEGIN FOREACH t IN ARRAY ARRAY[" + names + "] LOOP "
        "IF to_regclass(t) IS NOT NULL THEN "
        "EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', to_regclass(t)); "
        "END IF; END LOOP; END $$;\n"
    )
    try:
        loader.stdin.write(f"BEGIN;\n{lock}\\echo {_LOCKED}\n\\o /dev/null\n".encode())
        loader.stdin.flush()
    except BrokenPipeError:
        return False
    return loader.stdout.readline().decode(errors="replace").strip() == _LOCKED


def _end(loader: subprocess.Popen[bytes]) -> None:
    assert loader.stdin is not None
    with contextlib.suppress(BrokenPipeError, ValueError):
        loader.stdin.close()
    loader.wait()
    if loader.stdout is not None:
        loader.stdout.close()


def _feed(loader: subprocess.Popen[bytes], writer: subprocess.Popen[bytes], drop: str) -> None:
    """pg_restore's SQL into psql (whose transaction `_locked` began), after the drop of the
    store's tables, and a COMMIT written only when pg_restore finished well: psql stopped at an
    error, or pg_restore failing, ends without a commit."""
    assert loader.stdin is not None and writer.stdout is not None
    try:
        loader.stdin.write(drop.encode())
        shutil.copyfileobj(writer.stdout, loader.stdin)
        if writer.wait() == 0:
            loader.stdin.write(b"COMMIT;\n")
    except BrokenPipeError:  # psql stopped at an error: what it said tells which
        pass
    finally:
        writer.stdout.close()
        writer.wait()
        with contextlib.suppress(BrokenPipeError):
            loader.stdin.close()
        loader.wait()


def _read(file: Any) -> str:
    file.seek(0)
    return str(file.read().decode(errors="replace"))
