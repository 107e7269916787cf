"""Third-party warnings ignored while a model fits or a date is parsed, safely across threads.

``warnings.catch_warnings`` saves the process's filter list on entry and puts it back on exit:
two threads inside it at once (a Dask worker's threads, fitting series side by side; a web
server's request threads reading files) each put back what it saw on entry, so the second to
enter left "ignore every warning" installed for the rest of the process, and the first to leave
took the filter away while the other was still fitting, whose warnings were then printed. Here
the first thread in adds an "ignore" entry and the last one out takes that entry away again,
from the list it added it to and from the list in use then."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOCK = threading.Lock()
_IGNORE_ALL = ("ignore", None, Warning, None, 0)
"""The one filter entry added, found again by identity (a copy of the list holds this object)."""
_filters_mutated = getattr(warnings, "_filters_mutated", lambda: None)
"""Tells the warnings module its filter list changed (a private hook of CPython 3.11-3.13; a
no-op where a later release has none)."""
_inside = 0
_into: list[Any] | None = None


@contextmanager
def quiet_warnings() -> Iterator[None]:
    """Every warning ignored until the last thread inside leaves (as ``catch_warnings`` with
    ``simplefilter("ignore")`` does for one thread), then the filters as they are then, without
    the entry added: another ``catch_warnings`` may have swapped the list in between (pytest
    does at every test), and putting back the list found on entry would drop its filters."""
    global _inside, _into
    with _LOCK:
        if _inside == 0:
            into: list[Any] = warnings.filters  # type: ignore[assignment]
            into.insert(0, _IGNORE_ALL)
            _into = into
            _filters_mutated()
        _inside += 1
    try:
        yield
    finally:
        with _LOCK:
            _inside -= 1
            if _inside == 0:
                now: list[Any] = warnings.filters  # type: ignore[assignment]
                for filters in (_into, now):
                    if filters is not None:
                        filters[:] = [f for f in filters if f is not _IGNORE_ALL]
                _filters_mutated()
                _into = None
