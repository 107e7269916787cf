"""Actuals read in the wrong scale are refused, never kept: a ';' file with '.' between
thousands (44.537 for 44537) at the reader, and at the actuals service any upload a hundredfold
off the plan's own forecast and history; honest uploads (partial, zero weeks) are kept."""

from __future__ import annotations

import pandas as pd
import pytest
from test_services_negotiation import team_frames

from dashboard.fix_hints import PAGE_FIXES
from dashboard.pages import actuals as actuals_page
from forecast.cli.fix_hints import CLI_FIXES
from forecast.engine.ingest import IngestError, read_sales
from forecast.services import actuals, plan_create, plan_frames
from forecast.services.errors import FixKey, Invalid
from forecast.services.plan_file import InvalidFile
from forecast.store import MemoryStore
from tests.signin import acting_as

DOTTED = ["44.537", "532", "45.120", "12.345", "999", "41.999"]


def dotted_file(values: list[str] = DOTTED) -> bytes:
    rows = "".join(f"A;2024-01-{d:02d};{v}\n" for d, v in enumerate(values, start=1))
    return ("unique_id;ds;y\n" + rows).encode()


def test_a_semicolon_file_with_dots_between_thousands_is_refused_with_both_readings_and_the_fix():
    with pytest.raises(IngestError) as refused:
        read_sales(dotted_file(), filename="act.csv")

    first = refused.value.problems[0]
    assert (first.file, first.row, first.column, first.value) == ("act.csv", 2, "y", "44.537")
    assert "44.537 = 44537" in first.message and "decimal point (44.537)" in first.message
    assert "--decimal ," in first.fix_in(CLI_FIXES) and "Decimal mark" in first.fix_in(PAGE_FIXES)
    assert [p.row for p in refused.value.problems] == [2, 4, 5, 7]  # only the dotted cells


def test_naming_the_decimal_mark_reads_the_dotted_file_either_way():
    thousands = read_sales(dotted_file(), filename="act.csv", decimal=",").history
    points = read_sales(dotted_file(), filename="act.csv", decimal=".").history

    assert thousands["y"].tolist() == [44537, 532, 45120, 12345, 999, 41999]
    assert points["y"].tolist() == [44.537, 532, 45.12, 12.345, 999, 41.999]


@pytest.mark.parametrize("other", ["0.375", "12.5", "1234.567", "44.53"])
def test_a_dot_written_otherwise_anywhere_in_the_column_makes_it_a_decimal_point(other):
    history = read_sales(dotted_file([*DOTTED, other]), filename="act.csv").history

    assert history["y"].iloc[0] == pytest.approx(44.537)


def test_an_unknown_decimal_mark_is_refused_with_the_two_that_work():
    with pytest.raises(IngestError) as refused:
        read_sales(dotted_file(), filename="act.csv", decimal=";")

    assert "unknown decimal mark" in str(refused.value) and "use '.'" in str(refused.value)


# -- the actuals service --------------------------------------------------------------------


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def make_plan(store: MemoryStore, scale: float = 1) -> str:
    """Weekly sales of about 100 (times `scale`) per series; the forecast (seasonal naive) is on
    that scale."""
    history, _, _ = team_frames()
    history["y"] = (history["y"] * scale).round(2)
    state = plan_create.create_plan(
        store,
        name=f"scaled {scale}",
        source=history.to_csv(index=False).encode(),
        filename="sales.csv",
        horizon=4,
        team_attr=None,
        actor="olga",
        model="snaive",
    )
    return state.plan_id


@pytest.fixture
def plan(store: MemoryStore) -> str:
    return make_plan(store)


def forecast_times(store: MemoryStore, plan: str, factor: float) -> pd.DataFrame:
    baseline = plan_frames.load_blob_frame(store, plan, "baseline")
    out = baseline[["unique_id", "ds"]].copy()
    out["y"] = baseline["baseline"] * factor
    return out


def as_csv(frame: pd.DataFrame, sep: str = ",", decimals: int = 6) -> bytes:
    text = frame.assign(ds=frame["ds"].dt.strftime("%Y-%m-%d"))
    return text.to_csv(index=False, sep=sep, float_format=f"%.{decimals}f").encode()


def dotted_actuals(store: MemoryStore) -> tuple[str, pd.DataFrame, str]:
    """A plan selling 50,000 to 150,000 a week, its actuals, and those actuals as a ';' file
    whose spreadsheet groups thousands with '.' (45,120 as 45.120), as the reviewers' file had
    them."""
    plan = make_plan(store, 1000)
    big = forecast_times(store, plan, 1.02).assign(y=lambda f: f["y"].round())
    dotted = big.assign(
        ds=big["ds"].dt.strftime("%Y-%m-%d"),
        y=[f"{int(v) // 1000}.{int(v) % 1000:03d}" for v in big["y"]],
    ).to_csv(index=False, sep=";")
    return plan, big, dotted


def test_dotted_thousands_actuals_are_refused_by_the_reader_and_kept_right_with_the_mark(store):
    plan, big, dotted = dotted_actuals(store)

    with pytest.raises(InvalidFile) as refused:
        actuals.upload_actuals(store, plan, dotted.encode(), filename="act.csv", actor="olga")
    assert refused.value.problems[0].column == "y"
    assert store.actuals_versions(plan) == []

    kept = actuals.upload_actuals(
        store, plan, dotted.encode(), filename="act.csv", actor="olga", decimal=","
    )
    _, frame = actuals.load_actuals(store, plan)
    assert kept.total == len(big) and frame["y"].sum() == pytest.approx(big["y"].sum())


