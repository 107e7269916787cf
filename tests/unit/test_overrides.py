"""Pure domain tests of events, the combination rule, the system plan and the deviation gate."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.overrides import (
    COMBINATION_RULE,
    EffectError,
    Event,
    EventError,
    Explanation,
    ExplanationError,
    PeriodError,
    Scope,
    UnknownScope,
    aggregate,
    apply_events,
    deviations,
    event_fingerprint,
    horizon_periods,
    mark_explained,
    unexplained,
    validate_event,
)

WEEKS = pd.date_range("2024-01-05", periods=4, freq="W-FRI")
FREQ = "W-FRI"  # the plan frequency of WEEKS


@pytest.fixture
def attributes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": ["1", "2", "3", "4"],
            "StoreType": ["a", "a", "b", "c"],
            "Assortment": ["a", "c", "c", "a"],
        }
    )


@pytest.fixture
def baseline() -> pd.DataFrame:
    rows = [
        {"unique_id": uid, "ds": ds, "baseline": 100.0, "model": "snaive"}
        for uid in ["1", "2", "3", "4"]
        for ds in WEEKS
    ]
    return pd.DataFrame(rows)


def event(event_id="E1", effect="percent", value=10.0, scope=None, start=None, end=None, **kw):
    return Event(
        event_id=event_id,
        name=kw.pop("name", f"event {event_id}"),
        kind=kw.pop("kind", "promotion"),
        scope=scope or Scope(),
        start=start or WEEKS[0].date(),
        end=end or (WEEKS[-1] + pd.Timedelta(days=6)).date(),
        effect=effect,
        value=value,
        **kw,
    )


def cell(plan: pd.DataFrame, uid: str, ds: pd.Timestamp) -> pd.Series:
    return plan.loc[(plan["unique_id"] == uid) & (plan["ds"] == ds)].iloc[0]


def test_percent_event_raises_only_its_scope_and_period(baseline, attributes):
    promo = event(
        scope=Scope({"StoreType": ("a",)}),
        start=WEEKS[1].date(),
        end=(WEEKS[1] + pd.Timedelta(days=6)).date(),
    )
    plan = apply_events(baseline, attributes, [promo], "StoreType", FREQ)
    assert cell(plan, "1", WEEKS[1])["system_plan"] == pytest.approx(110.0)
    assert cell(plan, "1", WEEKS[1])["events"] == "E1"
    assert cell(plan, "1", WEEKS[1])["deviation_pct"] == pytest.approx(10.0)
    assert cell(plan, "1", WEEKS[0])["system_plan"] == pytest.approx(100.0)
    assert cell(plan, "3", WEEKS[1])["system_plan"] == pytest.approx(100.0)
    assert cell(plan, "3", WEEKS[1])["events"] == ""


def test_combination_rule_set_then_percent_then_add_then_lowest_cap(baseline, attributes):
    events = [
        event("E1", "set", 50.0),
        event("E2", "set", 80.0),  # added last: wins over E1
        event("E3", "percent", 10.0),
        event("E4", "percent", 20.0),
        event("E5", "add", 5.0),
        event("E6", "cap", 200.0),
        event("E7", "cap", 100.0),
    ]
    plan = apply_events(baseline, attributes, events, "StoreType", FREQ)
    expected = min(80.0 * 1.1 * 1.2 + 5.0, 100.0)
    assert plan["system_plan"].to_numpy() == pytest.approx(np.full(16, expected))
    assert set(plan["events"]) == {"E1,E2,E3,E4,E5,E6,E7"}
    assert "set" in COMBINATION_RULE and "lowest cap" in COMBINATION_RULE


def test_combination_does_not_depend_on_the_order_of_different_effects(baseline, attributes):
    a = [event("E1", "cap", 90.0), event("E2", "add", 30.0), event("E3", "percent", 50.0)]
    b = list(reversed(a))
    plan_a = apply_events(baseline, attributes, a, None, FREQ)
    plan_b = apply_events(baseline, attributes, b, None, FREQ)
    assert plan_a["system_plan"].tolist() == plan_b["system_plan"].tolist()
    assert plan_a["system_plan"].iloc[0] == pytest.approx(90.0)


def test_scope_selectors_are_anded_and_values_ored(attributes):
    scope = Scope.parse(["StoreType=a,b", "Assortment=c"])
    assert scope.series_ids(attributes) == ["2", "3"]
    assert Scope.parse([], "1,4").series_ids(attributes) == ["1", "4"]
    assert Scope().series_ids(attributes) == ["1", "2", "3", "4"]


def test_negative_additions_never_make_the_plan_negative(baseline, attributes):
    plan = apply_events(baseline, attributes, [event("E1", "add", -500.0)], None, FREQ)
    assert (plan["system_plan"] == 0).all()
    assert np.allclose(plan["deviation_pct"], -100.0)


def test_team_and_total_aggregates_sum_the_series(baseline, attributes):
    promo = event(scope=Scope({"StoreType": ("a",)}), value=50.0)
    plan = apply_events(baseline, attributes, [promo], "StoreType", FREQ)
    teams = aggregate(plan, "team")
    team_a = teams.loc[(teams["team"] == "a") & (teams["ds"] == WEEKS[0])].iloc[0]
    assert team_a["baseline"] == pytest.approx(200.0)
    assert team_a["system_plan"] == pytest.approx(300.0)
    assert team_a["deviation_pct"] == pytest.approx(50.0)
    assert team_a["events"] == "E1"
    total = aggregate(plan, "total")
    assert total["system_plan"].iloc[0] == pytest.approx(500.0)
    assert total["deviation_pct"].iloc[0] == pytest.approx(25.0)


def test_a_team_cell_names_each_event_of_its_series_once_in_the_order_they_first_appear(
    baseline, attributes
):
    """Overlapping events: a team's (and the total's) cell names every event that touched one of
    its series-periods, each once, in the order the series' labels name them first."""
    week = {"start": WEEKS[0].date(), "end": (WEEKS[1] + pd.Timedelta(days=6)).date()}
    events = [
        event("E1", scope=Scope(ids=("2",)), **week),  # series 2 only
        event("E2", scope=Scope(ids=("1", "2")), start=WEEKS[1].date(), end=week["end"]),
        event("E3", scope=Scope({"StoreType": ("b",)}), **week),
    ]
    plan = apply_events(baseline, attributes, events, "StoreType", FREQ)
    assert cell(plan, "1", WEEKS[1])["events"] == "E2"
    assert cell(plan, "2", WEEKS[1])["events"] == "E1,E2"
    teams = aggregate(plan, "team")
    labels = teams.set_index(["team", "ds"])["events"].to_dict()
    assert labels[("a", WEEKS[0])] == "E1"
    # series 1 comes first and names E2 only; series 2 adds E1
    assert labels[("a", WEEKS[1])] == "E2,E1"
    assert labels[("b", WEEKS[1])] == "E3"
    assert labels[("c", WEEKS[1])] == "" and labels[("a", WEEKS[2])] == ""
    total = aggregate(plan, "total")
    assert total["events"].tolist() == ["E1,E3", "E2,E1,E3", "", ""]


