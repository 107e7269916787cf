"""`forecast serve` (the dashboard) and `forecast demo` (the README's run command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from forecast.cli.choices import AuthModeName
from forecast.cli.common import DataDirOpt, DbOpt, ModelOpt, info
from forecast.cli.conventions import EXIT_REFUSED, fail, warn
from forecast.cli.engine_cmds import SchedulerOpt, use_scheduler
from forecast.cli.progress import progress

Host = Annotated[
    str, typer.Option(help="Address to bind; keep 127.0.0.1 unless you mean to share it.")
]
Port = Annotated[int, typer.Option(help="Port of the dashboard.")]
Threads = Annotated[
    int,
    typer.Option(
        "--threads", min=1, max=256, metavar="N", help="Requests served at once (waitress)."
    ),
]
AllowedHost = Annotated[
    list[str] | None,
    typer.Option(
        "--allowed-host",
        metavar="HOST",
        help="A host name the dashboard is reached by (repeatable); other Host headers get 400. "
        "localhost, 127.0.0.1 and the bind address are always allowed.",
    ),
]
TrustedProxies = Annotated[
    int,
    typer.Option(
        "--trusted-proxies",
        min=0,
        max=8,
        metavar="N",
        envvar="FORECAST_TRUSTED_PROXIES",
        help="How many proxies in front of the dashboard set X-Forwarded-For/-Proto/-Host "
        "(e.g. 1 behind one nginx that ends TLS). 0 believes none of these headers.",
    ),
]
CONNECTION_LIMIT = 500
"""Connections waitress keeps open at once, idle ones too (its default, 100, let 100 idle sockets
shut everyone out); well under the usual limit of 1024 open files. Many slow clients are for a
reverse proxy in front to absorb."""
IDLE_CONNECTION_SECONDS = 30
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")
LOOPBACK_ADDRESSES = ("127.0.0.1", "localhost", "::1")
SessionHours = Annotated[
    float,
    typer.Option(
        "--session-hours",
        min=0.1,
        max=720,
        metavar="HOURS",
        envvar="FORECAST_SESSION_HOURS",
        help="How long a sign-in lasts before the sign-in page asks again (default 12: a "
        "working day).",
    ),
]
AllowDemoPasswords = Annotated[
    bool,
    typer.Option(
        "--allow-demo-passwords",
        help="Serve on a shared address although accounts still have the demo's public "
        "password (a demo for colleagues on a trusted network).",
    ),
]
AuthMode = Annotated[
    AuthModeName,
    typer.Option(
        "--auth",
        help="password: people sign in with an account of the store; header: trust the user "
        "name an authenticating proxy sets (only when the port is reachable through it alone).",
    ),
]
AuthHeader = Annotated[
    str,
    typer.Option("--auth-header", help="With --auth header: the header holding the user name."),
]


def register(app: typer.Typer) -> None:
    """Add the serve and demo commands to the top-level app."""

    @app.command()
    def serve(
        host: Host = "127.0.0.1",
        port: Port = 8050,
        db: DbOpt = None,
        data_dir: DataDirOpt = None,
        threads: Threads = 8,
        allowed_host: AllowedHost = None,
        debug: Annotated[
            bool,
            typer.Option(
                help="Development only: Werkzeug's server with Dash's debug mode (reloader, "
                "dev tools, tracebacks in the browser). Never on a shared address."
            ),
        ] = False,
        auth: AuthMode = "password",
        auth_header: AuthHeader = "X-Forwarded-User",
        scheduler: SchedulerOpt = None,
        trusted_proxies: TrustedProxies = 0,
        allow_demo_passwords: AllowDemoPasswords = False,
        session_hours: SessionHours = 12.0,
    ) -> None:
        """Start the dashboard on http://HOST:PORT (waitress; everyone signs in: `forecast user`)."""
        address = use_scheduler(scheduler)
        if address:
            _check_cluster(address)
        run_dashboard(
            host=host,
            port=port,
            db=db,
            data_dir=data_dir,
            debug=debug,
            threads=threads,
            allowed_hosts=allowed_host or [],
            auth=auth,
            auth_header=auth_header,
            trusted_proxies=trusted_proxies,
            allow_demo_passwords=allow_demo_passwords,
            session_hours=session_hours,
        )

    @app.command()
    def demo(
        host: Host = "127.0.0.1",
        port: Port = 8050,
        db: DbOpt = None,
        data_dir: DataDirOpt = None,
        model: ModelOpt = "auto",
        no_serve: Annotated[
            bool, typer.Option("--no-serve", help="Only make sure the sample plans exist.")
        ] = False,
        allow_demo_passwords: AllowDemoPasswords = False,
    ) -> None:
        """Make sure the sample plans exist (created once from the bundled Rossmann data,
        weekly, teams by StoreType: a planning round in progress, and last quarter's plan held
        out, agreed and scored against its real sales), then start the dashboard. --model is
        the sample plan's; the held-out plan uses the seasonal naive."""
        plan_id, created = ensure_demo_plan(db=db, data_dir=data_dir, model=model)
        typer.echo(f"{'created' if created else 'using'} sample plan {plan_id}")
        _echo_demo_sign_in(db=db, data_dir=data_dir, plan_id=plan_id)
        if not no_serve:
            run_dashboard(
                host=host,
                port=port,
                db=db,
                data_dir=data_dir,
                debug=False,
                allow_demo_passwords=allow_demo_passwords,
            )


