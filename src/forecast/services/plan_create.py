"""Create a plan: from a sales file (`create_plan`) or from frames (`create_plan_from_frames`),
computing the baseline with progress, and what the plan keeps of its file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from forecast import bounds, schema
from forecast.bounds import horizon_problem
from forecast.plan import DRAFT, BaselineInfo, DatasetInfo, PlanState, utc_now
from forecast.services import accuracy_grid, plan_totals
from forecast.services.errors import Fix, FixKey, Invalid
from forecast.services.plan_checks import check_model, check_plan_name, threshold_problem
from forecast.services.plan_file import read_file
from forecast.services.plan_frames import ATTRIBUTES, BASELINE, HISTORY
from forecast.services.plan_versions import (
    NAME_TAKEN,
    NAME_TAKEN_FIXED,
    add_under_name,
    new_plan_id,
    refuse_taken_name,
)
from forecast.services.plans import teams_of, teams_text
from forecast.store import Change, PlanRepository, frame_to_bytes

Progress = Callable[[float, str], None]


class Likeness(Protocol):
    """What a plan made like another takes from it (`plan_like`): the attribute columns its file
    lacks, then, once the new plan is computed, the other plan's members and events."""

    def attributes(self, history: pd.DataFrame, attributes: pd.DataFrame | None) -> pd.DataFrame:
        """The new file's attributes with the other plan's columns it has none of."""
        ...

    def carry(
        self, state: PlanState, attributes: pd.DataFrame, baseline: pd.DataFrame
    ) -> tuple[str, dict[str, Any]]:
        """Put the other plan's members and events on the new plan (in place): the creation's
        audit row's words and record of what was carried."""
        ...


