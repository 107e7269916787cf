"""What a server loads once at start, before it answers anyone.

The first request of a page after a restart used to pay for the libraries the services load on
first use: scipy's special functions (the stretch probabilities' Student t), pyarrow's Parquet
reader and pandas' bridge to it (every stored frame and read model). `load_heavy_modules` loads
them and reads one tiny Parquet file, so the first user meets the same server as the second.
Nothing is kept: only modules are imported (Python's module cache).
"""

from __future__ import annotations

import io


def load_heavy_modules() -> None:
    """Import and exercise, once, the libraries the read models need on first use."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    from scipy.special import stdtr  # the stretch's Student t (engine.stretch_predictive)

    import forecast.engine.stretch  # noqa: F401  the calibrated stretch, applied per render
    import forecast.services.accuracy  # noqa: F401  the Accuracy page's use cases

    stdtr(3.0, 0.0)
    frame = pd.DataFrame({"unique_id": ["a"], "ds": pd.to_datetime(["2024-01-05"]), "y": [1.0]})
    sink = io.BytesIO()
    frame.to_parquet(sink, index=False)
    pd.read_parquet(io.BytesIO(sink.getvalue()))
    pq.read_table(pa.BufferReader(sink.getvalue()), columns=["y"], use_threads=False).to_pandas()
