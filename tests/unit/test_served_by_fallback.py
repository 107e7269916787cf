"""Issue 10: constant and all-zero series, series of 3 points and series that end before the
others are served by a fallback and named in the output; on the Data page too, after a plan is
made there (series key, the model that served it, the reason as the model column says it)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from dashboard import ids
from dashboard.context import DashboardContext
from dashboard.data_parts import create, view
from forecast.services import model_names, plan_standing
from forecast.services.model_names import FallbackServed
from forecast.services.types import PlanState
from forecast.services.uploads import Upload
from tests.signin import acting_as


def weekly(key: str, y: np.ndarray, start: str = "2021-01-01") -> pd.DataFrame:
    ds = pd.date_range(start, periods=len(y), freq="W-FRI")
    return pd.DataFrame({"Store": key, "Date": ds.strftime("%Y-%m-%d"), "Sales": y})


def regular(key: str, n: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return weekly(key, 100 + 10 * np.sin(np.arange(n) / 8) + rng.normal(0, 2, n))


def fallbacks(*more: pd.DataFrame) -> pd.DataFrame:
    """A normal series beside a constant, an all-zero, a three-point and an ended one (and
    `more`): each of the four a fallback serves."""
    return pd.concat(
        [
            regular("normal"),
            weekly("constant", np.full(80, 7.0)),
            weekly("nothing", np.zeros(80)),
            weekly("three", np.array([5.0, 6.0, 7.0]), start="2022-06-03"),
            regular("closed", n=60, seed=3),
            *more,
        ]
    )


def make_on_the_data_page(ctx: DashboardContext, store, name: str, source: pd.DataFrame):
    """(state, report) of a weekly seasonal-naive plan made on the Data page by olga."""
    request = create.plan_request(name, 4, None, "snaive", ["Store"], "Date", "Sales", "W", "EUR")
    assert isinstance(request, dict)
    with acting_as(store, "olga"):
        sales = Upload(source.to_csv(index=False).encode(), "sales.csv")
        return create.make_plan(ctx, sales, None, request, lambda _: None)


def text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json())


def test_a_plan_made_on_the_data_page_names_the_series_a_fallback_served_and_why(tmp_path):
    ctx = DashboardContext(data_dir=str(tmp_path))
    store = ctx.fresh_store()
    try:
        state, report = make_on_the_data_page(ctx, store, "Fallbacks", fallbacks())
        served = {s.series: s for s in plan_standing.served_by_fallback(store, state)}
    finally:
        store.close()
    assert sorted(served) == ["closed", "constant", "nothing", "three"]  # not "normal"
    assert (served["constant"].model, served["constant"].reason) == ("naive", "constant series")
    assert (served["nothing"].model, served["nothing"].reason) == (
        "zeros",
        "the series has no sales",
    )
    assert (served["three"].model, served["three"].reason) == ("mean", "short series")
    assert served["closed"].model == "zeros"
    assert served["closed"].reason.startswith("ended: no rows after ")
    assert served["closed"].reason.endswith("20 periods before the file's end")
    said = text(report)
    assert "4 series not served by the model asked for" in said
    assert "constant: naive (constant series)" in said and "three: mean (short series)" in said
    assert "nothing: zeros (the series has no sales)" in said
    assert "closed: zeros (ended: no rows after " in said and "normal:" not in said


def test_the_reason_is_the_model_columns_note_that_says_the_model_asked_for_did_not_serve():
    labels = {
        "a": "ets",
        "b": "naive (fallback: snaive needs one season of history, 52 periods)",
        "c": "snaive (a gap of 25 periods filled from a season before)",
        "d": "mean (intermittent)",
        "e": "snaive (no rows after 2011-12-08: read as 0 up to 2011-12-09)",  # a late delivery
        "f": "zeros (ended: no rows after 2022-12-09, 8 periods before the file's end; a gap "
        "of 43 periods filled from a season before)",
        "g": "ets (fallback: arima failed: ValueError: bad (x; theta failed: y)",
        "h": "mean(ets,theta) (flags left out)",
    }
    served = model_names.served_by_fallback(labels)
    assert [(s.series, s.model, s.reason) for s in served] == [
        ("b", "naive", "fallback: snaive needs one season of history, 52 periods"),
        ("d", "mean", "intermittent"),
        ("f", "zeros", "ended: no rows after 2022-12-09, 8 periods before the file's end"),
        ("g", "ets", "fallback: arima failed: ValueError: bad (x; theta failed: y)"),
    ]


def plan_state() -> PlanState:
    state = PlanState(
        plan_id="p1", name="Plan", freq="W", horizon=13, team_attr=None, created_by="olga"
    )
    state.baseline.models_used = {"snaive": 83, "zeros": 13}
    return state


def test_the_plan_created_report_lists_the_series_served_by_a_fallback_the_first_ten_then_a_count():
    served = tuple(
        FallbackServed(f"store {n:02d}", "zeros", "the series has no sales") for n in range(13)
    )
    said = text(view.created(plan_state(), served))
    assert "13 series not served by the model asked for" in said
    assert "store 00: zeros (the series has no sales)" in said and "store 09: zeros" in said
    assert "store 10" not in said and "and 3 more" in said
    assert "`forecast plan show p1 --only other-model` lists them all" in said
    few = text(view.created(plan_state(), served[:2]))
    assert "2 series not served by the model asked for" in few and "more" not in few
    assert "not served by the model asked for" not in text(view.created(plan_state()))


def test_a_plan_made_like_another_lists_them_too():
    from dashboard.data_parts import like
    from forecast.services.plan_like import PlanLike

    made = PlanLike(plan=plan_state(), like="p0", taken={})
    served = (FallbackServed("7", "mean", "short series"),)
    said = text(like.created_like(made, "Week 30", served))
    assert "1 series not served by the model asked for" in said
    assert "7: mean (short series)" in said
    assert "not served by the model asked for" not in text(like.created_like(made, "Week 30"))


def test_the_data_page_and_plan_show_name_the_same_series_the_model_asked_for_did_not_serve(
    tmp_path,
):
    """The Data page listed constant, all-zero, 3-point and ended series as "served by a
    fallback" while `plan show --only fallback` (and the `series:` line, and --json's
    `series_on_fallback`) named only those whose model failed: two faces, two sets."""
    import re

    from typer.testing import CliRunner

    from forecast.cli import app

    young = regular("young", n=30, seed=5)  # under a season: snaive fails, naive serves
    young["Date"] = pd.date_range(end="2022-07-08", periods=30, freq="W-FRI").strftime("%Y-%m-%d")
    ctx = DashboardContext(data_dir=str(tmp_path))
    store = ctx.fresh_store()
    try:
        state, report = make_on_the_data_page(ctx, store, "Faces", fallbacks(young))
    finally:
        store.close()
    said = text(report)
    alert = next(
        part for part in report.children if getattr(part, "id", None) == ids.DATA_FALLBACKS
    )
    on_the_page = [item.children.split(":")[0] for item in alert.children[1].children]
    head = re.search(r"(\d+) series not served by the model asked for", said)

    def shown(*args: str):
        result = CliRunner().invoke(
            app, ["plan", "show", state.plan_id, *args, "--data-dir", str(tmp_path)]
        )
        assert result.exit_code == 0, result.output
        return result.stdout

    listed = json.loads(shown("--only", "other-model", "--json"))
    by_kind = {
        only: {
            row["unique_id"] for row in json.loads(shown("--only", only, "--json"))["system_plan"]
        }
        for only in ("ended", "special", "fallback")
    }

    expected = ["closed", "constant", "nothing", "three", "young"]
    assert sorted(on_the_page) == expected and head is not None and head.group(1) == "5"
    assert sorted({row["unique_id"] for row in listed["system_plan"]}) == expected
    assert listed["series_other_model"] == expected
    assert by_kind == {
        "ended": {"closed"},
        "special": {"constant", "nothing", "three"},
        "fallback": {"young"},
    }
    assert listed["series_on_fallback"] == ["young"] and list(listed["series_ended"]) == ["closed"]
    assert (
        "  series: 1 series ended (forecast as 0), 3 special cases (too short, constant, mostly "
        "or all without sales), 1 on a fallback model: "
        f"`forecast plan show {state.plan_id} --only ended`, `forecast plan show "
        f"{state.plan_id} --only special` and `forecast plan show {state.plan_id} --only "
        "fallback` list them"
    ) in shown().splitlines()
