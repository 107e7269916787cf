"""Text a person types at the command line and on the pages, at the edges: a date that is a word
for "now" is refused rather than read as the day it is read, a shift is kept as it is meant
(``52w``) rather than as typed, and each refusal says what to write and changes nothing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import negotiation as nego
from forecast.services import plans, system
from forecast.services.errors import Invalid
from forecast.services.store_factory import open_store
from tests.unit.test_services_negotiation import team_plan
from tests.unit.test_services_system import new_plan

RELATIVE = ["today", "now"]


@pytest.fixture(scope="module")
def team_store(tmp_path_factory):
    """A weekly plan with teams (owner olga) in a data dir: (data dir, plan id, its periods)."""
    data = tmp_path_factory.mktemp("teams")
    store = open_store(data_dir=data)
    plan_id = team_plan(store, "p", {"a": "anna"})
    dates = sorted(nego.series_frame(store, plan_id)["ds"].dt.strftime("%Y-%m-%d").unique())
    store.close()
    return data, plan_id, dates


@pytest.mark.parametrize("word", RELATIVE)
def test_a_per_period_goal_dated_today_is_refused_and_no_goal_is_set(team_store, tmp_path, word):
    data, plan_id, dates = team_store
    path = tmp_path / "goals.csv"
    rows = "".join(f"{d},1000000000\n" for d in dates[:-1])
    path.write_text(f"ds,goal\n{rows}{word},1000000000\n")

    args = ["plan", "goal", plan_id, "--per-period", str(path), "--data-dir", str(data)]
    result = CliRunner().invoke(app, [*args, "--as", "olga"])

    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"per-period goal: the period '{word}' is not a date but the moment it is read" in said
    assert "give the day as YYYY-MM-DD" in said
    store = open_store(data_dir=data)
    try:
        assert nego.negotiation_of(plans.get_plan(store, plan_id)) is None
    finally:
        store.close()


@pytest.mark.parametrize("word", [*RELATIVE, "12:00"])
def test_an_event_dated_now_on_the_page_is_refused_and_not_saved(word):
    """The System plan page sends the event form's dates as text to the same service."""
    from forecast.store import MemoryStore

    store = MemoryStore()
    plan_id = new_plan(store)
    with pytest.raises(Invalid, match="is not a date"):
        system.add_event(
            store, plan_id, "ann", name="x", kind="other", start=word, end="2024-10-20"
        )
    assert system.list_events(store, plan_id) == []


# -- the shift of an event import --------------------------------------------------------------

# the plan of new_plan: the six weeks from Monday 2024-10-07; the row a year (52 weeks) before
LAST_YEAR = (
    b"name,kind,scope,start,end,effect,value,reason\n"
    b"Autumn flyer,promotion,StoreType=a,2023-10-16,2023-10-29,percent,15%,flyer\n"
)


@pytest.fixture
def import_plan(tmp_path):
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    plan_id = new_plan(store)
    store.close()
    calendar = tmp_path / "last_year.csv"
    calendar.write_bytes(LAST_YEAR)

    def run(shift: str):
        command = ["plan", "event", "import", plan_id, str(calendar), "--shift", shift]
        return CliRunner().invoke(app, [*command, "--data-dir", str(data), "--as", "ann", "--json"])

    return data, plan_id, run


@pytest.mark.parametrize("typed", [" 52w", "52w\n", "52W", "52 w", "\t52w "])
def test_a_shift_typed_with_blanks_or_capitals_is_kept_as_52w(import_plan, typed):
    data, plan_id, run = import_plan
    done = run(typed)
    assert done.exit_code == 0, done.output
    notes = json.loads(done.stdout)["notes"]
    assert "every row's dates moved by 52 weeks (shift 52w)" in notes
    store = open_store(data_dir=data)
    try:
        (event,) = system.events_of(plans.get_plan(store, plan_id))
        audit = json.dumps(
            [entry.__dict__ for entry in plans.audit_log(store, plan_id)], default=str
        )
    finally:
        store.close()
    assert str(event.start) == "2024-10-14"
    assert typed.strip() == "52w" or typed.strip() not in audit


