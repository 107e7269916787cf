"""`forecast serve` (the dashboard) and `forecast demo` (the README's run command)."""

from __future__ import annotations

from typing import Annotated

import typer

from forecast.cli.common import fail
from forecast.cli.engine_cmds import SchedulerOpt, use_scheduler

Host = Annotated[
    str, typer.Option(help="Address to bind; keep 127.0.0.1 unless you mean to share it.")
]
Port = Annotated[int, typer.Option(help="Port of the dashboard.")]
Db = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: SQLite in the data dir).")
]
DataDir = Annotated[
    str | None,
    typer.Option(
        "--data-dir", help="Data directory (default: $FORECAST_DATA_DIR or the per-user one)."
    ),
]
Threads = Annotated[
    int, typer.Option("--threads", min=1, max=256, help="Requests served at once (waitress).")
]
AllowedHost = Annotated[
    list[str] | None,
    typer.Option(
        "--allowed-host",
        help="A host name the dashboard is reached by (repeatable); other Host headers get 400. "
        "localhost, 127.0.0.1 and the bind address are always allowed.",
    ),
]
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")


def register(app: typer.Typer) -> None:
    """Add the serve and demo commands to the top-level app."""

    @app.command()
    def serve(
        host: Host = "127.0.0.1",
        port: Port = 8050,
        db: Db = None,
        data_dir: DataDir = None,
        threads: Threads = 8,
        allowed_host: AllowedHost = None,
        debug: Annotated[
            bool,
            typer.Option(
                help="Development only: Werkzeug's server with Dash's debug mode (reloader, "
                "dev tools, tracebacks in the browser). Never on a shared address."
            ),
        ] = False,
        scheduler: SchedulerOpt = None,
    ) -> None:
        """Start the dashboard on http://HOST:PORT (waitress, a production WSGI server)."""
        use_scheduler(scheduler)
        run_dashboard(
            host=host,
            port=port,
            db=db,
            data_dir=data_dir,
            debug=debug,
            threads=threads,
            allowed_hosts=allowed_host or [],
        )

    @app.command()
    def demo(
        host: Host = "127.0.0.1",
        port: Port = 8050,
        db: Db = None,
        data_dir: DataDir = None,
        model: Annotated[str, typer.Option(help="Baseline model of the sample plan.")] = "auto",
        no_serve: Annotated[
            bool, typer.Option("--no-serve", help="Only make sure the sample plan exists.")
        ] = False,
    ) -> None:
        """Make sure the sample plan exists (created once from the bundled Rossmann data,
        weekly, teams by StoreType), then start the dashboard."""
        plan_id, created = ensure_demo_plan(db=db, data_dir=data_dir, model=model)
        typer.echo(f"{'created' if created else 'using'} sample plan {plan_id}")
        if not no_serve:
            run_dashboard(host=host, port=port, db=db, data_dir=data_dir, debug=False)


def run_dashboard(
    *,
    host: str,
    port: int,
    db: str | None,
    data_dir: str | None,
    debug: bool,
    threads: int = 8,
    allowed_hosts: list[str] | None = None,
) -> None:
    from dashboard.app import create_app
    from forecast.services.errors import ServiceError

    hosts = list(allowed_hosts or [])
    if host not in WILDCARD_ADDRESSES:
        hosts.append(host)
    elif not allowed_hosts:
        typer.echo(
            f"note: bound to {host or 'every address'}; only localhost and 127.0.0.1 are "
            "answered until you name the host the team uses with --allowed-host NAME",
            err=True,
        )
    try:
        app = create_app(db_url=db, data_dir=data_dir, allowed_hosts=hosts)
    except ServiceError as exc:
        fail(str(exc))
    shown = "localhost" if host in WILDCARD_ADDRESSES else host
    typer.echo(f"dashboard on http://{shown}:{port}  (Ctrl+C stops it)")
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    import waitress

    waitress.serve(
        app.server,
        host=host,
        port=port,
        threads=threads,
        ident="forecast",
        # waitress buffers a request before Flask sees it: refuse a larger one right there.
        max_request_body_size=app.server.config["MAX_CONTENT_LENGTH"],
    )


def ensure_demo_plan(
    *, db: str | None, data_dir: str | None, model: str = "auto", story: bool = True
) -> tuple[str, bool]:
    """The id of the sample plan in the store, creating it (members, and with `story` a
    planning round in progress) if missing."""
    from forecast.services import demo
    from forecast.services.errors import ServiceError
    from forecast.services.store_factory import open_store

    try:
        store = open_store(db_url=db, data_dir=data_dir)
        existing = demo.find_sample_plan(store)
        if existing is not None:
            return existing, False
        typer.echo("creating the sample plan from the bundled Rossmann data (once)...", err=True)
        plan_id = demo.create_sample_plan(
            store,
            model=model,
            progress=lambda fraction, message: typer.echo(f"  {fraction:4.0%} {message}", err=True),
        )
        if story:
            demo.seed_story(store, plan_id)
        return plan_id, True
    except ServiceError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits
