"""Kept actuals versions: `forecast plan actuals-versions` lists them, `forecast plan
actuals-restore` goes back to one (uploading is `forecast plan actuals`)."""

from __future__ import annotations

from typing import Annotated

import typer

from forecast.cli.common import (
    AsOpt,
    DataDirOpt,
    DbOpt,
    JsonOpt,
    PlanArg,
    acting_user,
    echo_json,
    open_plan_store,
)
from forecast.cli.plan_app import plan_app


@plan_app.command("actuals-versions")
def actuals_versions_cmd(
    plan: PlanArg, db: DbOpt = None, data_dir: DataDirOpt = None, as_json: JsonOpt = False
) -> None:
    """List a plan's kept actuals versions, oldest first (the last is in force)."""
    from forecast.services import actuals

    store = open_plan_store(db, data_dir, existing=True)
    versions = actuals.actuals_versions(store, plan)
    if as_json:
        echo_json(
            [
                {
                    "version": v.version,
                    "at": v.at,
                    "uploaded_by": v.uploaded_by,
                    "filename": v.filename,
                    "series_periods": v.rows,
                    "periods": (v.summary or {}).get("periods", []),
                    "audit_id": v.audit_id,
                }
                for v in versions
            ]
        )
        return
    if not versions:
        typer.echo(f"plan {plan} keeps no actuals yet: `forecast plan actuals {plan} FILE`")
        # The command line works on the store directly: whoever opens it sees every plan.
        found = actuals.earlier_version_with_actuals(store, plan, None, admin=True)
        if found is not None and found.seen:
            typer.echo(
                f"its earlier version {found.plan_id} ({found.status}) keeps the actuals "
                f"uploaded so far: `forecast plan actuals-versions {found.plan_id}`"
            )
        return
    from forecast.services.money import format_count

    typer.echo(f"{'version':>7}  {'at':<25} {'by':<12} {'series-periods':>14}  file")
    for v in versions:
        mark = "  (in force)" if v is versions[-1] else ""
        typer.echo(
            f"{v.version:>7}  {v.at:<25} {v.uploaded_by:<12} {format_count(v.rows):>14}  "
            f"{v.filename}{mark}"
        )


@plan_app.command("actuals-restore")
def actuals_restore_cmd(
    plan: PlanArg,
    version: Annotated[int, typer.Argument(help="The actuals version to go back to.")],
    as_user: AsOpt = None,
    db: DbOpt = None,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Go back to an earlier actuals version (owner or planner), say after a wrong file: its
    actuals become the next version, with an audit row; nothing kept is erased."""
    from forecast.services import actuals

    restored = actuals.restore_actuals(
        open_plan_store(db, data_dir, existing=True),
        plan,
        version,
        actor=acting_user(as_user, db, data_dir),
    )
    if as_json:
        echo_json(restored.to_dict())
        return
    typer.echo(restored.message())
    for note in restored.notes:
        typer.echo(f"  note: {note}")
