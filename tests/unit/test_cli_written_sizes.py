"""What `forecast plan event export` and `forecast plan export` say they wrote: the byte count
grouped in thousands, as every count the CLI prints (``format_count``)."""

from __future__ import annotations

from typer.testing import CliRunner

from forecast.cli import app
from forecast.overrides import Scope
from forecast.services import system
from forecast.services.store_factory import open_store
from tests.unit.test_services_system import new_plan

REASON = "the supplier's allocation letter of the week before, " * 10


def _plan_with_long_reasons(data_dir) -> str:
    store = open_store(data_dir=data_dir)
    plan_id = new_plan(store)
    for name in ("Flyer", "Fair", "Limit"):
        system.add_event(
            store, plan_id, "ann", name=name, kind="promotion", scope=Scope(),
            start="2024-10-14", end="2024-10-20", effect="percent", value=10, reason=REASON,
        )  # fmt: skip
    store.close()
    return plan_id


def test_the_event_export_says_its_size_grouped_in_thousands(tmp_path):
    plan_id = _plan_with_long_reasons(tmp_path / "data")
    out = tmp_path / "events.csv"
    written = CliRunner().invoke(
        app,
        ["plan", "event", "export", plan_id, "-o", str(out), "--data-dir", str(tmp_path / "data")],
    )
    assert written.exit_code == 0, written.output
    size = out.stat().st_size
    assert size >= 1000
    assert f"wrote {out} (3 event(s), {size:,} bytes)" in written.stdout


def test_the_plan_export_says_its_size_grouped_in_thousands(tmp_path):
    plan_id = _plan_with_long_reasons(tmp_path / "data")
    out = tmp_path / "plan.xlsx"
    written = CliRunner().invoke(
        app, ["plan", "export", plan_id, "-o", str(out), "--data-dir", str(tmp_path / "data")]
    )
    assert written.exit_code == 0, written.output
    size = out.stat().st_size
    assert size >= 1000
    assert f"wrote {out} (xlsx, {size:,} bytes)" in written.stdout
