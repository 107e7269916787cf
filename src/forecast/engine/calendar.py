"""The regular calendar of a history: anchored frequency, season length, future dates.

Forecast dates continue each series' own calendar: weekly data dated on Fridays is forecast on
Fridays (``W-FRI``), month-start data on month starts (``MS``), and so on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.schema import DS, UNIQUE_ID, SchemaError
from forecast.vocabulary import WEEKDAY_CODES

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

SEASON_LENGTH = {"D": 7, "W": 52, "M": 12, "Q": 4}
"""Season used by the models: weekly season for daily data, yearly for the others."""


def base_freq(freq: str) -> str:
    """``D``, ``W``, ``M`` or ``Q`` for a user or pandas frequency string (``W-FRI`` -> ``W``)."""
    text = freq.strip().upper()
    if text in ("D", "B"):
        return "D"
    if text.startswith("W"):
        return "W"
    if text in ("M", "MS", "ME", "BM", "BMS"):
        return "M"
    if text.startswith(("Q", "BQ")):
        return "Q"
    raise SchemaError(
        f"unsupported frequency {freq!r}; use one of D (daily), W (weekly), M (monthly), Q (quarterly)."
    )


def infer_base_freq(dates: pd.Series | pd.DatetimeIndex) -> str:
    """Guess D/W/M/Q from the typical spacing of the dates of the series."""
    values = pd.DatetimeIndex(pd.unique(pd.DatetimeIndex(dates))).sort_values()
    if len(values) < 2:
        raise SchemaError(
            "cannot infer the frequency from a single date; pass freq='D', 'W', 'M' or 'Q'."
        )
    steps = np.diff(values.values).astype("timedelta64[s]").astype(np.int64)
    step_days = float(np.median(steps)) / 86_400.0
    if step_days <= 1.5:
        return "D"
    if step_days <= 8:
        return "W"
    if step_days <= 32:
        return "M"
    if step_days <= 93:
        return "Q"
    raise SchemaError(
        f"dates are about {step_days:.0f} days apart; only daily, weekly, monthly and quarterly "
        "data can be forecast. Aggregate the data (forecast ingest --freq M) and try again."
    )


def anchored_offset(base: str, dates: pd.DatetimeIndex) -> str:
    """Pandas offset alias for ``base`` anchored on the dates themselves."""
    last = dates[-1]
    if base == "D":
        return "D"
    if base == "W":
        return f"W-{WEEKDAY_CODES[last.day_of_week]}"
    if base == "M":
        if (dates.day == 1).all():
            return "MS"
        if dates.is_month_end.all():
            return "ME"
        bad = dates[dates.day != 1][0]
        raise SchemaError(
            "monthly dates must all be month starts (or all month ends); found "
            f"{bad:%Y-%m-%d}. Regularise the file with forecast ingest --freq M."
        )
    if base == "Q":
        if (dates.day == 1).all():
            return f"QS-{_MONTHS[(last.month - 1) % 3]}"
        if dates.is_month_end.all():
            return f"QE-{_MONTHS[(last.month - 1) % 3 + 9]}"
        bad = dates[dates.day != 1][0]
        raise SchemaError(
            "quarterly dates must all be quarter starts (or all quarter ends); found "
            f"{bad:%Y-%m-%d}. Regularise the file with forecast ingest --freq Q."
        )
    raise SchemaError(f"unsupported frequency {base!r}")


def resolve_offset(dates: pd.DatetimeIndex, freq: str | None) -> str:
    """The anchored pandas alias for one series (``freq`` may be None, D/W/M/Q or an alias)."""
    base = base_freq(freq) if freq else infer_base_freq(dates)
    return anchored_offset(base, pd.DatetimeIndex(dates))


def season_length(freq: str) -> int:
    return SEASON_LENGTH[base_freq(freq)]


def next_dates(last: pd.Timestamp, offset: str, horizon: int) -> pd.DatetimeIndex:
    """``horizon`` dates after ``last`` on the calendar ``offset``."""
    step = pd.tseries.frequencies.to_offset(offset)
    return pd.date_range(pd.Timestamp(last) + step, periods=horizon, freq=offset)


def future_dates(history: pd.DataFrame, horizon: int, freq: str | None = None) -> pd.DataFrame:
    """``unique_id, ds`` for the ``horizon`` periods after each series' last date."""
    if horizon < 1:
        raise SchemaError(f"horizon must be at least 1, got {horizon}.")
    frames = []
    for uid, ds in history.groupby(UNIQUE_ID, sort=True)[DS]:
        dates = pd.DatetimeIndex(pd.to_datetime(ds)).sort_values()
        offset = resolve_offset(dates, freq or _overall_base(history))
        frames.append(
            pd.DataFrame({UNIQUE_ID: str(uid), DS: next_dates(dates[-1], offset, horizon)})
        )
    return pd.concat(frames, ignore_index=True)


def history_base(history: pd.DataFrame, freq: str | None) -> str:
    """D/W/M/Q of a run: ``freq`` when given, else that of the whole history."""
    return base_freq(freq) if freq else _overall_base(history)


def _overall_base(history: pd.DataFrame) -> str:
    """The frequency of the whole history (from the densest series), as D/W/M/Q."""
    counts = history.groupby(UNIQUE_ID)[DS].count()
    uid = counts.idxmax()
    return infer_base_freq(history.loc[history[UNIQUE_ID] == uid, DS])
