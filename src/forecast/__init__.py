"""forecast: system plan vs negotiated plan on the same sales history."""

import os
from importlib import metadata

# The engine fits thousands of small models, where OpenBLAS's own threads only spin for the
# cores: on 2 cores the sample plan took 36-43 s of CPU with them and 21-25 s without, for
# about the same wall time (median 24.9 against 24.0 s; 2026-12-02). Set before NumPy loads; a
# value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

try:
    __version__ = metadata.version("forecast-planner")
except metadata.PackageNotFoundError:  # run from a checkout without installing
    __version__ = "0.1.0"