@pytest.mark.parametrize("typed", ["52" + " " * 100_000 + "w", "1" + " " * 20 + "y", "52\t\tw"])
def test_a_shift_the_dashboard_field_would_not_take_is_refused_on_the_command_line(
    import_plan, typed
):
    """The dashboard's field takes 12 characters and its server refuses more; the command line
    took "52" and a megabyte of blanks and "w" as 52 weeks, said back in its note."""
    data, plan_id, run = import_plan
    done = run(typed)
    assert done.exit_code == 2, done.output
    assert "cannot read the shift" in done.output and len(done.output) < 2000
    store = open_store(data_dir=data)
    try:
        assert system.events_of(plans.get_plan(store, plan_id)) == []
    finally:
        store.close()


# -- a sales file's dates ----------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["today", "now", "12:00", "9:30 pm"])
def test_a_sales_row_dated_today_is_a_problem_of_its_row_and_nothing_is_written(tmp_path, cell):
    """pandas' general parser dates these at the moment it reads them: a row of a sales (or
    actuals) file took the day the command ran."""
    path = tmp_path / "sales.csv"
    path.write_text(f"id,date,sales\n1,2024-01-01,5\n1,2024-01-08,6\n1,{cell},7\n")
    out = tmp_path / "history.csv"
    result = CliRunner().invoke(app, ["ingest", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert f"sales.csv:4:date: is not a date ({cell})" in result.stderr
    assert not out.exists()


# -- names and notes: control characters ------------------------------------------------------


@pytest.fixture
def plan_dir(tmp_path):
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    plan_id = new_plan(store)
    store.close()

    def run(*args: str, actor: str = "ann"):
        return CliRunner().invoke(app, [*args, "--data-dir", str(data), "--as", actor])

    def events():
        store = open_store(data_dir=data)
        try:
            return system.events_of(plans.get_plan(store, plan_id))
        finally:
            store.close()

    return data, plan_id, run, events


WINDOW = ["--kind", "other", "--start", "2024-10-14", "--end", "2024-10-20", "--percent", "5"]


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("Flyer\nE9 fake line", "cannot hold a line break: write it on one line"),
        ("Flyer\x1b[2J", "cannot hold the control character U+001B: take it out"),
        ("Flyer\tweek", "cannot hold a tab: put a space in its place"),
    ],
)
def test_an_event_name_with_a_line_break_or_control_character_is_refused(plan_dir, name, said):
    _, plan_id, run, events = plan_dir
    result = run("plan", "event", "add", plan_id, "--name", name, *WINDOW)
    assert result.exit_code == 2, result.output
    assert f"an event's name {said}" in result.stderr
    assert "\x1b" not in result.output
    assert events() == []


def test_an_event_reason_may_hold_lines_but_no_control_character(plan_dir):
    _, plan_id, run, events = plan_dir
    escaped = run("plan", "event", "add", plan_id, "--name", "x", *WINDOW, "--reason", "a\x1b[2J")
    assert escaped.exit_code == 2, escaped.output
    assert "an event's reason cannot hold the control character U+001B" in escaped.stderr
    assert events() == []
    lines = run("plan", "event", "add", plan_id, "--name", "x", *WINDOW, "--reason", "a\nb\tc")
    assert lines.exit_code == 0, lines.output
    assert [event.reason for event in events()] == ["a\nb\tc"]


def test_a_plan_name_with_a_tab_is_refused(plan_dir):
    data, plan_id, run, _ = plan_dir
    result = run("plan", "new-version", plan_id, "--name", "Q4\tcopy")
    assert result.exit_code == 2, result.output
    assert "a plan name cannot hold a tab" in result.stderr
    store = open_store(data_dir=data)
    try:
        assert len(plans.list_plans(store)) == 1
    finally:
        store.close()


def test_a_display_name_with_a_control_character_is_refused_and_no_account_is_made(plan_dir):
    from forecast.services import accounts

    data, _, _, _ = plan_dir
    args = ["user", "add", "bob", "--no-password", "--display-name", "Bob\x1b[31m"]
    result = CliRunner().invoke(app, [*args, "--data-dir", str(data)])
    assert result.exit_code == 2, result.output
    assert "a display name cannot hold the control character U+001B" in result.stderr
    store = open_store(data_dir=data)
    try:
        assert "bob" not in {account.name for account in accounts.list_users(store)}
    finally:
        store.close()