def _check_cluster(address: str) -> None:
    """Warn when the Dask cluster the plans are fitted on does not answer now (with a worker):
    it may come up later, so the server starts all the same."""
    from forecast.cli.fix_hints import cli_message
    from forecast.services import engine

    problem = engine.cluster_problem(address)
    if problem is not None:
        warn(
            f"{cli_message(problem)}; the dashboard starts all the same, and plans are fitted "
            "there once it answers"
        )


def _echo_demo_sign_in(*, db: str | None, data_dir: Path | str | None, plan_id: str) -> None:
    """Accounts for the sample plan's members (made once) and how to sign in as each."""
    from forecast.services import demo
    from forecast.services.errors import ServiceError
    from forecast.services.store_factory import open_store

    try:
        store = open_store(db_url=db, data_dir=data_dir)
        demo.ensure_demo_accounts(store, plan_id)
        members = demo.demo_members(store, plan_id)
    except ServiceError as exc:
        from forecast.cli.fix_hints import cli_message

        fail(cli_message(exc))
        return
    typer.echo(f"sign in with the password {demo.DEMO_PASSWORD!r} as any of:")
    for name, what in members:
        typer.echo(f"  {name:<10} {what}")
    typer.echo("(two browser windows, one private, let you be two people at once)")


def run_dashboard(
    *,
    host: str,
    port: int,
    db: str | None,
    data_dir: Path | str | None,
    debug: bool,
    threads: int = 8,
    allowed_hosts: list[str] | None = None,
    auth: str = "password",
    auth_header: str = "X-Forwarded-User",
    trusted_proxies: int = 0,
    allow_demo_passwords: bool = False,
    session_hours: float = 12.0,
) -> None:
    from dashboard import jobs
    from dashboard.app import create_app
    from forecast.services import accounts

    hosts = list(allowed_hosts or [])
    if host not in WILDCARD_ADDRESSES:
        hosts.append(host)
    elif not allowed_hosts:
        typer.echo(
            f"note: bound to {host or 'every address'}; only localhost and 127.0.0.1 are "
            "answered until you name the host the team uses with --allowed-host NAME",
            err=True,
        )
    # A store that cannot be opened, or that this user may not write (nor its cache), raises a
    # service error before anything listens (check_writes, on the one store the app keeps
    # open); the root group gives its exit code.
    app = create_app(
        db_url=db,
        data_dir=None if data_dir is None else str(data_dir),
        allowed_hosts=hosts,
        auth_mode=auth,
        auth_header=auth_header,
        trusted_proxies=trusted_proxies,
        session_hours=session_hours,
        check_writes=True,
    )
    # Plans are made in processes forked from a fork server, never from the threaded server
    # (dashboard/jobs.py): started now, it has its imports done before the first plan.
    jobs.start_fork_server()
    store = app.server.config["FORECAST_DASHBOARD_CTX"].store
    if host not in LOOPBACK_ADDRESSES and auth == "password":
        _refuse_public_demo_passwords(store, host, allow=allow_demo_passwords)
    if not accounts.has_accounts(store):
        typer.echo(
            "note: the store has no accounts, so nobody can sign in yet; add one with "
            "`forecast user add NAME --admin`",
            err=True,
        )
    if auth == "header":
        typer.echo(
            f"signing in through the proxy header {auth_header}: make sure this port is "
            "reachable only through that proxy",
            err=True,
        )
    shown = "localhost" if host in WILDCARD_ADDRESSES else host
    listening = f"dashboard on http://{shown}:{port}  (Ctrl+C stops it)"
    if debug:
        _probe_port(host, port)  # Werkzeug's own refusal exits without our message
        typer.echo(listening)
        app.run(host=host, port=port, debug=True)
        return
    import waitress

    # waitress's warnings (a queue of requests) and the dashboard's own lines (sign-ins,
    # unexpected errors with their id) reach stderr, each with its time, level and source
    configure_logging(app.server.logger.name)
    try:
        server = waitress.create_server(
            app.server,
            host=host,
            port=port,
            threads=threads,
            ident="forecast",
            # waitress buffers a request before Flask sees it: refuse a larger one right there.
            max_request_body_size=app.server.config["MAX_CONTENT_LENGTH"],
            # waitress strips X-Forwarded-* unless told otherwise; with --trusted-proxies they
            # must reach the app, whose ProxyFix believes the last N proxies' entries only.
            clear_untrusted_proxy_headers=not trusted_proxies,
            connection_limit=CONNECTION_LIMIT,
            # Closes connections idle this long while waiting for the client; never one whose
            # request the app is still answering (waitress reaps only channels without one).
            channel_timeout=IDLE_CONNECTION_SECONDS,
        )
    except OSError as exc:
        _refuse_port(host, port, exc)
    typer.echo(listening)  # only once the port is ours
    _serve_until_stopped(server.run, jobs.stop_jobs)


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"  # ISO 8601, with the offset from UTC


