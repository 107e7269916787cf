"""The rights the PostgreSQL write check asks of a role (`TABLE_WRITES`) are the statements the
store issues on each table: asking more refuses a role that runs the store (an append-only audit
setup), asking less starts a server whose writes then fail."""

from __future__ import annotations

import re
from pathlib import Path

import forecast.store as store_module
from forecast.store import TABLE_WRITES, metadata


def _issued() -> set[tuple[str, str]]:
    """(table, statement) for each `<name>_table.insert|update|delete(` in the store's code."""
    tables = {
        name: table.name
        for name, table in vars(store_module).items()
        if name.endswith("_table") and getattr(table, "name", None) in metadata.tables
    }
    source = Path(store_module.__file__).read_text(encoding="utf-8")
    found = re.findall(r"\b(\w+_table)\.(insert|update|delete)\(", source)
    return {(tables[name], verb.upper()) for name, verb in found}


def test_the_write_check_asks_each_table_for_the_statements_the_store_issues_on_it():
    assert set(TABLE_WRITES) == set(metadata.tables)
    asked = {(table, verb) for table, verbs in TABLE_WRITES.items() for verb in verbs}
    assert asked == _issued()