def test_an_event_file_whose_name_cell_holds_a_line_break_is_refused_naming_the_row(
    plan_dir, tmp_path
):
    _, plan_id, run, events = plan_dir
    calendar = tmp_path / "calendar.csv"
    calendar.write_text(
        "name,kind,scope,start,end,effect,value,reason\n"
        '"Two\nlines",promotion,all series,2024-10-14,2024-10-20,percent,5,"a reason\non lines"\n'
        'Escaped,promotion,all series,2024-10-14,2024-10-20,percent,5,"a\x1b[2J"\n'
    )
    result = run("plan", "event", "import", plan_id, str(calendar))
    assert result.exit_code == 2, result.output
    assert "calendar.csv:2:name: an event's name cannot hold a line break" in result.stderr
    assert "calendar.csv:3:reason: an event's reason cannot hold the control" in result.stderr
    assert "\x1b" not in result.output
    assert events() == []


@pytest.mark.parametrize("actor", ["ann\x1b[2J", "ann\nbob", "an\tn"])
def test_an_acting_user_with_a_control_character_is_refused_as_such(plan_dir, actor):
    """A store without accounts takes any --as name (the command line is trusted); one with a
    control character or a line break was told it lacked the planner role, which ann holds."""
    _, plan_id, run, events = plan_dir
    result = run("plan", "event", "add", plan_id, "--name", "x", *WINDOW, actor=actor)
    assert result.exit_code == 2, result.output
    assert "a user name cannot hold" in result.stderr
    assert "may not add events" not in result.stderr
    assert events() == []


@pytest.mark.parametrize("member", ["bob\x1b[2J", "bob\nE9 fake line", "bo\tb"])
def test_a_member_name_with_a_control_character_is_refused_and_no_role_is_given(plan_dir, member):
    """A store without accounts gives a role to any name; one with a control character or a line
    break was stored as a member and printed back in the member lists (ESC obeyed there)."""
    data, plan_id, run, _ = plan_dir
    result = run("plan", "grant", plan_id, member, "--role", "planner")
    assert result.exit_code == 2, result.output
    assert "a user name cannot hold" in result.stderr
    assert "\x1b" not in result.output
    store = open_store(data_dir=data)
    try:
        assert member not in plans.get_plan(store, plan_id).members
    finally:
        store.close()


@pytest.mark.parametrize("cell", ["\x1b]0;owned\x07", "2024-01-15\nfake line"])
def test_a_files_cell_said_back_in_a_problem_shows_its_control_characters_escaped(tmp_path, cell):
    """A problem line quotes the cell: a terminal would obey an escape sequence in it (this one
    sets the window's title), and a line break would print a line the file does not have."""
    path = tmp_path / "sales.csv"
    quoted = cell.replace('"', '""')
    path.write_text(f'id,date,sales\n1,2024-01-01,5\n1,2024-01-08,6\n1,"{quoted}",7\n')
    result = CliRunner().invoke(app, ["ingest", str(path), "-o", str(tmp_path / "h.csv")])
    assert result.exit_code == 2, result.output
    escaped = cell.encode("unicode_escape").decode("ascii")
    assert f"sales.csv:4:date: is not a date ({escaped})" in result.stderr
    assert "\x1b" not in result.stderr and "\nfake line" not in result.stderr


@pytest.mark.parametrize(
    "cell",
    [
        "東京\u3000本店",  # an ideographic space, as Japanese and Chinese text has it
        "1\u202f234 Stück",  # a narrow no-break space grouping thousands (French, Excel)
        "Caf\xe9\xa0Nord",  # a no-break space
        "👨\u200d👩\u200d👧 shop",  # an emoji joined by zero-width joiners
    ],
)
def test_a_files_cell_said_back_in_a_problem_keeps_its_spaces_and_joined_letters(tmp_path, cell):
    """Only what a terminal would obey or break a line on is escaped: the spaces and joiners of
    text in any script are said back as the file has them, not as \\u3000 or \\xa0."""
    path = tmp_path / "sales.csv"
    path.write_text(f"id,date,sales\n1,2024-01-01,5\n1,2024-01-08,6\n1,{cell},7\n")
    result = CliRunner().invoke(app, ["ingest", str(path), "-o", str(tmp_path / "h.csv")])
    assert result.exit_code == 2, result.output
    assert f"sales.csv:4:date: is not a date ({cell})" in result.stderr


def test_a_bidi_override_in_a_cell_is_said_back_escaped(tmp_path):
    """A right-to-left override would show the rest of the problem line reversed."""
    path = tmp_path / "sales.csv"
    path.write_text("id,date,sales\n1,2024-01-01,5\n1,2024-01-08,6\n1,abc\u202edef,7\n")
    result = CliRunner().invoke(app, ["ingest", str(path), "-o", str(tmp_path / "h.csv")])
    assert "is not a date (abc\\u202edef)" in result.stderr
    assert "\u202e" not in result.stderr
