"""Long-format histories (``unique_id, ds, y``) built from arrays, for the engine's tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def long_history(values: Sequence[np.ndarray], start: str, freq: str) -> pd.DataFrame:
    """Series ``s0, s1, ...`` with the given values, each from ``start`` at ``freq``."""
    frames = [
        pd.DataFrame(
            {"unique_id": f"s{k}", "ds": pd.date_range(start, periods=len(y), freq=freq), "y": y}
        )
        for k, y in enumerate(values)
    ]
    return pd.concat(frames, ignore_index=True)
