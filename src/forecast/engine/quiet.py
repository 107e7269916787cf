"""Third-party warnings ignored while a model fits or a date is parsed, safely across threads.

``warnings.catch_warnings`` saves the process's filter list on entry and puts it back on exit:
two threads inside it at once (a Dask worker's threads, fitting series side by side; a web
server's request threads reading files) each put back what it saw on entry, so the second to
enter left "ignore every warning" installed for the rest of the process, and the first to leave
took the filter away while the other was still fitting, whose warnings were then printed. Here
the first thread in installs the filter and the last one out restores the list it found."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOCK = threading.Lock()
_inside = 0
_found: Any = None


@contextmanager
def quiet_warnings() -> Iterator[None]:
    """Every warning ignored until the last thread inside leaves (as ``catch_warnings`` with
    ``simplefilter("ignore")`` does for one thread), then the filters as they were."""
    global _inside, _found
    with _LOCK:
        if _inside == 0:
            _found = warnings.filters
            warnings.filters = _found[:]
            warnings.simplefilter("ignore")
        _inside += 1
    try:
        yield
    finally:
        with _LOCK:
            _inside -= 1
            if _inside == 0:
                warnings.filters = _found
                warnings._filters_mutated()  # type: ignore[attr-defined]
                _found = None
