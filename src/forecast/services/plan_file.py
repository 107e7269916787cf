"""Read a sales file into the long contract without storing anything; its problems as
``InvalidFile``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from forecast.services.errors import Fix, Invalid


class InvalidFile(Invalid):
    """A sales file that cannot be read; ``problems`` holds each one with its row and column."""

    def __init__(self, message: str, problems: Sequence[Any], fix: Fix | None = None):
        super().__init__(message, fix)
        self.problems = list(problems)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.problems, self.fix))


def read_file(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    id_cols: Sequence[str] | None = None,
    date_col: str | None = None,
    value_col: str | None = None,
    freq: str | None = None,
    attributes_file: str | Path | bytes | None = None,
    attributes_filename: str | None = None,
    week_dates: str = "start",
    decimal: str | None = None,
) -> Any:
    """Read a sales file into the long contract without storing anything (the upload preview).

    Returns the ingest result (history, attributes, freq, flags, mapping, report); raises
    ``InvalidFile`` listing every problem."""
    from forecast.engine.ingest import IngestError, read_sales

    options: dict[str, Any] = {}
    if id_cols:
        options["id_cols"] = list(id_cols)
    if date_col:
        options["date_col"] = date_col
    if value_col:
        options["value_col"] = value_col
    if freq:
        options["freq"] = freq
    if attributes_file:
        options["attributes_file"] = attributes_file
        options["attributes_filename"] = attributes_filename
    if week_dates != "start":
        options["week_dates"] = week_dates
    if decimal is not None:
        options["decimal"] = decimal
    try:
        return read_sales(source, filename=filename, **options)
    except IngestError as exc:
        raise InvalidFile(str(exc), exc.problems) from exc
