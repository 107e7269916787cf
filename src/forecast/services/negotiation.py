"""Use cases of the negotiation track: goal, claims, round, assignment, lock, ledger, spread.

The negotiation lives in ``PlanState.negotiation`` as ``forecast.negotiation.Negotiation.to_dict()``
and every change goes through ``services.plans.change_plan`` (role, optimistic lock, one audit row
with before/after, one transaction). Amounts cross this boundary in currency units (``Decimal`` or
str/float, converted once to int minor units); frames carry both currency floats for display and
``*_minor`` ints for exact sums.

The negotiation runs on a draft or a published plan (publishing freezes the system track only);
locking agrees the plan: its status becomes ``agreed`` and nothing in it changes any more.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast import accuracy, overrides, schema
from forecast import negotiation as domain
from forecast.bounds import UNNAMED_FILE
from forecast.engine.stretch import apply_calibration
from forecast.money import format_minor as _format_minor
from forecast.money import format_percent, minute_utc
from forecast.money import quantum as currency_quantum
from forecast.negotiation import Actor, Negotiation, NegotiationError, from_minor, to_minor
from forecast.plan import AGREED, PUBLISHED, PlanState, utc_now
from forecast.services import plan_totals, series_frames, stretch_calibration
from forecast.services.actuals_notes import ActualsNote, NoteKind
from forecast.services.cache import PerStoreCache
from forecast.services.errors import (
    Fix,
    FixKey,
    Forbidden,
    Invalid,
    Locked,
    NotFound,
    WrongStage,
)
from forecast.services.plan_access import disabled_members
from forecast.services.plan_checks import check_text
from forecast.services.plan_frames import (
    ATTRIBUTES,
    BASELINE,
    HISTORY,
    load_blob_frame,
    version_frame,
)
from forecast.services.plans import change_plan, get_plan
from forecast.store import PlanRepository
from forecast.vocabulary import in_words

MINOR = "_minor"


# -- helpers ---------------------------------------------------------------------------------


def actor_of(state: PlanState, user: str, *, disabled: Collection[str] = ()) -> Actor:
    """The domain's view of a user: their roles in this plan and, for a lead, their team. Who
    leads the other teams (named in refusals: "ask them") is told to members only; a lead whose
    account is `disabled` (`plan_access.disabled_members`: they left) is never the one to ask."""
    roles = frozenset(state.roles_of(user))
    leads = sorted(
        (member.team, name)
        for name, member in state.members.items()
        if "lead" in member.roles and member.team is not None
    )
    active = tuple(lead for lead in leads if lead[1] not in disabled)
    left = tuple(lead for lead in leads if lead[1] in disabled)
    return Actor(
        user=user,
        roles=roles,
        team=state.team_of(user),
        team_leads=active if roles else (),
        left_leads=left if roles else (),
    )


def negotiation_of(state: PlanState) -> Negotiation | None:
    """The plan's negotiation. In a new version of an agreed plan (status no longer agreed) the
    carried-over negotiation is open again in the assigning stage."""
    if not state.negotiation:
        return None
    neg = Negotiation.from_dict(state.negotiation, currency=state.currency)
    if state.status != AGREED and neg.stage == domain.Stage.AGREED:
        neg = neg.for_new_version()
    return neg


def _check_readable(state: PlanState) -> None:
    """Refuse to save a negotiation that would not read back as it is about to be stored: the
    document is loaded (and its ledger checked) as every later read loads it, before the write,
    so an edit can never leave a plan that no view can open."""
    try:
        negotiation_of(state)
    except NegotiationError as exc:
        raise Invalid(
            f"the change to plan {state.plan_id} was not saved: its ledger would not read back "
            f"balanced ({exc}). This is a bug; please report it with the plan's audit log"
        ) from exc


def _translate(exc: NegotiationError, plan_id: str) -> Exception:
    """The service error of a domain refusal; its fix learns the plan it is about."""
    kind: type[Invalid | Forbidden | Locked | NotFound] = Invalid
    if isinstance(exc, domain.NotAllowed):
        kind = Forbidden
    elif isinstance(exc, domain.AgreedError):
        kind = Locked
    elif isinstance(exc, domain.StageError):
        kind = WrongStage
    elif isinstance(exc, domain.UnknownTeam):
        kind = NotFound
    return kind.from_error(exc, plan=plan_id)


def format_minor(currency: str | None, minor: int) -> str:
    """An amount of the audit log and the basis status in the plan's currency: ``€120,000.00``."""
    return _format_minor(int(minor), currency)


def _require_negotiation(state: PlanState, doing: str) -> Negotiation:
    neg = negotiation_of(state)
    if neg is None:
        raise WrongStage(
            f"cannot {doing}: plan {state.plan_id} has no goal yet",
            Fix(FixKey.SET_GOAL, plan=state.plan_id),
        )
    return neg


# What each negotiation edit does, in the words of a refusal ("so you cannot ...").
_DOING = {
    "goal": "set the goal",
    "claim": "claim",
    "unclaim": "withdraw a claim",
    "close_round": "close the claiming round",
    "reopen_round": "reopen the claiming round",
    "assign": "assign the remainder",
    "rebase": "rebase the negotiation",
    "lock": "lock the plan",
}


def _change(
    store: PlanRepository,
    plan: str,
    actor: str,
    action: str,
    expected_version: int | None,
    operate: Callable[[PlanState, Negotiation | None, Actor], tuple[Negotiation, str, Any, Any]],
) -> PlanState:
    """Run one domain operation on a copy of the plan and save it with one audit row.

    Without an expected version ("whatever is current") an edit that loses a race to another
    writer is redone on the fresh state for as long as it still applies there: the domain
    operation runs again and refuses, with its reason, only when the change no longer applies
    (the round was closed meanwhile, the team's lead changed ...)."""

    def agreed(state: PlanState) -> None:
        if state.status == AGREED:
            raise Locked(
                f"plan {state.plan_id} is agreed and read-only",
                Fix(FixKey.NEW_VERSION, plan=state.plan_id),
            )

    def mutate(state: PlanState) -> tuple[str, Any, Any]:
        agreed(state)
        try:
            who = actor_of(state, actor, disabled=disabled_members(store, state))
            neg, what, before, after = operate(state, negotiation_of(state), who)
        except NegotiationError as exc:
            raise _translate(exc, state.plan_id) from exc
        state.negotiation = neg.to_dict()
        _check_readable(state)
        return what, before, after

    # The negotiation runs on published plans too (publishing freezes the system track only), so
    # the store's lock check is replaced by the agreed check above.
    return change_plan(
        store,
        plan,
        actor=actor,
        action=action,
        mutate=mutate,
        expected_version=expected_version,
        doing=_DOING.get(action),
        allow_locked=True,
        guard=agreed,
    )