def test_team_cells_of_labels_given_as_text_join_them_the_same_way():
    """A system plan whose labels are plain text (not categories), one of them missing: read as
    'nan', which ``cell_event_ids`` leaves out."""
    plan = pd.DataFrame(
        {
            "unique_id": ["1", "2", "3", "1", "2", "3"],
            "ds": [WEEKS[0]] * 3 + [WEEKS[1]] * 3,
            "team": ["a", "a", "b", "a", "a", "b"],
            "baseline": [100.0] * 6,
            "adjustment": [10.0, 0.0, 0.0, 5.0, 5.0, 0.0],
            "system_plan": [110.0, 100.0, 100.0, 105.0, 105.0, 100.0],
            "deviation_pct": [10.0, 0.0, 0.0, 5.0, 5.0, 0.0],
            # "E4,E2" comes first in the frame, but after "E5" in team a's second week
            "events": ["E4,E2", "", None, "E5", "E4,E2", ""],
        }
    )
    teams = aggregate(plan, "team")
    assert teams["events"].tolist() == ["E4,E2", "E5,E4,E2", "nan", ""]
    assert teams["adjustment"].tolist() == [10.0, 10.0, 0.0, 0.0]
    assert aggregate(plan, "total")["events"].tolist() == ["E4,E2,nan", "E5,E4,E2"]


def test_gate_marks_series_and_team_cells_above_threshold(baseline, attributes):
    events = [
        event(
            "E1",
            "percent",
            30.0,
            scope=Scope(ids=("1",)),
            start=WEEKS[0].date(),
            end=(WEEKS[0] + pd.Timedelta(days=6)).date(),
        ),
        event(
            "E2",
            "percent",
            10.0,
            scope=Scope(ids=("3",)),
            start=WEEKS[0].date(),
            end=(WEEKS[0] + pd.Timedelta(days=6)).date(),
        ),
    ]
    plan = apply_events(baseline, attributes, events, "StoreType", FREQ)
    marked = deviations(plan, 0.2)
    cells = {(r.level, r.key) for r in marked.itertuples()}
    # series 1 +30 % is marked; its team a is +15 %: not marked; series 3 +10 %: not marked
    assert cells == {("series", "1")}
    marked_low = deviations(plan, 0.05)
    assert {(r.level, r.key) for r in marked_low.itertuples()} == {
        ("series", "1"),
        ("series", "3"),
        ("team", "a"),
        ("team", "b"),
    }


