"""Free text a person sets is bounded where it enters (the services): notes, reasons and
explanations a few thousand characters, names ~200; over-long text is refused naming the field,
the limit and the length, and nothing is written. File names are cut to a short base name."""

from __future__ import annotations

from datetime import date

import pytest
from test_services_negotiation import team_plan

from forecast.bounds import MAX_FILENAME_CHARS, MAX_NAME_CHARS, MAX_TEXT_CHARS, base_filename
from forecast.overrides import Scope
from forecast.services import actuals, plan_archive, plan_frames, plans, system
from forecast.services import negotiation as nego
from forecast.services.errors import Invalid
from forecast.store import MemoryStore

HUGE = "x" * 2_000_000


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def plan(store: MemoryStore) -> str:
    return team_plan(store, "texts", {"a": "lara"})


def first_week(store: MemoryStore, plan: str) -> date:
    return plan_frames.load_blob_frame(store, plan, "baseline")["ds"].min().date()


def assert_refused_unchanged(store, plan, call, field: str, limit: int, length: int) -> None:
    before, audited = plans.get_plan(store, plan).version, len(plans.audit_log(store, plan))
    with pytest.raises(Invalid) as refused:
        call()
    said = str(refused.value)
    assert field in said and f"at most {limit:,} characters" in said and f"{length:,}" in said
    assert plans.get_plan(store, plan).version == before
    assert len(plans.audit_log(store, plan)) == audited


def test_a_claim_note_of_megabytes_is_refused_and_no_claim_is_made(store, plan):
    nego.set_goal(store, plan, "olga", ratio="1.1")

    assert_refused_unchanged(
        store,
        plan,
        lambda: nego.claim(store, plan, "lara", "a", amount="100", note=HUGE),
        "a claim's note",
        MAX_TEXT_CHARS,
        len(HUGE),
    )
    assert not nego.negotiation_of(plans.get_plan(store, plan)).claims  # type: ignore[union-attr]


def test_a_claim_note_at_the_limit_is_kept(store, plan):
    nego.set_goal(store, plan, "olga", ratio="1.1")

    nego.claim(store, plan, "lara", "a", amount="100", note="n" * MAX_TEXT_CHARS)

    claim = nego.negotiation_of(plans.get_plan(store, plan)).claims["a"]  # type: ignore[union-attr]
    assert len(claim.note) == MAX_TEXT_CHARS


@pytest.mark.parametrize(
    ("field", "name", "reason", "limit"),
    [
        ("an event's reason", "promo", HUGE, MAX_TEXT_CHARS),
        ("an event's name", "n" * (MAX_NAME_CHARS + 1), "", MAX_NAME_CHARS),
    ],
)
def test_an_event_with_an_over_long_reason_or_name_is_refused(
    store, plan, field, name, reason, limit
):
    week = first_week(store, plan)

    assert_refused_unchanged(
        store,
        plan,
        lambda: system.add_event(
            store,
            plan,
            "olga",
            name=name,
            kind="promotion",
            scope=Scope(ids=("a0",)),
            start=week,
            end=week,
            effect="percent",
            value=10,
            reason=reason,
        ),
        field,
        limit,
        len(reason or name),
    )
    assert system.list_events(store, plan) == []


def test_an_over_long_explanation_or_archive_reason_is_refused(store, plan):
    assert_refused_unchanged(
        store,
        plan,
        lambda: system.explain(
            store, plan, "olga", reason_code="promotion", text=HUGE, event_id="e1"
        ),
        "an explanation",
        MAX_TEXT_CHARS,
        len(HUGE),
    )
    assert_refused_unchanged(
        store,
        plan,
        lambda: plan_archive.archive(store, plan, "olga", reason=HUGE),
        "the reason to archive a plan",
        MAX_TEXT_CHARS,
        len(HUGE),
    )
    assert not plans.get_plan(store, plan).archived


def test_an_actuals_file_name_is_kept_as_a_short_base_name(store, plan):
    baseline = plan_frames.load_blob_frame(store, plan, "baseline")
    rows = baseline[["unique_id", "ds", "baseline"]].rename(columns={"baseline": "y"})
    long_name = "C:\\Users\\olga\\" + "a" * 3_000_000 + ".csv"

    upload = actuals.upload_actuals(
        store, plan, rows.to_csv(index=False).encode(), filename=long_name, actor="olga"
    )

    kept = store.actuals_versions(plan)[-1].filename
    assert kept == upload.version.filename
    assert len(kept) == MAX_FILENAME_CHARS and kept.endswith(".csv") and "\\" not in kept


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\data\\sales.csv", "sales.csv"),
        ("sales\x00\n.csv", "sales.csv"),
        ("", "fallback"),
        ("/", "fallback"),
    ],
)
def test_file_names_lose_their_folders_and_control_characters(given, kept):
    assert base_filename(given, "fallback") == kept