def configure_logging(app_logger: str) -> None:
    """The server's log on stderr: a line per event with an ISO time, the level and the logger;
    the dashboard's own logger at INFO (sign-ins and sign-outs), the libraries' at WARNING."""
    import logging

    from flask.logging import default_handler

    logging.basicConfig(format=LOG_FORMAT, datefmt=LOG_TIME_FORMAT)
    logger = logging.getLogger(app_logger)
    # Flask gave its logger a handler of its own when the app first logged (no root handler was
    # there yet): with it, every line would reach stderr twice, once without the format above
    logger.removeHandler(default_handler)
    logger.setLevel(logging.INFO)


def _serve_until_stopped(run: Any, stop_jobs: Any) -> None:
    """Serve; on Ctrl+C or a SIGTERM (a service manager, `kill`) the plans being made stop with
    the server instead of running on without it."""
    import signal

    def stopped(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stopped)
    try:
        run()
    finally:
        stop_jobs()


def _probe_port(host: str, port: int) -> None:
    """Refuse a port another program listens on before a server that would exit on it starts."""
    import socket

    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind
            probe.bind(address)
    except OSError as exc:
        _refuse_port(host, port, exc)


def _refuse_port(host: str, port: int, exc: OSError) -> NoReturn:
    import errno

    where = f"port {port} on {host or 'every address'}"
    if exc.errno == errno.EADDRINUSE:
        fail(
            f"{where} is in use (another dashboard?); choose another with --port",
            error="port_in_use",
        )
    if exc.errno == errno.EACCES:
        fail(
            f"{where} needs administrator rights to listen on; choose a port above 1023 with "
            "--port",
            error="port_refused",
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        fail(
            f"{host} is not an address of this machine; choose one with --host (127.0.0.1 for "
            "this machine only, 0.0.0.0 for every address)",
            error="bad_host",
        )
    fail(
        f"could not listen on {where}: {exc.strerror or exc}; choose another with --port or --host",
        error="cannot_listen",
    )


def ensure_demo_plan(
    *, db: str | None, data_dir: Path | str | None, model: str = "auto", story: bool = True
) -> tuple[str, bool]:
    """The id of the sample plan in the store, creating it (members, and with `story` a
    planning round in progress) if missing. With `story`, the held-out sample plan (agreed, with
    the real sales of its quarter as actuals) is made first when missing, so the Actuals and
    Accuracy pages have a plan to score and the sample plan stays the newest (the one the
    dashboard opens on)."""
    from forecast.services import demo, demo_heldout
    from forecast.services.store_factory import open_store

    store = open_store(db_url=db, data_dir=data_dir)
    existing = demo.find_sample_plan(store)
    if story and demo_heldout.find_heldout_plan(store) is None:
        info(
            f"creating {demo_heldout.HELDOUT_PLAN_NAME!r} (once): the sample without its last "
            f"{demo_heldout.HELDOUT_WEEKS} weeks, agreed, scored against their real sales..."
        )
        with progress("held-out plan") as report:
            heldout, made = demo.made_or_found(
                store,
                demo_heldout.find_heldout_plan,
                lambda: demo_heldout.create_heldout_plan(store, progress=report),
            )
        typer.echo(f"{'created' if made else 'using'} held-out sample plan {heldout}")
        if existing is None:
            # Creation times are stored to the second and the dashboard opens the newest plan:
            # the sample plan must not be made within the held-out plan's second.
            import time

            time.sleep(1.01 - time.time() % 1.0)
    if existing is not None:
        return existing, False
    info("creating the sample plan from the bundled Rossmann data (once)...")
    with progress("sample plan") as report:
        plan_id, made = demo.made_or_found(
            store,
            demo.find_sample_plan,
            lambda: demo.create_sample_plan(store, model=model, progress=report),
        )
        if story and made:
            report(1.0, "a planning round in progress: events, a goal, two claims")
            demo.seed_story(store, plan_id)
    return plan_id, made


def _refuse_public_demo_passwords(store: Any, host: str, *, allow: bool) -> None:
    """On an address others reach, accounts that still have the demo's password (printed in
    the README) would let anyone sign in as them: refused, unless the flag says it is meant."""
    from forecast.services import demo

    exposed = demo.accounts_with_demo_password(store)
    if not exposed:
        return
    names = ", ".join(exposed)
    if allow:
        typer.echo(
            f"note: {names} still sign in with the demo's public password; anyone who reaches "
            f"{host or 'this machine'} can sign in as them",
            err=True,
        )
        return
    fail(
        f"accounts {names} still sign in with the demo's public password "
        f"{demo.DEMO_PASSWORD!r}, and --host {host or 'every address'} lets others reach the "
        "dashboard, so anyone could sign in as them. Give each a password of its own "
        "(`forecast user passwd NAME`), disable them (`forecast user disable NAME`), serve on "
        "127.0.0.1, or pass --allow-demo-passwords for a demo on a trusted network",
        code=EXIT_REFUSED,
        error="demo_passwords",
    )