def test_explanations_clear_exactly_their_cell(baseline, attributes):
    events = [event("E1", "percent", 30.0, scope=Scope(ids=("1", "2")))]
    plan = apply_events(baseline, attributes, events, "StoreType", FREQ)
    marked = deviations(plan, 0.2)
    assert len(unexplained(marked, [], events)) == len(marked) == 4 * 2 + 4  # two series + team a
    why = Explanation(
        "series", "1", WEEKS[0].date(), "promotion", "flyer", "ann", deviation_pct=30.0,
        events=(("E1", event_fingerprint(events[0])),),
    )  # fmt: skip
    left = unexplained(marked, [why], events)
    assert len(left) == len(marked) - 1
    assert not ((left["key"] == "1") & (left["ds"] == WEEKS[0])).any()


def test_an_explanation_no_longer_covers_a_changed_deviation(baseline, attributes):
    was = event("E1", "percent", 30.0, scope=Scope(ids=("1",)))
    why = Explanation(
        "series", "1", WEEKS[0].date(), "promotion", "flyer", "ann", deviation_pct=30.0,
        events=(("E1", event_fingerprint(was)),),
    )  # fmt: skip
    bigger = [event("E1", "percent", 80.0, scope=Scope(ids=("1",)))]
    annotated = mark_explained(
        deviations(apply_events(baseline, attributes, bigger, None, FREQ), 0.2), [why], bigger
    )
    first = annotated.loc[(annotated["key"] == "1") & (annotated["ds"] == WEEKS[0])].iloc[0]
    assert not first["explained"] and first["outdated"]
    assert first["why_outdated"] == "E1 changed since it was explained"


def test_zero_baseline_with_new_volume_counts_as_a_deviation(attributes):
    base = pd.DataFrame({"unique_id": ["1"], "ds": [WEEKS[0]], "baseline": [0.0]})
    plan = apply_events(base, attributes, [event("E1", "add", 10.0)], None, FREQ)
    assert np.isinf(plan["deviation_pct"].iloc[0])
    assert len(deviations(plan, 0.2)) == 2  # the series and its team


def _first_cell(baseline, attributes, events, explanations, **kw) -> pd.Series:
    marked = deviations(apply_events(baseline, attributes, events, None, FREQ), 0.2)
    annotated = mark_explained(marked, explanations, events, **kw)
    return annotated.loc[(annotated["key"] == "1") & (annotated["ds"] == WEEKS[0])].iloc[0]


def _explained_for(events, deviation_pct=-25.0, amount=-25.0) -> Explanation:
    return Explanation(
        "series", "1", WEEKS[0].date(), "supply", "supplier allocation cut 25%", "piet",
        deviation_pct=deviation_pct, amount=amount,
        events=tuple((e.event_id, event_fingerprint(e)) for e in events),
    )  # fmt: skip


def test_an_explanation_holds_for_its_events_not_for_another_that_does_the_same(
    baseline, attributes
):
    cut = event("E2", "percent", -25.0, name="Supplier allocation", kind="purchase_limit")
    why = _explained_for([cut])
    assert _first_cell(baseline, attributes, [cut], [why])["explained"]
    # the same effect, scope and dates, but another event: someone else's reason
    fire = event("E4", "percent", -25.0, name="Store fire closures", kind="other")
    first = _first_cell(baseline, attributes, [fire], [why])
    assert not first["explained"] and first["outdated"]
    assert first["why_outdated"] == "explained for E2, now E4"
    joined = _first_cell(baseline, attributes, [cut, event("E5", "percent", 0.0)], [why])
    assert joined["why_outdated"] == "explained for E2, now E2, E5"


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "Store fire closures"},
        {"kind": "other"},
        {"end": (WEEKS[0] + pd.Timedelta(days=6)).date()},  # the cell's week still whole
    ],
)
def test_renaming_an_event_or_changing_its_kind_or_dates_outdates_its_explanations(
    baseline, attributes, changes
):
    kw = {"name": "Supplier allocation", "kind": "purchase_limit"} | changes
    cut = event("E2", "percent", -25.0, name="Supplier allocation", kind="purchase_limit")
    changed = event("E2", "percent", -25.0, **kw)
    first = _first_cell(baseline, attributes, [changed], [_explained_for([cut])])
    assert not first["explained"] and first["why_outdated"] == "E2 changed since it was explained"