def history_hash(history: pd.DataFrame) -> str:
    """Content hash of the history's ids, dates and values (independent of Parquet encoding)."""
    core = history[[schema.UNIQUE_ID, schema.DS, schema.Y]]
    hashed = pd.util.hash_pandas_object(core, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(fraction, message)


def create_plan(
    store: PlanRepository,
    *,
    name: str,
    source: str | Path | bytes,
    horizon: int,
    team_attr: str | None,
    actor: str,
    filename: str | None = None,
    attributes_file: str | Path | bytes | None = None,
    attributes_filename: str | None = None,
    freq: str | None = None,
    id_cols: Sequence[str] | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
    model: str = "auto",
    levels: Sequence[int] = schema.DEFAULT_LEVELS,
    threshold: float = 0.20,
    currency: str | None = "EUR",
    jobs: int = 1,
    progress: Progress | None = None,
    week_dates: str = "start",
    decimal: str | None = None,
    like: Likeness | None = None,
) -> PlanState:
    """Ingest a sales file, compute the baseline, and store a new draft plan (one transaction).
    `like`: what the plan takes from another (`plan_like.create_plan_like`).
    ``week_dates="end"``: a weekly file dates each week by its last day (see ``read_sales``);
    the plan keeps that, so its actuals are read the same way.

    Ingest problems are raised as ``Invalid`` listing every problem; nothing is stored then."""
    _check_plan_inputs(name, horizon, threshold)
    refuse_taken_name(store, name, actor, doing=NAME_TAKEN, fix=NAME_TAKEN_FIXED)  # first
    _currency(currency)  # refuse a bad code before reading the file
    check_model(model)
    if filename is not None:  # a browser's file name: its base name, at most ~200 characters
        filename = bounds.base_filename(filename)
    _report(progress, 0.0, "reading the sales file")
    result = read_file(
        source,
        filename=filename,
        id_cols=id_cols,
        date_col=date_col,
        value_col=value_col,
        freq=freq,
        attributes_file=attributes_file,
        attributes_filename=attributes_filename,
        week_dates=week_dates,
        decimal=decimal,
    )
    if filename is None and not isinstance(source, bytes):
        filename = Path(source).name
    mapping = getattr(result, "mapping", None)
    report = getattr(result, "report", None)
    return create_plan_from_frames(
        store,
        name=name,
        history=result.history,
        attributes=result.attributes,
        freq=result.freq,
        horizon=horizon,
        team_attr=team_attr,
        actor=actor,
        flags=list(result.flags),
        filename=filename,
        mapping=_jsonable(mapping) | _daily_history_facts(report) | _summed_rows_fact(report),
        notes=[str(n) for n in (getattr(report, "notes", None) or [])],
        model=model,
        levels=levels,
        threshold=threshold,
        currency=currency,
        jobs=jobs,
        progress=progress,
        like=like,
        _progress_start=READ_SHARE,
    )


def shut_weekdays(state: PlanState) -> tuple[int, ...]:
    """The weekdays (Monday 0) the plan's daily history never had (`_daily_history_facts`), as
    whole numbers 0..6 only: a plan document may come from an imported bundle, and a value of
    another kind there is no weekday."""
    kept = (state.dataset.mapping or {}).get("weekdays_never") or ()
    if not isinstance(kept, list | tuple):
        return ()
    return tuple(
        sorted(
            {day for day in kept if isinstance(day, int) and not isinstance(day, bool)}
            & set(range(7))
        )
    )


def _daily_history_facts(report: Any) -> dict[str, Any]:
    """What the plan keeps of its daily history for reading its actuals: the weekdays it never
    has (Monday 0: shops shut on Sundays), so a week of actuals without them is whole, and that
    its days were all there (`dense_days`), so a day an actuals file skips is missing."""
    out: dict[str, Any] = {}
    never = list(getattr(report, "weekdays_never", None) or [])
    if never:
        out["weekdays_never"] = never
    if str(getattr(report, "native_freq", "") or "").startswith("D") and getattr(
        report, "dates_regular", False
    ):
        out["dense_days"] = True
    return out


SAME_DATE_ROWS_SUMMED = "same_date_rows_summed"
"""The plan's mapping key saying that its history file had several rows of a series on one date
(order lines), summed: its actuals in the same layout are summed as well (`read_actuals`)."""


def _summed_rows_fact(report: Any) -> dict[str, Any]:
    """Whether the history summed rows sharing a series and date, for reading its actuals."""
    return {SAME_DATE_ROWS_SUMMED: True} if getattr(report, "same_date_summed", 0) else {}


def _jsonable(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(obj).items()}
    if isinstance(obj, dict):
        return dict(obj)
    return {"value": str(obj)}


def _currency(code: str | None) -> str | None:
    from forecast.money import MoneyError, check_plan_currency, normalise_currency

    try:
        currency = normalise_currency(code)
        check_plan_currency(currency)
        return currency
    except MoneyError as exc:
        raise Invalid.from_error(exc) from exc


def _check_plan_inputs(name: str, horizon: int, threshold: float) -> None:
    check_plan_name(name)
    if (problem := horizon_problem(int(horizon))) is not None:
        raise Invalid(problem)
    if (problem := threshold_problem(threshold)) is not None:
        raise Invalid(problem)


def create_plan_from_frames(
    store: PlanRepository,
    *,
    name: str,
    history: pd.DataFrame,
    attributes: pd.DataFrame | None,
    freq: str,
    horizon: int,
    team_attr: str | None,
    actor: str,
    baseline: pd.DataFrame | None = None,
    flags: Sequence[str] | None = None,
    filename: str | None = None,
    mapping: dict[str, Any] | None = None,
    notes: Sequence[str] = (),
    model: str = "auto",
    levels: Sequence[int] = schema.DEFAULT_LEVELS,
    threshold: float = 0.20,
    currency: str | None = "EUR",
    jobs: int = 1,
    progress: Progress | None = None,
    parent_id: str | None = None,
    like: Likeness | None = None,
    _progress_start: float = 0.0,
) -> PlanState:
    """Store a new draft plan from frames already in the long contract.

    Without `baseline`, it is computed with ``forecast.engine.baseline.forecast_baseline``."""
    actor = (actor or "").strip()
    if not actor:
        raise Invalid("the plan needs an author", Fix(FixKey.NAME_USER))
    _check_plan_inputs(name, horizon, threshold)
    refuse_taken_name(store, name, actor, doing=NAME_TAKEN, fix=NAME_TAKEN_FIXED)
    currency = _currency(currency)
    try:
        history = schema.validate_history(history)
    except schema.SchemaError as exc:
        raise Invalid.from_error(exc) from exc
    if history.empty:
        raise Invalid("the history has no rows; nothing to plan")
    if like is not None:
        attributes = like.attributes(history, attributes)
    attributes = _check_attributes(history, attributes, team_attr)
    if flags is None:
        flags = [
            c
            for c in history.columns
            if c not in (schema.UNIQUE_ID, schema.DS, schema.Y)
            and pd.api.types.is_numeric_dtype(history[c])
            and history[c].dropna().isin([0, 1]).all()
        ]
    if baseline is None:
        shut = (mapping or {}).get("weekdays_never") or ()
        baseline = _compute_baseline(
            history, horizon, freq, model, levels, jobs, progress, _progress_start, shut
        )
    from forecast.engine.baseline import SELECTION

    selection = dict(baseline.attrs.get(SELECTION) or {})
    try:
        baseline = schema.validate_baseline(baseline)
    except schema.SchemaError as exc:
        raise Invalid.from_error(exc) from exc

    ds = history[schema.DS]
    state = PlanState(
        plan_id=new_plan_id(),
        name=name.strip(),
        freq=freq,
        horizon=int(horizon),
        team_attr=team_attr,
        created_by=actor,
        status=DRAFT,
        parent_id=parent_id,
        threshold=float(threshold),
        currency=currency,
        dataset=DatasetInfo(
            filename=filename,
            history_hash=history_hash(history),
            n_series=int(history[schema.UNIQUE_ID].nunique()),
            start=ds.min().date().isoformat(),
            end=ds.max().date().isoformat(),
            flags=list(flags),
            attribute_columns=[c for c in attributes.columns if c != schema.UNIQUE_ID],
            mapping=mapping or {},
            notes=list(notes),
        ),
        baseline=baseline_info(baseline, model, levels, selection),
    )
    _check_bounds(history, baseline)
    _report(progress, BASELINE_DONE, "calibrating the stretch probability on past team totals")
    state.stretch_calibration = _stretch_calibration(history, attributes, state)
    _report(progress, CALIBRATED, "saving the plan")
    state.grant(actor, "owner")
    state.grant(actor, "planner")
    carried_what, carried = like.carry(state, attributes, baseline) if like else ("", {})
    history_bytes = frame_to_bytes(history)
    blobs = {
        HISTORY: history_bytes,
        ATTRIBUTES: frame_to_bytes(attributes),
        BASELINE: frame_to_bytes(baseline),
        accuracy_grid.SCALES_BLOB: accuracy_grid.scales_blob(history_bytes, state.freq),
    }
    blobs |= plan_totals.for_new_plan(state, blobs)
    change = Change(
        actor=actor,
        action="create",
        what=f"create plan {state.name!r} ({state.dataset.n_series} series, horizon "
        f"{state.horizon} x {freq}, {teams_text(team_attr)}){carried_what}",
        after={"name": state.name, "history_hash": state.dataset.history_hash} | carried,
    )
    saved = add_under_name(
        store, state, blobs, change, actor, doing=NAME_TAKEN, fix=NAME_TAKEN_FIXED
    )
    _report(progress, 1.0, "done")
    return saved


# Where plan creation's progress stands after each step (fractions of the whole).
READ_SHARE = 0.1  # the file is read
SELECTION_DONE = 0.45  # model="auto" has chosen its model (backtests on a sample of series)
BASELINE_DONE = 0.88  # every series is fitted
CALIBRATED = 0.95  # the stretch calibration is done; then the plan is saved


def _compute_baseline(
    history: pd.DataFrame,
    horizon: int,
    freq: str,
    model: str,
    levels: Sequence[int],
    jobs: int,
    progress: Progress | None,
    start: float,
    shut_weekdays: Sequence[int] = (),
) -> pd.DataFrame:
    """The baseline of every series, with progress moving through the model choice (auto) and
    the fits; 0 on the weekdays a daily history never has (`shut_weekdays`)."""
    from forecast.engine.baseline import forecast_baseline

    check_model(model)
    n_series = history[schema.UNIQUE_ID].nunique()
    fit_start = max(start, SELECTION_DONE) if model == "auto" else start
    if model == "auto":
        _report(
            progress, start, f"choosing the model for {n_series:,} series (backtests on a sample)"
        )
    else:
        _report(progress, start, f"computing the baseline ({model}) for {n_series:,} series")

    def step(low: float, high: float, what: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None

        def report(done: int, total: int) -> None:
            share = done / total if total else 1.0
            message = what.format(done=f"{done:,}", total=f"{total:,}")
            _report(progress, low + (high - low) * share, message)

        return report

    try:
        return forecast_baseline(
            history[[schema.UNIQUE_ID, schema.DS, schema.Y]],
            int(horizon),
            freq=freq,
            levels=tuple(levels),
            model=model,
            jobs=jobs,
            progress=step(
                fit_start, BASELINE_DONE, f"baseline ({model}): {{done}} of {{total}} series fitted"
            ),
            selection_progress=step(
                start, fit_start, "choosing the model: {done} of {total} backtests run"
            ),
            shut_weekdays=shut_weekdays,
        )
    except schema.SchemaError as exc:
        raise Invalid.from_error(exc) from exc


def baseline_info(
    baseline: pd.DataFrame,
    model: str,
    levels: Sequence[int],
    selection: dict[str, Any] | None = None,
) -> BaselineInfo:
    per_series = baseline.drop_duplicates(schema.UNIQUE_ID)[schema.MODEL].astype(str)
    return BaselineInfo(
        model=model,
        levels=[int(x) for x in (schema.levels_in(baseline) or list(levels))],
        start=baseline[schema.DS].min().date().isoformat(),
        end=baseline[schema.DS].max().date().isoformat(),
        models_used={str(k): int(v) for k, v in per_series.value_counts().sort_index().items()},
        computed_at=utc_now(),
        selection=dict(selection or {}),
    )


def _check_attributes(
    history: pd.DataFrame, attributes: pd.DataFrame | None, team_attr: str | None
) -> pd.DataFrame:
    ids = pd.Index(history[schema.UNIQUE_ID].unique())
    if attributes is None or attributes.empty:
        attributes = pd.DataFrame({schema.UNIQUE_ID: ids.astype(str)})
    if schema.UNIQUE_ID not in attributes:
        raise Invalid("the attributes table needs a unique_id column")
    attributes = attributes.copy()
    attributes[schema.UNIQUE_ID] = attributes[schema.UNIQUE_ID].astype(str)
    attributes = attributes.drop_duplicates(schema.UNIQUE_ID)
    for col in attributes.columns:
        if col != schema.UNIQUE_ID:
            attributes[col] = attributes[col].astype(str)
    if team_attr is not None and team_attr not in attributes:
        available = [c for c in attributes.columns if c != schema.UNIQUE_ID]
        raise Invalid(
            f"the team dimension {team_attr!r} is not an attribute of the series; available: "
            f"{', '.join(available) or 'none'}",
            None if available else Fix(FixKey.GIVE_ATTRIBUTES),
        )
    missing = ids.difference(pd.Index(attributes[schema.UNIQUE_ID]))
    if len(missing):
        shown = ", ".join(map(str, missing[:10]))
        raise Invalid(
            f"{len(missing)} series have no attributes row (e.g. {shown}); add them to the "
            "attributes file"
        )
    attributes = attributes[attributes[schema.UNIQUE_ID].isin(ids)]
    return attributes.sort_values(schema.UNIQUE_ID).reset_index(drop=True)


def _stretch_calibration(
    history: pd.DataFrame, attributes: pd.DataFrame, state: PlanState
) -> dict[str, Any]:
    """The backtest the stretch probability rests on (cheap: team totals, a cheap model)."""
    from forecast.services import stretch_calibration

    return stretch_calibration.of_state(
        state, history, teams_of(attributes, state.team_attr)
    ).to_dict()


def _check_bounds(history: pd.DataFrame, baseline: pd.DataFrame) -> None:
    """Values and totals within ``forecast.bounds``, so every sum in minor units stays exact."""

    for what, frame, col in (
        ("history", history, schema.Y),
        ("baseline", baseline, schema.BASELINE),
    ):
        values = frame[col].astype(float).abs()
        over = frame[~(values <= bounds.MAX_ABS_VALUE) & values.notna()]
        if len(over):
            row = over.iloc[0]
            raise Invalid(
                f"{what}: series {row[schema.UNIQUE_ID]} at {pd.Timestamp(row[schema.DS]).date()} "
                f"has {row[col]:g}, beyond the largest value accepted ({bounds.value_bound_text()}"
                f"; {len(over)} value(s) in all); check the sales column or report in thousands"
            )
        total_minor = float(values.sum()) * 100
        if total_minor > bounds.MAX_ABS_TOTAL_MINOR:
            raise Invalid(
                f"{what}: the plan's values add up to {total_minor / 100:.3g}, beyond the "
                f"{bounds.MAX_ABS_TOTAL_MINOR / 100:.3g} that keeps totals exact to the cent; "
                "report in thousands or split the plan"
            )