def _minor_amount(
    value: Decimal | str | float | int, what: str, currency: str | None = None
) -> int:
    """A typed amount in minor units: text may carry the plan currency's symbol, thousands
    separators and a decimal comma (``forecast.money.parse_amount``)."""
    from forecast.money import MoneyError, check_whole, parse_amount

    try:
        amount = parse_amount(value, currency)
        check_whole(amount, currency, str(value))
        return to_minor(amount)
    except (NegotiationError, MoneyError) as exc:
        raise Invalid(f"{what}: {exc}") from exc


# -- the series-period frame -----------------------------------------------------------------


def series_frame(store: PlanRepository, plan: str) -> pd.DataFrame:
    """unique_id, ds, team, baseline, system_plan (+ the baseline's interval columns), one row per
    series and period of the horizon, sorted by unique_id and ds."""
    return _plan_data(store, get_plan(store, plan)).copy()


# A saved plan never changes under the same (id, version), so its frame can be reused between
# calls (the dashboard renders the spread of one version several times).
_PLAN_DATA: PerStoreCache[pd.DataFrame] = PerStoreCache(size=4)


def _plan_data(store: PlanRepository, state: PlanState) -> pd.DataFrame:
    """The series frame of one plan version (shared: read it, do not change it)."""
    return _PLAN_DATA.get(
        store, state, (state.plan_id, state.version), lambda: _load_plan_data(store, state)
    )


def _load_plan_data(store: PlanRepository, state: PlanState) -> pd.DataFrame:
    from forecast.services import system  # the system track's use cases

    baseline = version_frame(store, state, BASELINE)
    system_plan: pd.DataFrame | np.ndarray | None = None
    if state.events:
        # The stored system plan per baseline row, else the events applied now.
        cells = plan_totals.system_plan_cells(store, state)
        if cells is not None and len(cells) == len(baseline):
            system_plan = cells
        else:
            system_plan = system.system_plan(store, state.plan_id, level="series")
    return series_frames.series_frame_of(
        baseline, version_frame(store, state, ATTRIBUTES), state.team_attr, system_plan
    )


_minor_column = series_frames.minor_column
_team_totals = series_frames.team_totals


def current_totals(
    store: PlanRepository, state: PlanState
) -> tuple[dict[str, int], dict[str, int]]:
    """The teams' current baseline and system plan totals (minor units) of this plan version
    (from the plan totals read model: no frame is read when it is stored), each team's rounded
    once to the currency's whole unit (JPY: yen) as the ledger and the exports round it, so every
    total summed from them (the summary's, the page's) is the ledger's TOTAL."""
    totals = plan_totals.of_plan(store, state)
    step = currency_quantum(state.currency)
    return (
        {t: domain.round_to(v, step) for t, v in totals.team_baseline.items()},
        {t: domain.round_to(v, step) for t, v in totals.team_system_plan.items()},
    )


def _basis_column(basis: str | domain.Basis) -> str:
    return schema.BASELINE if str(basis) == "baseline" else schema.SYSTEM_PLAN


_period_basis = series_frames.period_sums
whole_cells = series_frames.whole_cells


# -- use cases: edits ------------------------------------------------------------------------


class PeriodGivenTwice(Invalid):
    """A per-period goal that gives one period twice; ``first`` and ``again``: the positions (from
    0) of its two pairs among those given, for a face that read them from a file to name the
    rows."""

    def __init__(self, reason: str = "", fix: Fix | None = None, *, first: int = 0, again: int = 0):
        super().__init__(reason, fix)
        self.first = first
        self.again = again

    def __reduce__(self) -> tuple[Any, ...]:
        return (_period_given_twice, (self.reason, self.fix, self.first, self.again))


def _period_given_twice(reason: str, fix: Fix | None, first: int, again: int) -> PeriodGivenTwice:
    return PeriodGivenTwice(reason, fix, first=first, again=again)