def test_an_events_reason_note_is_not_what_its_explanations_hold_to(baseline, attributes):
    cut = event("E2", "percent", -25.0, reason="allocation cut")
    noted = event("E2", "percent", -25.0, reason="allocation cut, confirmed by mail")
    assert _first_cell(baseline, attributes, [noted], [_explained_for([cut])])["explained"]


def test_a_new_volume_cell_stays_explained_only_for_its_amount(attributes):
    base = pd.DataFrame({"unique_id": ["1"], "ds": [WEEKS[0]], "baseline": [0.0]})
    opening = event("E1", "set", 50.0)
    why = _explained_for([opening], deviation_pct=None, amount=50.0)
    assert _first_cell(base, attributes, [opening], [why])["explained"]
    bigger = event("E1", "set", 90000.0)
    # a set value is part of what the event does; the same event at the new amount is compared
    # by the amount, not by the infinite percentage
    same_events = replace(why, events=(("E1", event_fingerprint(bigger)),))
    first = _first_cell(base, attributes, [bigger], [same_events])
    assert not first["explained"]
    assert first["why_outdated"] == "new volume 50 when explained, now 90,000"
    nudged = event("E1", "set", 50.1)  # within half a percent of the amount
    kept = replace(why, events=(("E1", event_fingerprint(nudged)),))
    assert _first_cell(base, attributes, [nudged], [kept])["explained"]


def test_a_new_volume_cells_amounts_are_said_in_the_plans_currency(attributes):
    base = pd.DataFrame({"unique_id": ["1"], "ds": [WEEKS[0]], "baseline": [0.0]})
    opening = event("E1", "set", 50.0)
    bigger = event("E1", "set", 90000.5)
    why = _explained_for([opening], deviation_pct=None, amount=50.0)
    same_events = replace(why, events=(("E1", event_fingerprint(bigger)),))
    first = _first_cell(base, attributes, [bigger], [same_events], currency="USD")
    assert first["why_outdated"] == "new volume $50 when explained, now $90,000.50"


def test_an_explanation_stored_before_events_were_kept_is_outdated_until_the_plan_is_locked(
    baseline, attributes
):
    cut = event("E2", "percent", -25.0)
    legacy = replace(_explained_for([cut]), events=None, amount=None)
    assert Explanation.from_dict({k: v for k, v in legacy.to_dict().items() if k not in (
        "events", "amount")}) == legacy  # fmt: skip
    first = _first_cell(baseline, attributes, [cut], [legacy])
    assert not first["explained"] and "explain it again" in first["why_outdated"]
    # a published plan's events can no longer change: the old rule (the deviation) holds
    assert _first_cell(baseline, attributes, [cut], [legacy], legacy_holds=True)["explained"]


def test_a_whole_period_event_that_no_longer_takes_its_offer_is_not_said_to_be_old():
    from forecast.overrides import PERIODS, partly_covered_text

    one_day = {"start": WEEKS[0].date(), "end": WEEKS[0].date(), "counts": PERIODS}
    offer = {"effect": "percent", "value": 3.2}
    legacy = event("E1", "percent", 4.8, created_at="2026-11-30T10:00:00+00:00", **one_day)
    assert "saved before days were counted" in (partly_covered_text(legacy, WEEKS, FREQ) or "")
    moved = event(
        "E7", "percent", 4.8, created_at="2026-12-06T10:00:00+00:00", suggested=offer, **one_day
    )
    said = partly_covered_text(moved, WEEKS, FREQ) or ""
    assert "saved before days were counted" not in said
    assert "it took the suggestion for other dates" in said


@pytest.mark.parametrize(
    ("changes", "error", "words"),
    [
        ({"name": "  "}, EventError, "needs a name"),
        ({"kind": "party"}, EventError, "festival"),
        ({"effect": "cap", "value": -1.0}, EffectError, "cap must be 0 or more"),
        ({"effect": "percent", "value": -150.0}, EffectError, "below -100"),
        ({"start": date(2024, 1, 20), "end": date(2024, 1, 10)}, PeriodError, "before it starts"),
        (
            {"start": date(2023, 12, 1), "end": date(2024, 1, 10)},
            PeriodError,
            "outside the plan's horizon",
        ),
        ({"end": date(2024, 3, 1)}, PeriodError, "outside"),
        ({"scope": Scope({"Region": ("x",)})}, UnknownScope, "StoreType, Assortment"),
        ({"scope": Scope({"StoreType": ("z",)})}, UnknownScope, "valid values: a, b, c"),
        ({"scope": Scope(ids=("99",))}, UnknownScope, "unknown series 99"),
        (
            {"scope": Scope({"StoreType": ("c",), "Assortment": ("c",)})},
            UnknownScope,
            "matches no series",
        ),
    ],
)
def test_bad_events_are_refused_with_a_clear_message(attributes, changes, error, words):
    bad = event(**changes)
    with pytest.raises(error, match=words):
        validate_event(bad, attributes, WEEKS, FREQ)


