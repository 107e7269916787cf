"""A damaged plan bundle is refused in plain words: which part of the bundle is wrong, what an
export writes there, and to export the plan again; never the text of a Python exception (a
KeyError, ``invalid literal for int()``, json's ``Expecting value``), and nothing is written.
The free-form parts pages and commands read later (``auto``'s choice, the sales file's columns)
are checked as they read them; a damaged stretch calibration, derived from the history, is left
out with a note and computed again, as for a plan without one."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable

import pytest
from test_bundle_signing import signed
from test_export import agreed_plan
from typer.testing import CliRunner

from forecast.cli import app as cli
from forecast.engine.auto import NAIVE, Selection
from forecast.engine.ingest.types import ColumnMapping
from forecast.services import exports, system_views
from forecast.services import negotiation as nego
from forecast.services.errors import Invalid
from forecast.services.plans import change_plan
from forecast.services.store_factory import open_store

PYTHON_TEXT = re.compile(
    r"Error\b|Expecting|line \d+ column \d+ \(char|codec|object has no attribute|subscriptable"
    r"|invalid literal|argument must be|unsupported operand|NoneType|sequence item|iterable"
    r"|\b(str|int|dict|float)\b|malformed \(|Traceback"
)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("damaged") / "data"
    store = open_store(data_dir=data_dir)
    plan_id = agreed_plan(store)
    content = json.loads(exports.export_plan(store, plan_id, "json"))
    # As a plan made from a sales file on ``auto`` has them: the file's columns and the choice.
    content["plan"]["dataset"]["mapping"] = ColumnMapping(
        id_cols=("Store",), date_col="Date", value_col="Sales", flags=("Promo",)
    ).to_dict() | {"weekdays_never": [6], "dense_days": True}
    content["plan"]["baseline"]["selection"] = AUTO_CHOICE.describe()
    bundle = signed(content, store.installation_key())
    store.close()
    return data_dir, bundle


ETS = ("single", ("ets",))
AUTO_CHOICE = Selection(
    strategy=ETS, scores={ETS: 0.8, NAIVE: 0.9}, series=9, worse_than_naive={ETS: 0.25}, windows=3
)


def _in_plan(edit: Callable[[dict], None]) -> Callable[[dict, bytes], bytes]:
    """A damage to the plan document, in a bundle signed again (as by its own installation)."""

    def make(content: dict, key: bytes) -> bytes:
        edit(content["plan"])
        return signed(content, key)

    return make


def _set(path: tuple, value: object) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        for step in path[:-1]:
            doc = doc[step]
        doc[path[-1]] = value

    return edit


def _with(section: str, value: object) -> Callable[[dict, bytes], bytes]:
    return lambda content, key: signed({**content, section: value}, key)


def _actuals_version(**changes: object) -> list[dict]:
    version = {
        "version": 1,
        "at": "2024-05-01T10:00:00+00:00",
        "uploaded_by": "olga",
        "filename": "actuals.csv",
        "rows": 3,
        "summary": None,
        "data": "",
    }
    return [{k: v for k, v in {**version, **changes}.items() if v is not _DROP}]


_DROP = object()
_EVENT_WITHOUT_END = {"event_id": "E1", "name": "Promo", "scope": {}, "start": "2024-03-01"}
_EXPLANATION = {
    "level": "series",
    "key": "a0",
    "ds": "2024-03-01",
    "reason_code": "promotion",
    "text": "flyer",
    "author": "olga",
}

# Each damage: how to make it from the exported bundle, and what the refusal names.
DAMAGES: dict[str, tuple[Callable[[dict, bytes], bytes], str]] = {
    "cut short": (
        lambda content, key: signed(content, key)[:5000],
        "the file is not a plan bundle: it is not complete JSON (it is cut short or damaged at "
        "line",
    ),
    "a byte that is no text": (
        lambda content, key: signed(content, key)[:300] + b"\xff" + signed(content, key)[301:],
        "the file is not a plan bundle: it is not text (byte 301 is no UTF-8)",
    ),
    "the plan's creation time as an object": (
        _in_plan(_set(("created_at",), {})),
        "the bundle's plan document: its 'created_at' is an object of named values, where an "
        "export writes text",
    ),
    "a member's role as a number": (
        _in_plan(_set(("members", "anna", "roles"), [5])),
        "the bundle's plan document: its 'members' / 'anna' / 'roles' / item 1 is a whole "
        "number, where an export writes text",
    ),
    "an empty plan id": (
        _in_plan(_set(("plan_id",), "")),
        "the bundle's plan document: its 'plan_id' is empty, where an export writes text",
    ),
    "an event without its end": (
        _in_plan(_set(("events",), [_EVENT_WITHOUT_END])),
        "the bundle's event 1 ('Promo') is damaged: it is not an event as this program records one",
    ),
    "an explanation with a reason code this program has not": (
        _in_plan(_set(("explanations",), [_EXPLANATION | {"reason_code": "because"}])),
        "the bundle's explanation 1 is damaged: unknown reason code 'because'; use one of "
        "promotion, festival",
    ),
    "an explanation of a level this program has not": (
        _in_plan(_set(("explanations",), [_EXPLANATION | {"level": "store"}])),
        "the bundle's explanation 1 is damaged: level must be one of series, team, got 'store'",
    ),
    "an explanation without a text": (
        _in_plan(_set(("explanations",), [_EXPLANATION | {"text": "  "}])),
        "the bundle's explanation 1 is damaged: an explanation needs a text saying why",
    ),
    "an explanation's text as a list": (
        _in_plan(_set(("explanations",), [_EXPLANATION | {"text": ["flyer"]}])),
        "the bundle's explanation 1 is damaged: a stored explanation's text must be text",
    ),
    "an explanation's events as text": (
        _in_plan(_set(("explanations",), [_EXPLANATION | {"events": "abc"}])),
        "the bundle's explanation 1 is damaged: a stored explanation's events must be a record "
        "of event ids and their fingerprints, not text",
    ),
    "an explanation's events as a number": (
        _in_plan(_set(("explanations",), [_EXPLANATION | {"events": 5}])),
        "the bundle's explanation 1 is damaged: a stored explanation's events must be a record "
        "of event ids and their fingerprints, not a number",
    ),
    "an explanation's event without its fingerprint": (
        _in_plan(_set(("explanations",), [_EXPLANATION | {"events": [["E1"]]}])),
        "the bundle's explanation 1 is damaged: a stored explanation's events must be pairs of "
        "an event id and its fingerprint; its event 1 is a list of 1",
    ),
    "a claim's amount as text": (
        _in_plan(_set(("negotiation", "claims", "a", "amount"), "abc")),
        "the bundle's negotiation is damaged: it is not a negotiation as this program records one",
    ),
    "a claim without its team": (
        _in_plan(lambda doc: doc["negotiation"]["claims"]["a"].pop("team")),
        "the bundle's negotiation is damaged: it is not a negotiation as this program records one",
    ),
    "a target amount as text": (
        lambda content, key: signed(
            {
                **content,
                "targets_minor": {**content["targets_minor"], "target_minor": ["x"]},
            },
            key,
        ),
        "the bundle's targets ('targets_minor') do not reproduce from its data",
    ),
    "auto's score as text": (
        _in_plan(_set(("baseline", "selection", "mase"), "0.8")),
        "the bundle's plan document: its 'baseline' / 'selection' / 'mase' is text, where an "
        "export writes a number or null",
    ),
    "auto's score without the model chosen": (
        _in_plan(lambda doc: doc["baseline"]["selection"].pop("label")),
        "the bundle's plan document: its 'baseline' / 'selection' has no 'label' (the model "
        "chosen) beside its 'mase'",
    ),
    "the sales file's id columns as one text": (
        _in_plan(_set(("dataset", "mapping", "id_cols"), "Store")),
        "the bundle's plan document: its 'dataset' / 'mapping' / 'id_cols' is text, where an "
        "export writes a list",
    ),
    "the sales file's date column as a list": (
        _in_plan(_set(("dataset", "mapping", "date_col"), ["Date"])),
        "the bundle's plan document: its 'dataset' / 'mapping' / 'date_col' is a list, where an "
        "export writes text",
    ),
    "how the weeks are dated as neither start nor end": (
        _in_plan(_set(("dataset", "mapping", "week_dates"), "middle")),
        "the bundle's plan document: its 'dataset' / 'mapping' / 'week_dates' is 'middle', where "
        "an export writes 'start' or 'end'",
    ),
    "a shut weekday that is no weekday": (
        _in_plan(_set(("dataset", "mapping", "weekdays_never"), [9])),
        "the bundle's plan document: its 'dataset' / 'mapping' / 'weekdays_never' holds a day "
        "that is no weekday, where an export writes whole numbers from 0 (Monday) to 6 (Sunday)",
    ),
    "whole days as text": (
        _in_plan(_set(("dataset", "mapping", "dense_days"), "no")),
        "the bundle's plan document: its 'dataset' / 'mapping' / 'dense_days' is text, where an "
        "export writes true or false",
    ),
    "an actuals version without its uploader": (
        _with("actuals", _actuals_version(uploaded_by=_DROP)),
        "the bundle's actuals version 1 has no 'uploaded_by'",
    ),
    "an actuals version's row count as a list": (
        _with("actuals", _actuals_version(rows=[3])),
        "the bundle's actuals version 1: its 'rows' is a list, where an export writes a whole "
        "number",
    ),
    "an actuals version's data that is no base64": (
        _with("actuals", _actuals_version(data="@@")),
        "the bundle's actuals version 1's data is damaged: it is not base64 text",
    ),
    "an actuals version's summary as text": (
        _with("actuals", _actuals_version(summary="x" * 2_000_000)),
        "the bundle's actuals version 1: its 'summary' is text, where an export writes an "
        "object of named values or nothing",
    ),
    "an actuals version's periods as numbers": (
        _with("actuals", _actuals_version(summary={"periods": [2024, 2025]})),
        "the bundle's actuals version 1: its summary's 'periods' is not a list of text",
    ),
    "an actuals version's summary beyond the bounds": (
        _with("actuals", _actuals_version(summary={"periods": [], "note": "x" * 2_000_000})),
        "the bundle's actuals version 1: its 'summary' is larger or nests deeper than an export "
        "writes",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGES), ids=list(DAMAGES))
def test_a_damaged_bundle_is_refused_in_words_naming_the_part(source, damage):
    data_dir, bundle = source
    make, names = DAMAGES[damage]
    store = open_store(data_dir=data_dir)
    try:
        before = store.list()
        data = make(copy.deepcopy(json.loads(bundle)), store.installation_key())

        with pytest.raises(Invalid) as refused:
            exports.import_bundle(store, data, "ivan")

        said = str(refused.value)
        assert names in said
        assert said.endswith("export the plan again as a JSON bundle where it came from")
        assert not PYTHON_TEXT.search(said), said
        assert store.list() == before
    finally:
        store.close()


def test_the_command_line_names_the_damaged_part_and_how_to_export_again(source, tmp_path):
    data_dir, bundle = source
    store = open_store(data_dir=data_dir)
    make, names = DAMAGES["a claim's amount as text"]
    data = make(copy.deepcopy(json.loads(bundle)), store.installation_key())
    store.close()
    path = tmp_path / "bundle.json"
    path.write_bytes(data)

    result = CliRunner().invoke(
        cli, ["plan", "import", str(path), "--as", "ivan", "--data-dir", str(data_dir)]
    )

    assert result.exit_code == 2, result.output
    assert names in result.stderr and "forecast plan export" in result.stderr
    assert not PYTHON_TEXT.search(result.stderr), result.stderr


def _imported(data_dir, content: dict) -> tuple[exports.Imported, object]:
    store = open_store(data_dir=data_dir)
    return exports.import_noted(store, signed(content, store.installation_key()), "olga"), store


def test_a_bundle_with_autos_choice_and_the_sales_files_columns_imports_them_as_written(
    source,
):
    data_dir, bundle = source
    content = json.loads(bundle)
    done, store = _imported(data_dir, {**content, "plan": {**content["plan"], "name": "as is"}})
    try:
        copy_doc = store.get(done.plan_id).to_dict()
        assert copy_doc["dataset"]["mapping"] == content["plan"]["dataset"]["mapping"]
        assert system_views.fan_frames(store, done.plan_id, "total", None).choice.startswith(
            "auto chose ets among 2 models"
        )
    finally:
        store.close()


def test_a_damaged_stretch_calibration_is_left_out_with_a_note_and_computed_again(source):
    data_dir, bundle = source
    content = json.loads(bundle)
    calibration = content["plan"]["stretch_calibration"]
    assert calibration["predictive"], "the source plan's stretch is calibrated"
    team = next(iter(calibration["predictive"]))
    calibration["predictive"][team]["scale"] = "wide"
    content["plan"]["name"] = "calibration damaged"

    done, store = _imported(data_dir, content)
    try:
        left_out = "the bundle's stretch calibration is damaged"
        assert any(line.startswith(left_out) for line in done.lines())
        assert left_out in store.audit(done.plan_id)[-1].what
        assert store.get(done.plan_id).stretch_calibration == {}
        source_id = content["plan_id"]
        columns = ["team", "probability_reach", "calibrated", "rests_on"]
        assert (
            nego.stretch(store, done.plan_id)[columns]
            .reset_index(drop=True)
            .equals(nego.stretch(store, source_id)[columns].reset_index(drop=True))
        )
    finally:
        store.close()


def test_a_stored_stretch_calibration_that_does_not_read_is_computed_again(source):
    """As a plan imported before the calibration was checked may have it."""
    data_dir, bundle = source
    content = json.loads(bundle)
    done, store = _imported(data_dir, {**content, "plan": {**content["plan"], "name": "stored"}})
    try:
        expected = nego.stretch(store, done.plan_id)

        def damage(state):
            state.stretch_calibration["horizon"] = "thirteen"
            return "damage the stretch calibration", None, None

        change_plan(
            store, done.plan_id, actor="olga", action="test", mutate=damage, allow_locked=True
        )

        assert store.get(done.plan_id).stretch_calibration["horizon"] == "thirteen"
        assert nego.stretch(store, done.plan_id).equals(expected)
    finally:
        store.close()
