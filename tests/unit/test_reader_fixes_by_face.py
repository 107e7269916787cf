"""The sales file reader's fixes, each face in its own words: for the same bad (or doubtful)
file, the Data page names its fields under Column mapping and never a command-line option, and
`forecast ingest` names its options and never a page's field."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dashboard.data_parts import view
from forecast.cli import app
from forecast.services import file_check

CLI_FLAG = re.compile(r"(?<![\w-])--[a-z]")
PAGE_WORDS = re.compile(r"“|Decimal mark|\bpages?\b|Column mapping|Frequency")


def text_of(component: Any) -> str:
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def page_says(check: file_check.FileCheck) -> str:
    """What the Data page shows of the file: its problems' rows, or its report's notes."""
    if check.problems:
        return json.dumps(view.problem_rows(check.problems), ensure_ascii=False)
    return text_of(view.report_panel(check))


def cli_says(tmp_path: Path, content: bytes, *args: str) -> str:
    path = tmp_path / "sales.csv"
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["ingest", str(path), *args])
    return result.stdout + result.stderr


DOTTED = b"sku,date,sales\nA,2024-01-05,44.537\nA,2024-01-12,12.000\nA,2024-01-19,7\n"
UNNAMED_SALES = b"store,date,n\n" + b"".join(
    f"{s},2024-01-{d:02d},{d}\n".encode() for s in (1, 2) for d in range(1, 15)
)
ONE_SERIES = b"day,sales\n" + b"".join(f"2024-01-{d:02d},{d}\n".encode() for d in range(1, 15))
SPARSE = b"store,day,sales\n" + b"".join(
    f"{s},2024-01-{d:02d},1\n".encode() for s in (1, 2) for d in (1, 9, 17, 25)
)
NO_DATES = b"store,day,sales\n" + b"".join(f"1,x{d},{d}\n".encode() for d in range(20))
SAME_COLUMN = b"store,date,sales\n1,2024-01-01,1\n1,2024-01-02,2\n"

CASES = {
    # name: (file, the page's read options, the CLI's options, the CLI's own words, the page's)
    "dots grouping thousands": (DOTTED, {}, (), "--decimal ,", "Decimal mark"),
    "sales column guessed": (
        UNNAMED_SALES,
        {},
        (),
        "(pass --value-col to choose another)",
        "(pick another in “Value (sales)”)",
    ),
    "one series": (
        ONE_SERIES,
        {},
        (),
        "pass --id-col to split",
        "pick the key columns in “Series key” to split it",
    ),
    "mostly empty days": (
        SPARSE,
        {"freq": "D"},
        ("--freq", "D"),
        "(--freq W) may suit",
        "(“Frequency” week) may suit",
    ),
    "no dates": (NO_DATES, {}, (), "pass --date-col with the date column", "in “Date”"),
    "no such column": (
        SAME_COLUMN,
        {"value_col": "qty"},
        ("--value-col", "qty"),
        "pass --value-col with one of the columns in the file: store, date, sales",
        "pick one of the columns in the file in “Value (sales)”: store, date, sales",
    ),
    "one column for two roles": (
        SAME_COLUMN,
        {"date_col": "date", "value_col": "date"},
        ("--date-col", "date", "--value-col", "date"),
        "give each of --date-col, --value-col and --id-col a different column",
        "give “Date”, “Value (sales)” and “Series key” different columns",
    ),
    "no frequency told": (
        b"store,date,sales\n1,2024-01-01,1\n",
        {},
        (),
        "pass --freq D, W, M or Q",
        "choose the “Frequency” (day, week, month or quarter)",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_page_names_its_fields_and_the_cli_its_options_for_the_same_file(tmp_path, case):
    content, options, args, cli_words, page_words = CASES[case]

    page = page_says(file_check.check_file(content, filename="sales.csv", **options))
    cli = cli_says(tmp_path, content, *args)

    assert page_words in page and not CLI_FLAG.search(page), page
    assert cli_words in cli and not PAGE_WORDS.search(cli), cli


def test_the_json_of_ingest_words_the_notes_fixes_as_options(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_bytes(UNNAMED_SALES)
    result = CliRunner().invoke(app, ["ingest", str(path), "--json"])
    notes = json.loads(result.stdout)["report"]["notes"]
    assert any(n.endswith("(pass --value-col to choose another)") for n in notes), notes