def set_goal(
    store: PlanRepository,
    plan: str,
    actor: str,
    *,
    total: Decimal | str | float | None = None,
    ratio: Decimal | str | None = None,
    per_period: Mapping[str, Decimal | str | float]
    | Iterable[tuple[str, Decimal | str | float]]
    | None = None,
    basis: str | None = None,
    spread_by: str | None = None,
    expected_version: int | None = None,
    least_share_of_basis: Decimal | None = None,
) -> PlanState:
    """Set the goal (owner): a total in currency units, a ratio of the basis total (e.g. "10/6.5"),
    or per period ({ISO date: amount}, or (date, amount) pairs as a file's rows give them: a period
    given twice is refused, the only check of it). Opens the claiming round. The teams' baseline and system
    plan totals are taken (frozen) now; setting the goal again while claiming refreshes them.
    `basis` and `spread_by` not given keep the ones the goal was set with before (a first goal:
    the baseline, spread by the system plan). `least_share_of_basis`: a total below this share of
    the basis is refused as a ratio typed without its x (the dashboard's one box takes both).
    The teams' totals are read from the plan version the goal is set on: an edit that loses a
    race and is redone reads them again from the fresh state."""
    if basis is not None and str(basis) not in ("baseline", "system_plan"):
        raise Invalid(f"unknown basis {basis!r}; use baseline or system_plan")
    currency = get_plan(store, plan).currency
    total_minor = None if total is None else _minor_amount(total, "goal total", currency)
    period_minor: dict[str, int] | None = None
    spelled: dict[str, str] = {}
    if per_period:
        period_minor = {}
        pairs = per_period.items() if isinstance(per_period, Mapping) else per_period
        at: dict[str, int] = {}  # the position of each period's first pair
        for position, (period, amount) in enumerate(pairs):
            key = period_key(period)
            if key is None:
                raise Invalid(
                    f"per-period goal: {overrides.not_a_day(str(period), 'the period')}"
                    if str(period).strip().lower() in overrides.RELATIVE_DATE_WORDS
                    else f"per-period goal: {period!r} is not a date (use YYYY-MM-DD)"
                )
            if key in spelled:
                twice = (
                    f"{period!r} is given twice"
                    if spelled[key] == str(period)
                    else f"{period!r} and {spelled[key]!r} are the same period {key}"
                )
                raise PeriodGivenTwice(
                    f"per-period goal: {twice}; give each period's goal once",
                    first=at[key],
                    again=position,
                )
            spelled[key] = str(period)
            at[key] = position
            period_minor[key] = _minor_amount(amount, f"goal for {key}", currency)

    def operate(
        state: PlanState, neg: Negotiation | None, who: Actor
    ) -> tuple[Negotiation, str, Any, Any]:
        who.require_owner("set the goal")
        frame = _plan_data(store, state)
        before = neg.summary() if neg else None
        # not given: as the goal was set before (a first goal: measured against the baseline)
        measured = str(basis) if basis is not None else neg.basis.value if neg else "baseline"
        spread = (
            str(spread_by)
            if spread_by is not None
            else neg.spread_by.value
            if neg
            else "system_plan"
        )
        fresh = Negotiation.start(
            _team_totals(frame, schema.BASELINE), _team_totals(frame, schema.SYSTEM_PLAN)
        )
        fresh.currency = state.currency
        if neg is not None:
            neg._require_stage("set the goal", domain.Stage.DRAFT, domain.Stage.CLAIMING)
            for team, claim in neg.claims.items():
                if team in fresh.team_baseline:
                    fresh.claims[team] = claim
            fresh.stage = neg.stage
        fresh.set_goal(
            who,
            total_minor,
            ratio=ratio,
            period_goals=_on_periods(frame, period_minor, spelled, state.freq)
            if period_minor
            else None,
            period_basis=_period_basis(frame, _basis_column(measured)) if period_minor else None,
            basis=measured,
            spread_by=spread,
            at=utc_now(),
        )
        if total_minor is not None and least_share_of_basis is not None:
            _refuse_a_ratio_read_as_an_amount(fresh, total_minor, least_share_of_basis)
        fresh.basis_by_period = _period_basis(frame, _basis_column(fresh.basis))
        fresh.basis_taken_at = fresh.goal_set_at
        how = (
            f" ({fresh.goal_ratio} of the {in_words(fresh.basis.value)})"
            if fresh.goal_ratio
            else ""
        )
        what = (
            f"set goal {format_minor(state.currency, fresh.goal or 0)}{how}; gap "
            f"{format_minor(state.currency, fresh.gap or 0)} over the {in_words(fresh.basis.value)}"
        )
        return fresh, what, before, fresh.summary()

    return _change(store, plan, actor, "goal", expected_version, operate)


def _on_periods(
    frame: pd.DataFrame, goals: dict[str, int], spelled: Mapping[str, str], freq: str
) -> dict[str, int]:
    """Each period's goal keyed by the start of the horizon period its date falls in: any day of
    a week names the week, as `plan explain --ds` reads it, so a file dated by week ends (as the
    plan's own sales file may be) reads right. A date outside the horizon is kept as given, for
    the goal to refuse naming it; two dates of one period are refused."""
    periods = overrides.horizon_periods(frame[schema.DS].unique(), freq)
    out: dict[str, int] = {}
    given: dict[str, str] = {}
    for key, amount in goals.items():
        found = overrides.period_start(periods, pd.Timestamp(key))
        start = key if found is None else found.strftime("%Y-%m-%d")
        if start in given:
            raise Invalid(
                f"per-period goal: {spelled[given[start]]!r} and {spelled[key]!r} fall in the "
                f"same period, the one from {start}; give each period's goal once"
            )
        given[start] = key
        out[start] = amount
    return out


def period_key(period: object) -> str | None:
    """A period as the negotiation keys it (``YYYY-MM-DD``), None when it is not a date:
    ``2015/08/17`` and ``2015-08-17`` are the same period."""
    text = str(period).strip()
    if isinstance(period, str) and not overrides.is_day_text(text):
        return None  # "today", "now", a time: the moment it is read, no period
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        return None
    return None if pd.isna(stamp) else stamp.strftime("%Y-%m-%d")


def _refuse_a_ratio_read_as_an_amount(neg: Negotiation, goal: int, least_share: Decimal) -> None:
    basis_total = sum(
        (neg.team_baseline if neg.basis == domain.Basis.BASELINE else neg.team_system_plan).values()
    )
    if basis_total <= 0 or goal >= basis_total * least_share:
        return
    currency = neg.currency
    raise Invalid(
        f"a goal of {format_minor(currency, goal)} is {format_percent(goal / basis_total)} of the "
        f"{in_words(neg.basis.value)} ({format_minor(currency, basis_total)}): the goal is what the "
        "whole horizon should sell, and one this low is most likely a ratio typed without its x. "
        "For a ratio of the basis type it as 1.2x or 10/6.5"
    )