def test_dotted_thousands_read_as_decimal_points_are_refused_for_their_scale(store):
    plan, big, dotted = dotted_actuals(store)

    with pytest.raises(Invalid) as refused:  # the reader was told '.' is a decimal point
        actuals.upload_actuals(
            store, plan, dotted.encode(), filename="act.csv", actor="olga", decimal="."
        )

    assert "these actuals are about 0.1 % of the plan's forecast" in str(refused.value)
    assert store.actuals_versions(plan) == []


@pytest.mark.parametrize("factor", [1 / 1000, 1 / 150, 150, 1000])
def test_actuals_a_hundredfold_off_the_forecast_and_history_are_refused_and_nothing_is_kept(
    store, plan, factor
):
    with pytest.raises(Invalid) as refused:
        actuals.upload_actuals(
            store, plan, as_csv(forecast_times(store, plan, factor)), filename="a.csv", actor="olga"
        )

    said = str(refused.value)
    assert "the plan's forecast for the same series and periods" in said
    assert "usual sales in the plan's history" in said and "nothing was kept" in said
    assert refused.value.fix is not None and refused.value.fix.key == FixKey.ACTUALS_SCALE
    assert store.actuals_versions(plan) == []


def test_the_refusal_says_how_far_off_the_actuals_are(store, plan):
    with pytest.raises(Invalid) as refused:
        actuals.upload_actuals(
            store, plan, as_csv(forecast_times(store, plan, 0.001)), filename="a.csv", actor="olga"
        )

    assert "these actuals are about 0.1 % of the plan's forecast" in str(refused.value)


@pytest.mark.parametrize("factor", [1 / 60, 0.5, 1, 2, 60])
def test_actuals_within_a_factor_of_a_hundred_are_kept(store, plan, factor):
    upload = actuals.upload_actuals(
        store, plan, as_csv(forecast_times(store, plan, factor)), filename="a.csv", actor="olga"
    )

    assert upload.version.version == 1 and upload.new == len(forecast_times(store, plan, 1))


def test_a_partial_upload_with_zero_weeks_is_kept(store, plan):
    part = forecast_times(store, plan, 1.1)
    part = part[part["ds"] == part["ds"].min()].reset_index(drop=True)
    part.loc[: len(part) // 2, "y"] = 0.0  # shops shut that week: most sold nothing

    upload = actuals.upload_actuals(store, plan, as_csv(part), filename="a.csv", actor="olga")

    assert upload.new == len(part)


def test_confirmed_actuals_are_kept_whatever_their_scale(store, plan):
    upload = actuals.upload_actuals(
        store,
        plan,
        as_csv(forecast_times(store, plan, 0.001)),
        filename="a.csv",
        actor="olga",
        confirm_scale=True,
    )

    assert upload.version.version == 1


def test_the_actuals_page_shows_the_scale_refusal_and_keeps_with_the_pages_choices(store, plan):
    small = as_csv(forecast_times(store, plan, 0.001))
    session = {"plan_id": plan}
    ctx = type("Ctx", (), {"store": store})()

    with acting_as(store, "olga"):
        refused = actuals_page.keep_and_score(ctx, plan, session, small, "a.csv")
        alert = str(refused[-1])
        assert "these actuals are about 0.1 %" in alert
        assert "tick 'The numbers are right'" in alert
        assert store.actuals_versions(plan) == []

        decimal, confirmed = actuals_page.reading("", True)
        kept = actuals_page.keep_and_score(ctx, plan, session, small, "a.csv", decimal, confirmed)
    assert "Kept as actuals version 1" in str(kept[-1])


def test_the_pages_reading_choices_accept_only_what_they_offer():
    assert actuals_page.reading(",", False) == (",", False)
    assert actuals_page.reading(".", True) == (".", True)
    assert actuals_page.reading("../x", "confirm") == (None, False)


def test_one_actual_typed_with_two_digits_too_many_is_kept_and_named_in_a_note(store, plan):
    right = forecast_times(store, plan, 1.03)
    typo = right.copy()
    # a cell forecast above its series' usual sale (the check asks for 100 times both; which
    # cells those are depends on the seasonal naive's copy)
    at = right["y"].idxmax()
    typo.loc[at, "y"] = typo.loc[at, "y"] * 100  # 112.3 typed as 11230
    named = typo.loc[at]

    upload = actuals.upload_actuals(store, plan, as_csv(typo), filename="a.csv", actor="olga")

    assert upload.version.version == 1  # the rest of the file is in scale: kept
    [note] = [n for n in upload.notes if "typed with digits too many" in n]
    assert note.startswith("1 actual(s) are 100 times or more")
    assert f"{named['unique_id']} on {named['ds']:%Y-%m-%d}" in note
    assert "upload a file with the right figure" in note
    clean = actuals.upload_actuals(store, plan, as_csv(right), filename="b.csv", actor="olga")
    assert not any("digits too many" in n for n in clean.notes)


def test_the_actuals_page_names_the_far_off_actual(store, plan):
    typo = forecast_times(store, plan, 1.0)
    typo.loc[2, "y"] = typo.loc[2, "y"] * 1000
    ctx = type("Ctx", (), {"store": store})()

    with acting_as(store, "olga"):
        kept = actuals_page.keep_and_score(ctx, plan, {"plan_id": plan}, as_csv(typo), "a.csv")

    shown = str(kept[-1])
    assert "Kept as actuals version 1" in shown and "digits too many" in shown
