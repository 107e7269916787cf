"""A plan bundle is held to the bounds a person typing its parts is held to: an event's name
and reason, an explanation's text, a claim's note no longer than the page or the command would
take, and no absurd number of events, explanations, factors, teams or claims. An import over a
bound is refused naming the bundle's item and the limit, and nothing is written. (Bundles are
signed again here as their own installation would, as someone with the key could.)"""

from __future__ import annotations

import json

import pytest
from test_bundle_signing import signed
from test_export import agreed_plan
from test_services_system import add_promo, new_plan

from dashboard.fix_hints import page_message
from forecast import bounds
from forecast.cli.fix_hints import cli_message
from forecast.services import exports, system
from forecast.services.errors import Invalid
from forecast.store import MemoryStore


def _system_track_bundle(store) -> dict:
    plan_id = new_plan(store)
    add_promo(store, plan_id, value=50.0)
    system.explain(store, plan_id, "ann", event_id="E1", reason_code="promotion", text="flyer")
    return json.loads(exports.export_plan(store, plan_id, "json"))


def _refused(store, content: dict) -> str:
    before = store.list()
    with pytest.raises(Invalid) as refused:
        exports.import_bundle(store, signed(content, store.installation_key()), "ann", name="x")
    assert store.list() == before  # nothing written
    said = str(refused.value)
    assert "nothing was imported" in said
    return said


TOO_LONG = bounds.MAX_TEXT_CHARS + 1


@pytest.mark.parametrize(
    "part, field, length, said",
    [
        (
            "events",
            "reason",
            TOO_LONG,
            "the bundle's event 1 ('Flyer'): an event's reason has at most 4,000 characters; "
            "this one has 4,001",
        ),
        (
            "events",
            "name",
            bounds.MAX_NAME_CHARS + 1,
            "the bundle's event 1: an event's name has at most 200 characters; this one has 201",
        ),
        (
            "explanations",
            "text",
            TOO_LONG,
            "the bundle's explanation 1: an explanation has at most 4,000 characters; this one "
            "has 4,001",
        ),
    ],
)
def test_an_over_long_text_of_the_system_track_is_refused_naming_the_item(
    part, field, length, said
):
    store = MemoryStore()
    content = _system_track_bundle(store)
    content["plan"][part][0][field] = "x" * length
    assert said in _refused(store, content)


def test_an_over_long_text_is_to_be_shortened_where_the_bundle_came_from():
    """The bundle is whole: exporting it again as it is would give the same bundle. The text
    is shortened in the plan it came from, then that plan exported again."""
    store = MemoryStore()
    content = _system_track_bundle(store)
    content["plan"]["explanations"][0]["text"] = "x" * TOO_LONG
    with pytest.raises(Invalid) as refused:
        exports.import_bundle(store, signed(content, store.installation_key()), "ann", name="x")
    said = str(refused.value)
    assert said.endswith(
        "nothing was imported; shorten that text in the plan the bundle came from (the gist "
        "there, the details in a document it names), then export that plan again as a JSON bundle"
    )
    assert "the gist here" not in said  # not this installation's: nothing here holds it
    assert page_message(refused.value).endswith("with 'JSON bundle' on its Plans page")
    assert cli_message(refused.value).endswith("`forecast plan export PLAN --format json`")


def test_texts_as_long_as_a_person_may_type_them_import():
    store = MemoryStore()
    content = _system_track_bundle(store)
    content["plan"]["events"][0]["reason"] = "x" * bounds.MAX_TEXT_CHARS
    content["plan"]["explanations"][0]["text"] = "y" * bounds.MAX_TEXT_CHARS
    plan_id = exports.import_bundle(
        store, signed(content, store.installation_key()), "ann", name="x"
    )
    (event,) = system.list_events(store, plan_id)
    assert len(event.reason) == bounds.MAX_TEXT_CHARS


def test_an_over_long_claim_note_is_refused_naming_the_team():
    store = MemoryStore()
    content = json.loads(exports.export_plan(store, agreed_plan(store), "json"))
    content["plan"]["negotiation"]["claims"]["a"]["note"] = "n" * TOO_LONG
    said = _refused(store, content)
    assert "the bundle's claim of team 'a': a claim's note has at most 4,000 characters" in said


@pytest.mark.parametrize(
    "part, bound, said",
    [
        ("events", "MAX_PLAN_EVENTS", "the bundle's plan has 4 events, more than the 3"),
        ("explanations", "MAX_PLAN_EXPLANATIONS", "the bundle's plan has 4 explanations, more"),
        ("factors", "MAX_PLAN_FACTORS", "the bundle's plan has 4 factors, more than the 3"),
    ],
)
def test_an_absurd_count_of_a_system_part_is_refused_before_it_is_read(
    monkeypatch, part, bound, said
):
    """The bounds are lowered to 3 here: a bundle over the real ones is hundreds of MB."""
    store = MemoryStore()
    content = _system_track_bundle(store)
    monkeypatch.setattr(bounds, bound, 3)
    # not one of them reads as a part of a plan: the count is refused before any is read
    content["plan"][part] = [{"junk": n} for n in range(4)]
    assert said in _refused(store, content)


def test_an_absurd_count_of_teams_or_claims_is_refused(monkeypatch):
    store = MemoryStore()
    content = json.loads(exports.export_plan(store, agreed_plan(store), "json"))
    monkeypatch.setattr(bounds, "MAX_TEAMS", 2)
    said = _refused(store, content)
    assert "the bundle's negotiation has 3 teams, more than the 2 a plan may have" in said
    teams = content["plan"]["negotiation"]["team_baseline"]
    content["plan"]["negotiation"]["team_baseline"] = dict(list(teams.items())[:2])
    content["plan"]["negotiation"]["claims"] = {f"t{n}": {} for n in range(3)}
    said = _refused(store, content)
    assert "the bundle's negotiation has 3 claims, more than the 2 a plan may have" in said


@pytest.mark.parametrize("as_stored", ["no list (an earlier release's)", [1]])
def test_an_explanation_text_of_another_kind_is_held_to_the_bound_as_it_reads(as_stored):
    """An explanation carried as its plan held it is read leniently: a text of another kind (a
    list, an object) reads as its text (`Explanation.from_dict`), so the bound holds for that
    text too, not only for one written as JSON text."""
    store = MemoryStore()
    content = _system_track_bundle(store)
    if isinstance(as_stored, list):
        content[exports.AS_STORED] = as_stored
    else:
        del content[exports.AS_STORED]
    content["plan"]["explanations"][0]["text"] = ["y" * TOO_LONG]
    said = _refused(store, content)
    assert "the bundle's explanation 1: an explanation has at most 4,000 characters" in said


def test_an_absurd_count_is_refused_before_the_bundles_data_is_read(monkeypatch):
    """The count is the first thing an import reads of a bundle it verified: one over the bound
    is refused for it before its data (the history's Parquet, decoded and read whole) is, so
    the refusal names the count even where the data is damaged too."""
    store = MemoryStore()
    content = _system_track_bundle(store)
    monkeypatch.setattr(bounds, "MAX_PLAN_EVENTS", 0)
    content["blobs"]["history"] = "bm90IHBhcnF1ZXQ="  # base64 of "not parquet"
    assert "the bundle's plan has 1 events, more than the 0 a plan may have" in _refused(
        store, content
    )