def test_bad_explanations_are_refused():
    with pytest.raises(ExplanationError, match="unknown reason code"):
        Explanation("series", "1", "2024-01-05", "because", "x", "ann").check()
    with pytest.raises(ExplanationError, match="needs a text"):
        Explanation("series", "1", "2024-01-05", "promotion", " ", "ann").check()


def test_an_explanation_read_from_a_stored_dict_is_the_one_its_fields_make():
    """What a stored explanation reads as is what the constructor makes of the same fields:
    the key as text, the day as a date, the amount as a float, the events as text pairs."""
    written = Explanation(
        "series", "1", date(2024, 1, 5), "promotion", "flyer", "ann", "2024-01-02T10:00:00Z",
        35.0, 35.5, (("E1", "f1"), ("E2", "f2")),
    )  # fmt: skip
    assert Explanation.from_dict(written.to_dict()) == written
    stored = {
        "level": "team",
        "key": 7,
        "ds": "2024-01-05T00:00:00",
        "reason_code": "festival",
        "text": "fair",
        "author": "ann",
        "amount": 12,
        "events": [["E3", 123]],
    }
    read = Explanation.from_dict(stored)
    assert read == Explanation(
        "team", "7", date(2024, 1, 5), "festival", "fair", "ann", amount=12.0, events={"E3": 123}
    )
    assert (read.key, read.ds, read.amount, read.events) == ("7", date(2024, 1, 5), 12.0,
                                                             (("E3", "123"),))  # fmt: skip
    assert read.at is None and read.deviation_pct is None
    assert Explanation.from_dict(stored | {"events": None}).events is None
    assert Explanation.cell_of(stored) == read.cell == ("team", "7", date(2024, 1, 5))
    with pytest.raises(PeriodError, match="date 'soon' is not a date"):
        Explanation.from_dict(stored | {"ds": "soon"})
    with pytest.raises(PeriodError):  # the same text again: still refused
        Explanation.from_dict(stored | {"ds": "soon"})
    with pytest.raises(ExplanationError, match="lacks its reason_code"):
        Explanation.from_dict({k: v for k, v in stored.items() if k != "reason_code"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.text = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("ds", ["2" * 100_000, ["2024-01-05"] * 20_000])
def test_a_long_stored_date_is_refused_quoting_only_its_start(ds: object) -> None:
    # A damaged bundle's date of megabytes is refused in a line a person can read, not echoed
    # whole into the refusal (and the page or log that shows it).
    stored = {"level": "series", "key": "1", "ds": ds, "reason_code": "promotion"}
    with pytest.raises(PeriodError, match="is not a date; use YYYY-MM-DD") as refused:
        Explanation.imported(stored | {"text": "flyer", "author": "ann"})
    assert len(str(refused.value)) < 200
    assert str(refused.value).startswith(f"date {repr(ds)[:20]}")


_MISSING = object()
_STORED = {
    "level": "series",
    "key": "1",
    "ds": "2024-01-05",
    "reason_code": "promotion",
    "text": "flyer",
    "author": "ann",
}
# Fields an older import let into a plan, or a later program no longer accepts; and the words a
# bundle holding one is refused in.
_DAMAGED_FIELDS = [
    ({"reason_code": "because"}, "unknown reason code 'because'"),
    ({"level": "store"}, "level must be one of series, team, got 'store'"),
    ({"text": " "}, "needs a text"),
    ({"author": ""}, "needs an author"),
    ({"text": 42}, "a stored explanation's text must be text, not a number"),
    ({"text": ["flyer"]}, "a stored explanation's text must be text, not a list"),
    ({"at": ["yesterday"]}, "a stored explanation's time must be text, not a list"),
    ({"amount": "lots"}, "a stored explanation's amount must be a number, not text"),
    ({"deviation_pct": True}, "explanation's deviation must be a number, not true or false"),
    (
        {"events": "abc"},
        "a stored explanation's events must be a record of event ids and their fingerprints, "
        "not text",
    ),
    ({"events": 5}, "explanation's events must be a record of event ids and their fingerprints"),
    (
        {"events": [["E1", "f1"], ["E2"]]},
        "a stored explanation's events must be pairs of an event id and its fingerprint; its "
        "event 2 is a list of 1",
    ),
    ({"events": ["E1"]}, "must be pairs of an event id and its fingerprint; its event 1 is text"),
]
_MISSING_FIELDS = [
    ({"reason_code": _MISSING}, "a stored explanation lacks its reason_code"),
    ({"ds": _MISSING, "key": _MISSING}, "a stored explanation lacks its key, ds"),
]


def _damaged(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (_STORED | changes).items() if v is not _MISSING}


@pytest.mark.parametrize(("changes", "words"), _DAMAGED_FIELDS + _MISSING_FIELDS)
def test_an_imported_explanation_with_bad_fields_is_refused_as_one_written_so_would_be(
    changes, words
):
    """An explanation a bundle brings is held to the rules one written here is (`check`), and
    fields of another kind are refused in words, not let through to fail where a page shows
    them."""
    with pytest.raises(ExplanationError, match=re.escape(words)):
        Explanation.imported(_damaged(changes))
    assert Explanation.imported(_STORED) == Explanation.from_dict(_STORED)


@pytest.mark.parametrize(("changes", "words"), _DAMAGED_FIELDS)
def test_a_plan_s_own_explanation_with_bad_fields_is_still_read(changes, words):
    """An explanation already in a plan (an older import let it in, or a reason code was
    dropped since) is read, so the plan's gate, publishing and explaining the cell again (which
    replaces it) still work: its cell as it was, text fields as text, a number that is none as
    None, events that are no pairs of id and fingerprint as None (it cannot say whom it was
    for, so the gate asks for it to be written again)."""
    read = Explanation.from_dict(_damaged(changes))
    assert read.cell == (changes.get("level", "series"), "1", date(2024, 1, 5))
    assert all(isinstance(v, str) for v in (read.level, read.reason_code, read.text, read.author))
    assert read.at is None or isinstance(read.at, str)
    assert read.amount is None and read.deviation_pct is None
    assert read.events is None
    for name in ("level", "reason_code", "text", "author"):
        if isinstance(changes.get(name), str):
            assert getattr(read, name) == changes[name]  # kept as it is, for the gate to show


@pytest.mark.parametrize(("changes", "words"), _MISSING_FIELDS)
def test_a_stored_explanation_without_its_cell_or_reason_is_refused_in_words(changes, words):
    with pytest.raises(ExplanationError, match=re.escape(words)):
        Explanation.from_dict(_damaged(changes))


def test_event_round_trips_through_its_dict():
    original = event(
        scope=Scope.parse(["StoreType=a"], "1,2"),
        suggested={"effect": "percent", "value": 12.5, "low": 5.0, "high": 20.0},
        reason="flyer",
        author="ann",
    )
    assert Event.from_dict(original.to_dict()) == original


def test_weekly_periods_cover_the_whole_week():
    periods = horizon_periods(WEEKS, FREQ)
    assert periods["end"].iloc[0] == pd.Timestamp("2024-01-11")
    # a one-day event in the middle of the first week touches that week only
    one_day = event(start=date(2024, 1, 8), end=date(2024, 1, 8))
    base = pd.DataFrame({"unique_id": "1", "ds": WEEKS, "baseline": 100.0})
    attrs = pd.DataFrame({"unique_id": ["1"]})
    plan = apply_events(base, attrs, [one_day], None, FREQ)
    assert plan["events"].tolist() == ["E1", "", "", ""]


def test_apply_events_is_correct_at_ten_thousand_series_by_52_periods():
    n_series, n_periods = 10_000, 52
    rng = np.random.default_rng(7)
    ids = np.array([f"s{i:05d}" for i in range(n_series)])
    weeks = pd.date_range("2025-01-03", periods=n_periods, freq="W-FRI")
    base_values = rng.uniform(0, 1000, size=(n_series, n_periods))
    base = pd.DataFrame(
        {
            "unique_id": np.repeat(ids, n_periods),
            "ds": np.tile(weeks, n_series),
            "baseline": base_values.reshape(-1),
        }
    )
    region = np.array(["north", "south", "east", "west"])[np.arange(n_series) % 4]
    category = np.array(["food", "drugs", "home"])[np.arange(n_series) % 3]
    attrs = pd.DataFrame({"unique_id": ids, "Region": region, "Category": category})
    events = [
        event(
            "E1",
            "percent",
            20.0,
            scope=Scope({"Region": ("north",)}),
            start=weeks[10].date(),
            end=(weeks[20] + pd.Timedelta(days=6)).date(),
        ),
        event(
            "E2",
            "add",
            50.0,
            scope=Scope({"Category": ("food",)}),
            start=weeks[15].date(),
            end=(weeks[30] + pd.Timedelta(days=6)).date(),
        ),
        event(
            "E3",
            "cap",
            300.0,
            scope=Scope({"Region": ("north", "south"), "Category": ("food",)}),
            start=weeks[0].date(),
            end=(weeks[51] + pd.Timedelta(days=6)).date(),
        ),
        event(
            "E4",
            "set",
            0.0,
            scope=Scope(ids=tuple(ids[:100])),
            start=weeks[40].date(),
            end=(weeks[41] + pd.Timedelta(days=6)).date(),
        ),
    ]
    plan = apply_events(base, attrs, events, "Region", FREQ)
    assert len(plan) == n_series * n_periods

    # The same rule, written as a plain double loop over a sample of cells.
    sample = rng.choice(n_series, size=300, replace=False)
    result = plan["system_plan"].to_numpy().reshape(n_series, n_periods)
    for s in sample:
        for p in range(n_periods):
            value = base_values[s, p]
            if s < 100 and p in (40, 41):
                value = 0.0
            if region[s] == "north" and 10 <= p <= 20:
                value *= 1.2
            if category[s] == "food" and 15 <= p <= 30:
                value += 50.0
            value = max(value, 0.0)
            if region[s] in ("north", "south") and category[s] == "food":
                value = min(value, 300.0)
            assert result[s, p] == pytest.approx(value), (s, p)
    labels = plan["events"].to_numpy().reshape(n_series, n_periods)
    assert labels[0, 15] == "E1,E2,E3"  # s00000: north, food
    assert labels[1, 0] == ""  # s00001: south, drugs
    assert labels[0, 40] == "E3,E4"


# -- property: the vectorised rule equals a cell-by-cell reading of COMBINATION_RULE -------------


SERIES = ["1", "2", "3", "4"]


def reference_value(base: float, uid: str, ds: pd.Timestamp, events: list[Event]) -> float:
    """The combination rule for one cell, written out: each event counts in the share of the
    week's 7 days it covers."""

    def share(e: Event) -> float:
        first, last = max(pd.Timestamp(e.start), ds), min(pd.Timestamp(e.end), ds + WEEK_END)
        return max((last - first).days + 1, 0) / 7

    hits = [
        (e, share(e))
        for e in events
        if uid in e.scope.series_ids(pd.DataFrame({"unique_id": SERIES})) and share(e) > 0
    ]
    value = base
    for e, s in hits:
        if e.effect == "set":
            value = s * e.value + (1 - s) * base  # the last one added wins, for its days
    for e, s in hits:
        if e.effect == "percent":
            value *= 1 + s * e.value / 100
    value += sum(s * e.value for e, s in hits if e.effect == "add")
    value = max(value, 0.0)
    caps = [(e.value, s) for e, s in hits if e.effect == "cap"]
    if caps:
        cap, s = min(caps, key=lambda c: c[0])  # the lowest cap (the first of equal ones)
        value = s * min(value, cap) + (1 - s) * value
    return value


WEEK_END = pd.Timedelta(days=6)


event_strategy = st.builds(
    lambda i, effect, value, ids, start, length: event(
        f"E{i}",
        effect,
        value if effect in ("percent", "add") else abs(value),
        scope=Scope(ids=tuple(ids)),
        start=(WEEKS[0] + pd.Timedelta(days=start)).date(),
        end=(WEEKS[0] + pd.Timedelta(days=start + length)).date(),
    ),
    st.integers(0, 999),
    st.sampled_from(["percent", "add", "cap", "set"]),
    st.floats(-90, 300, allow_nan=False),
    st.lists(st.sampled_from(SERIES), min_size=0, max_size=4, unique=True),
    st.integers(0, 27),
    st.integers(0, 10),
)


@settings(max_examples=60, deadline=None)
@given(
    events=st.lists(event_strategy, max_size=6),
    bases=st.lists(st.floats(0, 1000), min_size=16, max_size=16),
)
def test_vectorised_rule_matches_the_cell_by_cell_reference(events, bases):
    baseline = pd.DataFrame(
        {
            "unique_id": np.repeat(SERIES, 4),
            "ds": np.tile(WEEKS, 4),
            "baseline": bases,
        }
    )
    attrs = pd.DataFrame({"unique_id": SERIES})
    plan = apply_events(baseline, attrs, events, None, FREQ)
    for row in plan.itertuples(index=False):
        expected = reference_value(row.baseline, row.unique_id, row.ds, events)
        assert row.system_plan == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert row.system_plan >= 0


def test_repeated_event_ids_still_label_cells(baseline, attributes):
    events = [event("E1", "percent", 10.0), event("E1", "add", 1.0, scope=Scope(ids=("1",)))]
    plan = apply_events(baseline, attributes, events, None, FREQ)
    assert set(plan["events"].astype(str)) == {"E1"}


def test_an_events_suggestion_is_read_back_with_its_known_keys_and_numbers_only():
    event = {
        "event_id": "E1",
        "name": "Flyer",
        "kind": "promotion",
        "scope": {},
        "start": "2025-01-06",
        "end": "2025-01-12",
        "effect": "percent",
        "value": 15.2,
    }
    offer = {"effect": "percent", "value": "30.3", "low": 22.4, "high": 48.1, "flag": "Promo",
             "n_series": 49, "in_baseline": 0.5, "net_value": 15.2, "script": "<x>" * 1000}  # fmt: skip
    read = Event.from_dict(event | {"suggested": offer}).suggested
    assert read == {"effect": "percent", "value": 30.3, "low": 22.4, "high": 48.1,
                    "flag": "Promo", "n_series": 49, "in_baseline": 0.5, "net_value": 15.2}  # fmt: skip
    assert Event.from_dict(event | {"suggested": None}).suggested is None
    for garbage in ({"value": "thirty"}, {"net_value": [1]}, "text", [1, 2]):
        with pytest.raises((ValueError, TypeError)):
            Event.from_dict(event | {"suggested": garbage})


def test_a_scope_without_attribute_and_value_says_how_to_mean_every_series() -> None:
    with pytest.raises(UnknownScope, match="no scope at all means every series"):
        Scope.parse(["everything"])


def test_every_series_is_typed_the_same_way_in_the_cli_the_page_and_the_events_sheet():
    # `plan event list` and the events sheet write "all series"; the page's box shows "all"
    from dashboard.system.forms import parse_scope_text
    from forecast.services.exports import scope_of_words

    for words in ("all", "all series", "All Series", " all  series "):
        assert Scope.parse([words]) == Scope()
        assert parse_scope_text(words) == Scope()
        assert scope_of_words(words) == Scope()
    assert Scope.parse(["all", "StoreType=a"]) == Scope.parse(["StoreType=a"])
    with pytest.raises(UnknownScope):
        Scope.parse(["all stores"])


def _labelled(events: list[str], dtype: Any) -> pd.DataFrame:
    """A system plan of team a's two series over one week whose labels are `events` in `dtype`."""
    n = len(events)
    return pd.DataFrame(
        {
            "unique_id": [str(i) for i in range(n)],
            "ds": [WEEKS[0]] * n,
            "team": ["a"] * n,
            "baseline": [100.0] * n,
            "adjustment": [0.0] * n,
            "system_plan": [100.0] * n,
            "deviation_pct": [0.0] * n,
            "events": pd.Series(events, dtype=dtype),
        }
    )


@pytest.mark.parametrize(
    ("labels", "dtype", "joined_dtype"),
    [
        (["E1", "E1"], "category", "category"),  # "E1" is a category: kept as one
        (["E1", "E2"], "category", "str"),  # "E1,E2" is none of them: text
        (["E1", "E2"], "str", "str"),
        (["E1", "E2"], "string", "string"),
        (["E1", "E2"], object, "str"),
        ([], "category", "category"),
        ([], "str", "str"),
        ([], "string", "string"),
        ([], object, "object"),
    ],
)
def test_joined_labels_keep_the_column_dtype_where_they_can(labels, dtype, joined_dtype):
    """The team cells' labels come out as ``groupby.agg`` would give them: in the column's own
    dtype where it holds them (a categorical only where every joined label is a category), else
    as text; an empty plan keeps the column's dtype."""
    teams = aggregate(_labelled(labels, dtype), "team")
    assert str(teams["events"].dtype) == joined_dtype
    assert teams["events"].tolist() == ([",".join(dict.fromkeys(labels))] if labels else [])


def test_a_relative_date_word_is_refused_and_never_kept_in_the_date_cache():
    """A plan's dates are days: "today" or "now" (which pandas reads as the moment it reads
    them) would move the plan with the clock, and a long-running server that kept them would
    keep the day it first read them. A time alone ("12:00") is dated today by pandas too."""
    from forecast import overrides

    before = overrides._date_of_text.cache_info().currsize
    for word in ("today", "now", " now "):
        with pytest.raises(PeriodError, match="is not a date but the moment it is read"):
            overrides._as_date(word, "start")
    with pytest.raises(PeriodError, match="'12:00' is not a date; use YYYY-MM-DD"):
        overrides._as_date("12:00", "start")
    assert overrides._date_of_text.cache_info().currsize == before
    assert overrides._as_date("2024-01-31", "start") == date(2024, 1, 31)