def claim(
    store: PlanRepository,
    plan: str,
    actor: str,
    team: str,
    *,
    amount: Decimal | str | float | None = None,
    percent: Decimal | str | float | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> PlanState:
    """Make, raise or lower the claim of `team` (its lead only), as an amount or a percent of the
    team's basis, with a note on the initiative."""
    check_text("a claim's note", note)
    currency = get_plan(store, plan).currency
    amount_minor = None if amount is None else _minor_amount(amount, "claim amount", currency)

    def operate(
        state: PlanState, neg: Negotiation | None, who: Actor
    ) -> tuple[Negotiation, str, Any, Any]:
        neg = _require_negotiation(state, "claim")
        old = neg.claims.get(str(team))
        before = old.to_dict() if old else None
        made = neg.claim(who, str(team), amount_minor, percent=percent, note=note, at=utc_now())
        if old is None:
            verb = "claim"
        else:
            verb = "raise claim" if made.amount > old.amount else "change claim"
        what = f"{verb} of team {team}: {format_minor(state.currency, made.amount)} ({made.note})"
        return neg, what, before, made.to_dict()

    return _change(store, plan, actor, "claim", expected_version, operate)


def unclaim(
    store: PlanRepository, plan: str, actor: str, team: str, *, expected_version: int | None = None
) -> PlanState:
    """Withdraw the claim of `team` (its lead only) while the round is open."""

    def operate(
        state: PlanState, neg: Negotiation | None, who: Actor
    ) -> tuple[Negotiation, str, Any, Any]:
        neg = _require_negotiation(state, "withdraw a claim")
        removed = neg.unclaim(who, str(team))
        return (
            neg,
            f"withdraw claim of team {team} ({format_minor(state.currency, removed.amount)})",
            removed.to_dict(),
            None,
        )

    return _change(store, plan, actor, "unclaim", expected_version, operate)


def close_round(
    store: PlanRepository,
    plan: str,
    actor: str,
    *,
    oversubscribed: str = "keep",
    expected_version: int | None = None,
) -> PlanState:
    """Close the claiming round (owner); over-subscribed claims are kept or scaled pro rata."""

    def operate(
        state: PlanState, neg: Negotiation | None, who: Actor
    ) -> tuple[Negotiation, str, Any, Any]:
        neg = _require_negotiation(state, "close the round")
        before = {t: c.amount for t, c in neg.claims.items()}
        neg.close_round(who, oversubscribed, at=utc_now())
        after = {t: c.amount for t, c in neg.claims.items()}
        what = f"close the claiming round: claimed {format_minor(state.currency, neg.claimed)}, remainder {format_minor(state.currency, neg.remainder)}"
        if neg.scaled_from:
            what += " (over-subscribed claims scaled down pro rata)"
        elif neg.kept_oversubscription:
            what += f" (over-subscription of {format_minor(state.currency, neg.kept_oversubscription)} kept)"
        return neg, what, {"claims": before}, {"claims": after, "policy": str(oversubscribed)}

    return _change(store, plan, actor, "close_round", expected_version, operate)


def reopen_round(
    store: PlanRepository, plan: str, actor: str, *, expected_version: int | None = None
) -> PlanState:
    """Reopen the claiming round (owner) before the plan is agreed."""

    def operate(
        state: PlanState, neg: Negotiation | None, who: Actor
    ) -> tuple[Negotiation, str, Any, Any]:
        neg = _require_negotiation(state, "reopen the round")
        before = neg.summary()
        neg.reopen_round(who)
        return neg, "reopen the claiming round", before, neg.summary()

    return _change(store, plan, actor, "reopen_round", expected_version, operate)


def assign(
    store: PlanRepository,
    plan: str,
    actor: str,
    rule: str,
    *,
    manual: Mapping[str, Decimal | str | float] | None = None,
    exclude: Iterable[str] = (),
    expected_version: int | None = None,
) -> PlanState:
    """Assign the unclaimed remainder (owner) by a recorded rule, optionally excluding teams."""
    manual_minor = None
    if manual is not None:
        currency = get_plan(store, plan).currency
        manual_minor = {
            str(t): _minor_amount(v, f"manual amount for team {t}", currency)
            for t, v in manual.items()
        }
    excluded = [str(t) for t in exclude]

    def operate(
        state: PlanState, neg: Negotiation | None, who: Actor
    ) -> tuple[Negotiation, str, Any, Any]:
        neg = _require_negotiation(state, "assign")
        before = dict(neg.assignments) or None
        shares = neg.assign(who, rule, manual=manual_minor, exclude=excluded, at=utc_now())
        what = (
            f"assign the remainder {format_minor(state.currency, neg.remainder)} by rule {neg.rule}"
        )
        if neg.excluded:
            what += f", excluding {', '.join(neg.excluded)}"
        return (
            neg,
            what,
            before,
            {"rule": str(neg.rule), "excluded": neg.excluded, "assignments": shares},
        )

    return _change(store, plan, actor, "assign", expected_version, operate)


@dataclass(frozen=True)
class Rebased:
    """The result of a rebase: the plan at its new version, how far the basis moved (minor
    units), what the rebase did in words (`notes`, as the audit row has them) and, if it had to
    drop the assignment (manual amounts that no longer add up to the new remainder, or a rule
    that no longer applies), the note saying so (`attention`, what the owner must do now; None
    when nothing): then `open_remainder` is open and the owner assigns it again."""

    plan: PlanState
    moved: int
    notes: tuple[str, ...]
    attention: str | None
    open_remainder: int

    @property
    def dropped_assignment(self) -> bool:
        return self.attention is not None

    @property
    def plan_id(self) -> str:
        return self.plan.plan_id

    @property
    def version(self) -> int:
        return self.plan.version


def rebase(
    store: PlanRepository, plan: str, actor: str, *, expected_version: int | None = None
) -> Rebased:
    """Move the negotiation onto the current system plan and baseline (owner), in one change with
    one audit row: claims stay as amounts, a goal set as an amount stays and one set as a ratio is
    re-applied, the remainder is recomputed (and re-assigned by the recorded rule). The result
    says what happened, a dropped assignment among it (`Rebased`)."""
    outcome: dict[str, Any] = {}

    def operate(
        state: PlanState, neg: Negotiation | None, who: Actor
    ) -> tuple[Negotiation, str, Any, Any]:
        neg = _require_negotiation(state, "rebase")
        # who and when first: "nothing to rebase" is an answer for the owner only
        who.require_owner("rebase the negotiation")
        neg._require_stage("rebase the negotiation", domain.Stage.CLAIMING, domain.Stage.ASSIGNING)
        frame = _plan_data(store, state)
        baseline = _team_totals(frame, schema.BASELINE)
        system = _team_totals(frame, schema.SYSTEM_PLAN)
        drift = neg.drift(baseline, system)
        by_period = _period_basis(frame, _basis_column(neg.basis))
        if not any(drift.values()) and _same_periods(neg.basis_by_period, by_period):
            raise WrongStage(
                f"nothing to rebase: the negotiation's basis already is the current "
                f"{in_words(neg.basis.value)} in every team and period"
            )
        before = {"goal": neg.goal, "basis": neg.team_basis, "assignments": neg.assignments}
        rebased = neg.rebase(who, baseline, system, basis_by_period=by_period, at=utc_now())
        notes = rebased.notes
        moved = sum(drift.values())
        outcome.update(
            moved=moved,
            notes=notes,
            attention=rebased.dropped_assignment,
            open_remainder=neg.open_remainder,
        )
        what = (
            f"rebase onto the current {in_words(neg.basis.value)}: basis moved by "
            f"{format_minor(state.currency, moved)} ({sum(1 for d in drift.values() if d)} team(s)); "
            f"goal {format_minor(state.currency, neg.goal or 0)}, remainder "
            f"{format_minor(state.currency, neg.remainder)}"
        )
        if notes:
            what += "; " + "; ".join(notes)
        after = {"goal": neg.goal, "basis": neg.team_basis, "assignments": neg.assignments}
        return neg, what, before, after

    state = _change(store, plan, actor, "rebase", expected_version, operate)
    return Rebased(plan=state, **outcome)


def _same_periods(
    recorded: Mapping[str, Mapping[str, int]], current: Mapping[str, Mapping[str, int]]
) -> bool:
    """Whether the recorded basis per team and period is the current one (a negotiation from
    before per-period bases were recorded has none: it is rebased to get them)."""
    return bool(recorded) and {t: dict(p) for t, p in recorded.items()} == {
        t: dict(p) for t, p in current.items()
    }


def _gate_now(store: PlanRepository, state: PlanState) -> str:
    """How the deviation gate of a draft stands, for the refusal to lock it."""
    from forecast.services import system

    gate = system.gate_status(store, state.plan_id)
    threshold = format_percent(gate.threshold, 0)
    if gate.open:
        return (
            f"; {gate.open} of its {gate.marked} deviation(s) above {threshold} have no "
            "explanation yet"
        )
    if gate.marked:
        return f"; its deviations above {threshold} are explained, so it can be published now"
    return f"; no deviation is above {threshold}, so it can be published now"


def lock(
    store: PlanRepository, plan: str, actor: str, *, expected_version: int | None = None
) -> PlanState:
    """Agree the plan (owner): the negotiation is final and the plan's status becomes agreed.
    Refused while the system plan is a draft: it is published first (its deviations explained),
    so no plan is agreed past the deviation gate."""

    def operate(
        state: PlanState, neg: Negotiation | None, who: Actor
    ) -> tuple[Negotiation, str, Any, Any]:
        neg = _require_negotiation(state, "lock")
        before = {"status": state.status, "stage": neg.stage.value}
        who.require_owner("lock the plan")
        neg._require_stage("lock the plan", domain.Stage.ASSIGNING)
        neg.check_lockable()
        if state.status != PUBLISHED:
            neg.check_system_published(False, _gate_now(store, state))
        neg.lock(who, at=utc_now())
        state.status = AGREED
        total = sum(neg.targets().values())
        what = f"agree the plan: targets {format_minor(state.currency, total)} (goal {format_minor(state.currency, neg.goal or 0)})"
        return (
            neg,
            what,
            before,
            {"status": AGREED, "stage": neg.stage.value, "agreed_by": neg.agreed_by},
        )

    return _change(store, plan, actor, "lock", expected_version, operate)


# -- use cases: views ------------------------------------------------------------------------


def summary(store: PlanRepository, plan: str) -> dict[str, Any]:
    """Goal, gap, claimed, remainder, stage ... (minor units) plus plan id and version."""
    state = get_plan(store, plan)
    neg = negotiation_of(state)
    out: dict[str, Any] = {
        "plan_id": state.plan_id,
        "version": state.version,
        "status": state.status,
        "currency": state.currency,
    }
    out.update(neg.summary() if neg else {"stage": domain.Stage.DRAFT.value, "goal": None})
    if neg is not None:
        baseline, system = current_totals(store, state)
        drift = neg.drift(baseline, system)
        out["drift"] = drift
        out["drift_total"] = sum(drift.values())
        out["drifted_teams"] = sorted(t for t, d in drift.items() if d)
        out["system_plan_total"] = sum(system.values())
        out["baseline_total"] = sum(baseline.values())
        out["agreed_on_recorded_basis"] = state.status == AGREED
    return out


def goal_below_system_plan(summary_: Mapping[str, Any]) -> int:
    """How far (minor units) the goal falls short of the current system plan, from a `summary`;
    0 when it does not. Such a goal asks the teams for less than the system expects, which
    leadership may mean (a cautious year) but which is more often a typing slip."""
    goal, system_total = summary_.get("goal"), summary_.get("system_plan_total")
    if goal is None or system_total is None:
        return 0
    return max(int(system_total) - int(goal), 0)


def basis_label(summary_: Mapping[str, Any]) -> str:
    """What the Negotiation page and `plan ledger` call the basis, from a `summary`: "System plan"
    (or "Baseline") while it is the current one, "Earlier system plan" once the system plan moved
    under it, so that neither calls "System plan" a number the System plan and Side by side pages
    do not show."""
    name = "Baseline" if summary_.get("basis") == "baseline" else "System plan"
    return f"Earlier {name.lower()}" if summary_.get("drifted_teams") else name


def basis_status(summary_: Mapping[str, Any]) -> str:
    """In words, from a `summary`: which basis the negotiation's numbers rest on and whether the
    current system plan moved away from it (shown on the page, in the CLI and in exports)."""
    if summary_.get("goal") is None:
        return "no goal yet"
    basis = in_words(summary_.get("basis", "baseline"))
    taken = summary_.get("basis_taken")
    when = f" taken {minute_utc(taken)}" if taken else ""
    drift = int(summary_.get("drift_total") or 0)
    if summary_.get("agreed_on_recorded_basis"):
        text = f"agreed on the {basis}{when}; locked plans keep the basis they were agreed on"
        if summary_.get("drifted_teams"):
            text += (
                f" (the current {basis} differs by {format_minor(summary_.get('currency'), drift)} in team(s) "
                f"{', '.join(summary_['drifted_teams'])})"
            )
        return text
    if summary_.get("drifted_teams"):
        return (
            f"not rebased: the {basis}{when} differs from the current one by "
            f"{format_minor(summary_.get('currency'), drift)} in team(s) {', '.join(summary_['drifted_teams'])}"
        )
    return f"the current {basis}{when}"


def goal_by_period(store: PlanRepository, plan: str, basis: str = "baseline") -> pd.DataFrame:
    """Per period of the horizon (``ds`` as YYYY-MM-DD): the basis total (``baseline`` or
    ``system_plan``) and the goal set for that period (None where the goal is not split)."""
    if str(basis) not in ("baseline", "system_plan"):
        raise Invalid(f"unknown basis {basis!r}; use baseline or system_plan")
    column = schema.BASELINE if basis == "baseline" else schema.SYSTEM_PLAN
    frame = series_frame(store, plan)
    out = (
        frame.groupby(frame[schema.DS].dt.strftime("%Y-%m-%d"))[column]
        .sum()
        .rename("basis")
        .rename_axis(schema.DS)
        .reset_index()
    )
    neg = negotiation_of(get_plan(store, plan))
    goals = neg.period_goals if neg is not None else {}
    out["goal"] = pd.Series(
        [from_minor(goals[ds]) if ds in goals else None for ds in out[schema.DS]],
        index=out.index,
        dtype=object,
    )
    return out


def ledger(store: PlanRepository, plan: str) -> pd.DataFrame:
    """The ledger per team and TOTAL: exact ``*_minor`` ints and currency columns for display,
    plus each team's sales over the same periods last year and its claim and target against them
    (``last_year``, in whole cents as every amount, with ``last_year_minor``; None where the
    history does not reach back a full year or no series of the team was trading then). Where
    some series were not trading, like for like (`domain.LastYear`): ``last_year`` is the sales
    of the others, the claim and target are compared as they fall on those, and
    ``last_year_coverage`` says so (``like-for-like: 45 of 49 series``; else None)."""
    state = get_plan(store, plan)
    neg = _require_negotiation(state, "show the ledger")
    table = neg.ledger(*current_totals(store, state))
    money = ["baseline", "system_plan", "basis", "basis_drift", "claim", "assignment", "target"]
    for col in money:
        table[col + MINOR] = table[col].astype("int64")
        table[col] = [float(from_minor(int(v))) for v in table[col]]
    teams = dict(_last_year(store, state))
    is_team = table["team"].astype(str) != "TOTAL"

    def by_team(column: str) -> dict[str, int]:
        rows = table[is_team]
        return {str(t): int(v) for t, v in zip(rows["team"], rows[column + MINOR], strict=True)}

    # the TOTAL compares each amount as its teams' parts fall on their comparable series
    of_claims = domain.LastYear.total(teams, by_team("claim")) if teams else None
    of_targets = domain.LastYear.total(teams, by_team("target")) if teams else None
    claim_basis = [teams.get(str(t)) if t != "TOTAL" else of_claims for t in table["team"]]
    target_basis = [teams.get(str(t)) if t != "TOTAL" else of_targets for t in table["team"]]
    table["last_year"] = pd.Series(
        [None if ly is None else ly.sales for ly in target_basis], index=table.index, dtype=object
    )
    table = in_cents(table, ["last_year"])
    # compared with last year's sales as the table shows them (in whole cents)
    claim_basis, target_basis = (
        [
            None if ly is None else replace(ly, sales=None if pd.isna(shown) else float(shown))
            for ly, shown in zip(basis, table["last_year"], strict=True)
        ]
        for basis in (claim_basis, target_basis)
    )
    table["last_year_coverage"] = pd.Series(
        [None if ly is None else ly.coverage() for ly in target_basis],
        index=table.index,
        dtype=object,
    )
    table["claim_pct_of_last_year"] = [
        None if ly is None or (pct := ly.percent_of(c)) is None else round(pct, 4)
        for c, ly in zip(table["claim"], claim_basis, strict=True)
    ]
    table["target_growth_vs_last_year_pct"] = [
        None if ly is None or (growth := ly.growth(t)) is None else round(100.0 * growth, 4)
        for t, ly in zip(table["target"], target_basis, strict=True)
    ]
    return table


def negotiated_plan(store: PlanRepository, plan: str) -> pd.DataFrame:
    """The negotiated plan per series and period: unique_id, ds, team, baseline, system_plan,
    target (currency floats) and baseline_minor, system_plan_minor, target_minor (exact ints).
    Each team's target is spread in proportion to the recorded spread basis (largest remainder);
    with per-period goals every period adds up to its goal as well."""
    state = get_plan(store, plan)
    neg = _require_negotiation(state, "spread the targets")
    frame = series_frame(store, state.plan_id)
    weight_col = neg.spread_by.value
    per_period = domain.team_period_targets(neg) or None
    spread = domain.spread(
        neg.targets(),
        frame,
        weight_col=weight_col,
        team_period_targets=per_period,
        quantum=neg.quantum,
    )
    out = spread[
        [schema.UNIQUE_ID, schema.DS, schema.TEAM, schema.BASELINE, schema.SYSTEM_PLAN]
    ].copy()
    out["baseline_minor"] = whole_cells(frame, schema.BASELINE, neg.quantum)
    out["system_plan_minor"] = whole_cells(frame, schema.SYSTEM_PLAN, neg.quantum)
    out["basis_minor"] = _basis_spread(neg, frame)
    out["target_minor"] = spread["target_minor"].astype("int64")
    out.insert(5, "basis", out["basis_minor"] / 100.0)
    out.insert(6, schema.TARGET, out["target_minor"] / 100.0)
    return out


def negotiated_periods(store: PlanRepository, plan: str, team: str | None) -> pd.DataFrame:
    """The negotiated plan's cells of `team` (None: every team): unique_id, ds, team,
    system_plan, target and the baseline with its interval columns, as `negotiated_plan` has
    them (system plan and target as the exports carry them); only that team's cells are spread
    (a team's spread does not depend on the others')."""
    state = get_plan(store, plan)
    neg = _require_negotiation(state, "spread the targets")
    frame = _plan_data(store, state)
    targets = neg.targets()
    if team:
        frame = frame[frame[schema.TEAM] == team]
        targets = {team: targets.get(team, 0)} if len(frame) else {}
    bands = [c for c in frame.columns if c.startswith(schema.BASELINE)]
    out = frame[[schema.UNIQUE_ID, schema.DS, schema.TEAM, schema.SYSTEM_PLAN]].copy()
    if len(frame):
        # the cells the exports carry (a team's whole-yen cells do not depend on other teams')
        out[schema.SYSTEM_PLAN] = (
            whole_cells(frame, schema.SYSTEM_PLAN, neg.quantum).astype("int64") / 100
        )
        spread = domain.spread(
            targets,
            frame,
            weight_col=neg.spread_by.value,
            team_period_targets=domain.team_period_targets(neg) or None,
            quantum=neg.quantum,
        )
        out[schema.TARGET] = spread["target_minor"].astype("int64").to_numpy() / 100.0
    else:
        out[schema.TARGET] = pd.Series(dtype=float)
    return pd.concat([out, frame[bands]], axis=1)


def _basis_spread(neg: Negotiation, frame: pd.DataFrame) -> np.ndarray:
    """The basis the negotiation used, per series-period: each team's recorded basis per period
    spread over its series in proportion to the current basis column. It adds up exactly to the
    ledger's basis per team (and per period), so the series, team and ledger views agree; where
    the basis has not drifted it equals the current basis column."""
    column = _basis_column(neg.basis)
    per_period = {
        (team, period): value
        for team, periods in domain.whole_by_period(neg.basis_by_period, neg.quantum).items()
        for period, value in periods.items()
    }
    spread = domain.spread(
        neg.team_basis,
        frame,
        weight_col=column,
        team_period_targets=per_period or None,
        quantum=neg.quantum,
    )
    return spread["target_minor"].astype("int64").to_numpy()


def stretch(store: PlanRepository, plan: str) -> pd.DataFrame:
    """Per team and TOTAL: probability that actuals reach the target, and the target's growth over
    the same periods last year. The probability is calibrated on this engine's past misses of team
    totals over the plan's horizon (``forecast.engine.stretch``; columns ``calibrated`` and
    ``rests_on`` say so); with too short a history it falls back to the baseline's intervals with
    periods assumed independent (``forecast.negotiation.stretch``), and ``rests_on`` says that.
    The expectation is the system plan's (``expected``): the events count at their stated size,
    the model's baseline alone is ``expected_baseline``."""
    state = get_plan(store, plan)
    neg = _require_negotiation(state, "compute the stretch")
    totals = plan_totals.of_plan(store, state)

    def inputs() -> tuple[pd.DataFrame, pd.Series]:  # only for a plan without a calibration
        frame = _plan_data(store, state)
        teams = frame.drop_duplicates(schema.UNIQUE_ID).set_index(schema.UNIQUE_ID)[schema.TEAM]
        return load_blob_frame(store, state.plan_id, HISTORY), teams

    calibration = stretch_calibration.of_plan(store, state, inputs)

    def judged(total_target: int | None) -> pd.DataFrame:
        table = domain.stretch_of_moments(
            totals.stretch_moments,
            neg.targets(),
            last_year=dict(totals.last_year),
            total_target=total_target,
            events=domain.event_factors(totals.team_baseline, totals.team_system_plan),
        )
        return apply_calibration(table, calibration)

    table = judged(neg.total_target)
    summed = judged(None) if sum(neg.targets().values()) != neg.total_target else table
    table = with_targets_summed(table, summed)
    return exact_targets(
        exact_expectations(
            in_cents(table, [*STRETCH_AMOUNTS, "teams_target"]),
            totals.team_system_plan,
            totals.team_baseline,
            quantum=neg.quantum,
        ),
        neg.targets(),
        neg.total_target,
    )


TEAMS_SUMMED_COLUMNS = {
    "target": "teams_target",
    "probability_reach": "teams_probability_reach",
    "growth_vs_last_year": "teams_growth_vs_last_year",
}
"""On the stretch's TOTAL row: its figures for the teams' targets summed (the ledger's TOTAL
target), beside its own for the goal, which differ while the remainder is open or the claims
exceed the gap. Empty on a team's row."""


def with_targets_summed(table: pd.DataFrame, summed: pd.DataFrame) -> pd.DataFrame:
    """`table` with the ``teams_*`` columns of its TOTAL row taken from `summed`'s (a stretch
    judged with the teams' targets summed as the TOTAL's target)."""
    out = table.copy()
    is_total = out["team"].astype(str) == "TOTAL"
    total_row = summed[summed["team"].astype(str) == "TOTAL"].iloc[0]
    for column, teams_column in TEAMS_SUMMED_COLUMNS.items():
        out[teams_column] = pd.Series([None] * len(out), index=out.index, dtype=object)
        out.loc[is_total, teams_column] = total_row[column]
    return out


def exact_expectations(
    table: pd.DataFrame,
    system_plan: Mapping[str, int],
    baseline: Mapping[str, int],
    *,
    quantum: int = 1,
) -> pd.DataFrame:
    """A stretch table (in cents) whose ``expected`` and ``expected_baseline`` are the ledger's
    system plan and baseline per team (minor units) to the cent: the moments they were computed
    from are float sums, a few cents off on a plan of a few hundred thousand. In a currency
    without cents (`quantum`) each team's is rounded to it, as the ledger rounds it, and TOTAL
    is their sum."""
    out = table.copy()
    for col, exact in (("expected", system_plan), ("expected_baseline", baseline)):
        per_team = {str(t): domain.round_to(int(v), quantum) for t, v in exact.items()}
        per_team["TOTAL"] = sum(per_team.values())
        minor = [
            per_team.get(str(t), m) for t, m in zip(out["team"], out[col + MINOR], strict=True)
        ]
        out[col + MINOR] = pd.Series(minor, index=out.index, dtype=object)
        out[col] = [None if m is None else float(from_minor(m)) for m in minor]
    return out


def exact_targets(
    table: pd.DataFrame, targets: Mapping[str, int], total_target: int
) -> pd.DataFrame:
    """A stretch table (in cents) whose ``target`` is the ledger's per team (minor units), the
    TOTAL's the goal's and its ``teams_target`` the teams' targets summed, to the cent: the
    table was judged in floats, which past 2**53 cents lose a target's last cents."""
    out = table.copy()
    exact = {**{str(t): int(v) for t, v in targets.items()}, "TOTAL": int(total_target)}
    minor = [exact.get(str(t), m) for t, m in zip(out["team"], out["target" + MINOR], strict=True)]
    out["target" + MINOR] = pd.Series(minor, index=out.index, dtype=object)
    out["target"] = [None if m is None else float(from_minor(m)) for m in minor]
    if "teams_target" in out.columns:
        summed = sum(int(v) for v in targets.values())
        is_total = (out["team"].astype(str) == "TOTAL").to_numpy()
        teams = [
            summed if total else None if m is None else int(m)
            for total, m in zip(is_total, out["teams_target" + MINOR], strict=True)
        ]
        out["teams_target" + MINOR] = pd.Series(teams, index=out.index, dtype=object)
        out["teams_target"] = [None if m is None else float(from_minor(m)) for m in teams]
    return out


STRETCH_AMOUNTS = ["target", "expected", "expected_baseline", "last_year"]
"""The stretch table's amounts, given in whole cents and beside it in exact ``*_minor`` cents."""


def in_cents(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Amounts as every other amount of the negotiation: whole cents in currency units under the
    name, the exact integer cents beside it under ``*_minor`` (None under both where missing)."""
    out = table.copy()
    for col in columns:
        minor = [None if v is None or v != v else to_minor(float(v)) for v in out[col]]
        out[col] = [None if m is None else float(from_minor(m)) for m in minor]
        out[col + MINOR] = pd.Series(minor, index=out.index, dtype=object)
    return out


GOAL_ROW = "TOTAL (goal)"
"""The stretch's TOTAL row as the pages and the CLI name it while its target is the goal and the
teams' targets fall short of it (the remainder not yet assigned): it is the goal's chance, not
that of the teams' targets summed, which the ledger's TOTAL shows."""


def with_goal_row(stretch: pd.DataFrame) -> pd.DataFrame:
    """A `stretch` table whose TOTAL row is named ``GOAL_ROW`` while its target is the goal
    rather than the sum of the teams' targets (to the cent)."""
    is_total = stretch["team"].astype(str) == "TOTAL"
    if "target" + MINOR in stretch.columns:  # to the cent, past a float's too
        summed_minor = sum(int(v) for v in stretch.loc[~is_total, "target" + MINOR])
        is_goal = is_total & (
            stretch["target" + MINOR].map(lambda v: v is not None and int(v) != summed_minor)
        )
        return stretch.assign(team=stretch["team"].astype(str).where(~is_goal, GOAL_ROW))
    summed = round(float(stretch.loc[~is_total, "target"].sum()), 2)
    is_goal = is_total & (stretch["target"].astype(float).round(2) != summed)
    return stretch.assign(team=stretch["team"].astype(str).where(~is_goal, GOAL_ROW))


def _last_year(store: PlanRepository, state: PlanState) -> dict[str, domain.LastYear]:
    """Last year's sales per team of this plan version (the plan totals' read model)."""
    return dict(plan_totals.of_plan(store, state).last_year)


NO_GOAL_SCORED = "no goal yet, so only the system plan is scored"
"""Said where a plan without a goal (so without a negotiated target) is scored."""


def has_goal(store: PlanRepository, plan: str) -> bool:
    """Whether the plan's negotiation has a goal, so a negotiated target to score."""
    neg = negotiation_of(get_plan(store, plan))
    return neg is not None and neg.goal is not None


def score(store: PlanRepository, plan: str, actuals: pd.DataFrame) -> pd.DataFrame:
    """Which track came closer to the actuals (``unique_id, ds, y``), per team and in total (WAPE),
    and what each row's verdict rests on: the series and periods with actuals of those of the
    team (of the plan for TOTAL), ``rests_on`` in words, ``provisional`` when under half. A plan
    without a goal has no negotiated target: only its system plan is scored (``target``,
    ``wape_target`` and ``closer`` empty; `NO_GOAL_SCORED` says so)."""
    try:
        actuals = schema.validate_history(actuals)
    except schema.SchemaError as exc:
        raise Invalid(f"actuals: {exc}") from exc
    if has_goal(store, plan):
        frame = negotiated_plan(store, plan)
    else:
        frame = series_frame(store, plan)[
            [schema.UNIQUE_ID, schema.DS, schema.TEAM, schema.BASELINE, schema.SYSTEM_PLAN]
        ]
    try:
        table = domain.attainment(frame, actuals)
    except NegotiationError as exc:
        raise Invalid.from_error(exc) from exc
    return _with_coverage(table, frame, actuals)


SCORE_COVERAGE = [
    "series_scored",
    "series_total",
    "periods_scored",
    "periods_total",
    "rests_on",
    "provisional",
    "provisional_because",
]


def _with_coverage(table: pd.DataFrame, plan: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """`attainment`'s rows with what each verdict rests on (`accuracy.frame_coverage`)."""
    keys = [schema.UNIQUE_ID, schema.DS]
    cells = plan[[*keys, schema.TEAM]].copy()
    cells[schema.UNIQUE_ID] = cells[schema.UNIQUE_ID].astype(str)
    cells[schema.DS] = pd.to_datetime(cells[schema.DS])
    cells[schema.TEAM] = cells[schema.TEAM].astype(str)
    seen = actuals[keys].copy()
    seen[schema.UNIQUE_ID] = seen[schema.UNIQUE_ID].astype(str)
    seen[schema.DS] = pd.to_datetime(seen[schema.DS])
    scored = cells.merge(seen.drop_duplicates(), on=keys, how="inner")
    rows = []
    for team in table["team"].astype(str):
        if team == "TOTAL":
            found = accuracy.frame_coverage(cells, scored)
        else:
            mine = cells[schema.TEAM] == team
            found = accuracy.frame_coverage(cells[mine], scored[scored[schema.TEAM] == team])
        rows.append(
            {
                "series_scored": found.series,
                "series_total": found.series_total,
                "periods_scored": found.periods,
                "periods_total": found.periods_total,
                "rests_on": found.text(),
                "provisional": found.provisional,
                "provisional_because": found.provisional_because(),
            }
        )
    return pd.concat([table, pd.DataFrame(rows, columns=SCORE_COVERAGE)], axis=1)


@dataclass(frozen=True)
class FileScore:
    """`score_file`'s table with what reading the file left out and why (as `plan actuals` says
    it), and `NO_GOAL_SCORED` for a plan without a goal."""

    table: pd.DataFrame
    notes: list[ActualsNote]


def score_file_noted(
    store: PlanRepository,
    plan: str,
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    decimal: str | None = None,
    week_dates: str | None = None,
) -> FileScore:
    """`score` on a sales file of actuals, read as `plan actuals` reads it
    (``services.actuals.read_actuals``): long format (unique_id, ds, y) or the layout of the file
    the plan was made from, in any format, a week the file covers only in part left out; with the
    reader's notes and what was left out (series not in the plan, periods outside its horizon),
    said for scoring. ``week_dates``: how a weekly file dates its weeks, "start" or "end" (None:
    as the plan's history did)."""
    from forecast.services.actuals import (
        plan_series_without_actuals,
        read_actuals,
        split_by_plan,
    )

    state = get_plan(store, plan)
    frame, read_notes = read_actuals(
        store, state.plan_id, source, filename=filename, decimal=decimal, week_dates=week_dates
    )
    notes = [note.for_scoring() for note in read_notes]
    inside, outside_plan = split_by_plan(store, state, frame)
    notes += outside_plan
    if inside.empty:
        name = filename or (str(source) if isinstance(source, str | Path) else UNNAMED_FILE)
        # Why there is nothing to score, without the reader's other notes.
        why = [note.text for note in notes if note.left_out]
        raise Invalid(f"actuals: {name}: {'; '.join(why) or 'no rows'}; nothing to score")
    notes += plan_series_without_actuals(store, state, frame)
    table = score(store, state.plan_id, frame[[schema.UNIQUE_ID, schema.DS, schema.Y]])
    if not has_goal(store, state.plan_id):
        notes.append(ActualsNote(NoteKind.NO_GOAL_SCORED, NO_GOAL_SCORED))
    return FileScore(table, notes)


def score_file(
    store: PlanRepository,
    plan: str,
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    decimal: str | None = None,
    week_dates: str | None = None,
) -> pd.DataFrame:
    """`score_file_noted`'s table alone."""
    return score_file_noted(
        store, plan, source, filename=filename, decimal=decimal, week_dates=week_dates
    ).table
