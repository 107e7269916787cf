"""Read models of the system track: what the System plan page (and `forecast plan show`) shows,
computed once here instead of in each face.

``system_page(store, plan, user)`` is the whole page in one call: totals, the gate, the team
summary, events, marked deviations, the horizon's dates, and what this user may do now with the
reason when not. ``team_summary`` and ``fan_frames`` serve the parts that change on their own.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from forecast import overrides, schema
from forecast.errors import Fix, FixKey, explain
from forecast.money import quantum
from forecast.negotiation import round_to
from forecast.overrides import Event, Factor
from forecast.plan import PlanState
from forecast.services import model_names, plan_frames, plan_standing, plan_totals, plans, system
from forecast.services.cache import PerStoreCache
from forecast.services.series_frames import minor_column, team_totals
from forecast.services.system import GateStatus
from forecast.store import PlanRepository

TEAM_SUMMARY_COLUMNS = ["team", "baseline", "system_plan", "adjustment", "deviation_pct", "events"]


@dataclass(frozen=True)
class Permission:
    """Whether the user may do something now; if not, why (`reason`) and how to fix it (`fix`,
    worded by each face; `why_not` words it neutrally)."""

    allowed: bool
    reason: str = ""
    fix: Fix | None = None

    @property
    def why_not(self) -> str:
        return explain(self.reason, self.fix)


@dataclass(frozen=True)
class SystemPage:
    """Everything the System plan page renders for one user at one plan version."""

    plan_id: str
    version: int
    status: str
    threshold: float
    baseline_total: float
    plan_total: float
    gate: GateStatus
    teams: pd.DataFrame  # TEAM_SUMMARY_COLUMNS, one row per team over the whole horizon
    events: list[Event]
    factors: list[Factor]
    deviations: pd.DataFrame  # system.deviations: marked cells with explained / outdated
    dates: list[str]  # the horizon's periods, ISO dates of their first days
    edit: Permission  # events, explanations, factors (planner)
    publish: Permission  # publish (owner)
    set_threshold: Permission  # threshold (owner)
    currency: str | None = "EUR"  # the plan's ISO code; None: plain numbers
    period_ends: list[str] = field(default_factory=list)  # ISO dates of their last days
    freq: str = ""  # the plan's calendar (D, W-MON, M, Q): how a period is named

    @property
    def change(self) -> float:
        """System plan against the baseline as a fraction (0.05 = +5 %)."""
        return self.plan_total / self.baseline_total - 1.0 if self.baseline_total else 0.0


def team_summary(series_plan: pd.DataFrame, currency: str | None = None) -> pd.DataFrame:
    """Per team over the whole horizon: baseline, system plan, what events add, the deviation in
    percent (0 where the baseline is 0) and the sorted ids of the events touching the team. In a
    currency without cents (`currency` JPY) each team's totals are rounded once to its whole
    unit, as the ledger rounds them, and what events add is the difference of those."""
    if series_plan.empty:
        return pd.DataFrame(columns=TEAM_SUMMARY_COLUMNS)
    # The ledger's team sums (cents of each series-period, grouped by the team column as it
    # comes, categories included, and made text only once reduced), so a team's figures here
    # are the ledger's to the cent: float sums showed a unit less on the page.
    step = quantum(currency)
    sums = (
        pd.DataFrame(
            {
                c: {t: round_to(v, step) for t, v in team_totals(series_plan, c).items()}
                for c in ("baseline", "system_plan")
            }
        )
        .sort_index()
        .astype("int64")
        / 100
    )
    # The distinct (team, events) pairs are few: split those, not every series-period.
    pairs = series_plan[["team", "events"]].drop_duplicates().astype(str)
    events = (
        pairs.drop_duplicates()
        .groupby("team")["events"]
        .agg(
            lambda v: ",".join(
                sorted({e for text in v for e in text.split(",") if e and e != "nan"})
            )
        )
    )
    out = sums.reset_index(names="team")
    out["adjustment"] = out["system_plan"] - out["baseline"]
    base = out["baseline"].where(out["baseline"] != 0)
    out["deviation_pct"] = (100.0 * out["adjustment"] / base).fillna(0.0)
    out["events"] = out["team"].map(events).fillna("")
    return out[TEAM_SUMMARY_COLUMNS]


def team_summary_of(store: PlanRepository, plan: str) -> pd.DataFrame:
    """``team_summary`` of the plan's system plan now."""
    return team_summary(
        system.system_plan(store, plan, "series"), plans.get_plan(store, plan).currency
    )


def _permission(
    state: PlanState, user: str | None, role: str, doing: str, who_can: str, grantable: bool
) -> Permission:
    who = user or "nobody"
    if state.archived:
        return Permission(
            False,
            f"{who} cannot {doing}: the plan is archived, so it is read-only",
            Fix(FixKey.UNARCHIVE_PLAN, plan=state.plan_id),
        )
    if state.locked:
        return Permission(
            False,
            f"{who} cannot {doing}: the plan is already {state.status}, so it is read-only",
            Fix(FixKey.NEW_VERSION, plan=state.plan_id),
        )
    if not user or not state.has_role(user, role):
        fix = Fix(FixKey.GRANT_ROLE, plan=state.plan_id, user=who, role=role)
        return Permission(False, f"{who} cannot {doing}: {who_can}", fix if grantable else None)
    return Permission(True)


def permissions(state: PlanState, user: str | None) -> dict[str, Permission]:
    """What `user` may do on the system track of `state` now (role and lock, from the plan)."""
    return {
        "edit": _permission(
            state,
            user,
            "planner",
            "change events, explanations or factors",
            "that needs the planner role on this plan",
            grantable=True,
        ),
        "publish": _permission(
            state, user, "owner", "publish", "only the plan's owner publishes", grantable=False
        ),
        "set_threshold": _permission(
            state,
            user,
            "owner",
            "change the threshold",
            "only the plan's owner sets it",
            grantable=False,
        ),
    }


def system_page(store: PlanRepository, plan: str, user: str | None) -> SystemPage:
    """The System plan page's read model (one plan load, one application of the events)."""
    state = plans.get_plan(store, plan)
    series_plan = system.system_plan(store, state.plan_id, "series")
    marked = system.deviations(store, state.plan_id)
    periods = overrides.horizon_periods(series_plan[schema.DS].unique(), state.freq)
    dates = periods[schema.DS].dt.strftime("%Y-%m-%d").tolist()
    allowed = permissions(state, user)
    teams = team_summary(series_plan, state.currency)
    return SystemPage(
        plan_id=state.plan_id,
        version=state.version,
        status=state.status,
        threshold=state.threshold,
        # the teams' totals added up, as the ledger's TOTAL (in yen each team rounded once)
        baseline_total=_minor_sum(teams["baseline"]) / 100,
        plan_total=_minor_sum(teams["system_plan"]) / 100,
        gate=system.gate_of(state, marked),
        teams=teams,
        events=system.events_of(state),
        factors=system.factors_of(state),
        deviations=marked,
        dates=dates,
        period_ends=periods["end"].dt.strftime("%Y-%m-%d").tolist(),
        edit=allowed["edit"],
        publish=allowed["publish"],
        set_threshold=allowed["set_threshold"],
        currency=state.currency,
        freq=state.freq,
    )


def _minor_sum(amounts: pd.Series) -> int:
    """The exact sum in minor units of amounts that are whole cents."""
    return int(minor_column(amounts).sum()) if len(amounts) else 0


GENERIC_SCOPE_EXAMPLE = "StoreType=a, or ids=1,2,3"
"""A scope in the scope boxes' syntax for where no plan is at hand."""


@dataclass(frozen=True)
class SystemSetup:
    """The plan's set-up parts of the System plan page: threshold and new factors."""

    threshold: float
    factors: list[Factor]
    edit: Permission
    set_threshold: Permission
    scope_example: str = GENERIC_SCOPE_EXAMPLE
    """A scope of this plan's own, in the syntax the scope boxes read: its team attribute (or
    another attribute) with one of its values, and two of its series ids."""
    currency: str | None = "EUR"  # the plan's ISO code (None: plain numbers), for the factors
    freq: str = ""  # the plan's calendar (D, W-MON, M, Q)
    history_periods: list[str] = field(default_factory=list)
    """A quarterly or monthly plan's history periods (ISO first days), newest first: where a new
    factor may start; empty for a daily or weekly plan, whose factor starts on any day."""


def history_periods(state: PlanState) -> list[str]:
    """`SystemSetup.history_periods` of the plan: its history's quarters or months."""
    code = (state.freq or "")[:1].upper()
    if code not in ("Q", "M") or not state.dataset.start or not state.dataset.end:
        return []
    starts = pd.date_range(state.dataset.start, state.dataset.end, freq=f"{code}S")
    return [day.strftime("%Y-%m-%d") for day in reversed(starts)]


def system_setup(store: PlanRepository, plan: str, user: str | None) -> SystemSetup:
    state = plans.get_plan(store, plan)
    allowed = permissions(state, user)
    attributes = plan_frames.load_blob_frame(store, state.plan_id, plan_frames.ATTRIBUTES)
    return SystemSetup(
        threshold=state.threshold,
        factors=system.factors_of(state),
        edit=allowed["edit"],
        set_threshold=allowed["set_threshold"],
        scope_example=scope_example(attributes, state.team_attr),
        currency=state.currency,
        freq=state.freq,
        history_periods=history_periods(state),
    )


def plan_scope_example(store: PlanRepository, plan: str) -> str:
    """`scope_example` of the plan: what its scope boxes show, and their refusals give."""
    state = plans.get_plan(store, plan)
    attributes = plan_frames.load_blob_frame(store, state.plan_id, plan_frames.ATTRIBUTES)
    return scope_example(attributes, state.team_attr)


_SCOPE_SEPARATORS = re.compile(r"[,;=]")


def scope_example(attributes: pd.DataFrame, team_attr: str | None) -> str:
    """``Region=East, or ids=101,102`` from the plan's own attributes and series (the scope boxes'
    syntax with names a planner of this plan knows; ``StoreType=a`` means nothing in a plan of
    regions). The team attribute first, else an attribute with a few values; a value or id that
    holds a separator of the syntax is not offered."""

    def plain(text: str) -> bool:
        return not _SCOPE_SEPARATORS.search(text)

    ids = sorted(
        (i for i in attributes[schema.UNIQUE_ID].astype(str).unique() if plain(i)),
        key=lambda i: (len(i), i),
    )[:2]
    columns = [team_attr] if team_attr else []
    columns += [
        c
        for c in attributes.columns
        if c not in (schema.UNIQUE_ID, team_attr)
        and 2 <= attributes[c].nunique() <= min(50, len(attributes) - 1)  # groups, not the key
    ]
    parts = []
    for column in columns:
        values = sorted(v for v in attributes[column].dropna().astype(str).unique() if plain(v))
        if values and plain(str(column)):
            parts.append(f"{column}={values[0]}")
            break
    if ids:
        parts.append(f"ids={','.join(ids)}")
    return ", or ".join(parts) or "ids=1,2,3"


@dataclass(frozen=True)
class FanFrames:
    """History, baseline and system plan of the whole plan, one team or one series."""

    history: pd.DataFrame
    baseline: pd.DataFrame
    system_plan: pd.DataFrame
    title: str
    currency: str | None = "EUR"  # the plan's ISO code; None: plain numbers
    models: tuple[model_names.ModelUse, ...] = ()
    """The models behind the baseline shown (whole plan, team or series), most series first."""
    choice: str | None = None
    """How ``auto`` chose the plan's model, in words (``model_names.choice_text``)."""


# History and baseline of a plan version for the one-series fan chart (read-only: a drill-down
# filters a copy).
_FAN_FRAMES: PerStoreCache[tuple[pd.DataFrame, pd.DataFrame]] = PerStoreCache(size=4)


def fan_frames(store: PlanRepository, plan: str, level: str, key: str | None) -> FanFrames:
    """The frames the fan chart draws at `level` ("total", "team" or "series") for `key`. The
    whole plan and a team come from the plan totals read model, summed per period (no frame of
    every series is read); one series from the plan's frames."""
    state = plans.get_plan(store, plan)
    currency, choice = state.currency, model_names.choice_text(state.baseline.selection)
    if level == "series" and key:
        history, baseline = _FAN_FRAMES.get(
            store,
            state,
            (state.plan_id, state.version),
            lambda: (
                plan_frames.load_blob_frame(store, state.plan_id, plan_frames.HISTORY),
                plan_frames.version_frame(store, state, plan_frames.BASELINE),
            ),
        )
        series_plan = system.system_plan(store, state.plan_id, "series")

        def only(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["unique_id"].astype(str) == str(key)]

        label = plan_standing.series_models(store, state).get(str(key))
        used = model_names.model_uses({label: 1} if label else {})
        return FanFrames(
            only(history),
            only(baseline),
            only(series_plan),
            f"Series {key}",
            currency,
            used,
            choice,
        )
    team = str(key) if level == "team" and key else None
    history, baseline, system_plan = plan_totals.of_plan(store, state).fan(team)
    if team is not None:
        used = model_names.model_uses(_team_models(store, state, team))
        return FanFrames(history, baseline, system_plan, f"Team {key}", currency, used, choice)
    used = model_names.model_uses(state.baseline.models_used)
    return FanFrames(history, baseline, system_plan, "Whole plan", currency, used, choice)


def _team_models(store: PlanRepository, state: PlanState, team: str) -> dict[str, int]:
    """label -> series of one team (``plan_standing.series_models`` by the plan's team dimension)."""
    attributes = plan_frames.load_blob_frame(store, state.plan_id, plan_frames.ATTRIBUTES)
    teams = plans.teams_of(attributes, state.team_attr)
    members = set(teams.index[teams == team])
    labels = [
        label for uid, label in plan_standing.series_models(store, state).items() if uid in members
    ]
    return dict(Counter(labels))


def drill_choices(
    store: PlanRepository, plan: str, level: str, search: str | None, limit: int = 50
) -> list[str]:
    """Teams (all, sorted) or series ids (those containing `search`, shortest first, at most
    `limit`: plans have thousands) to drill the fan chart into."""
    state = plans.get_plan(store, plan)
    attributes = plan_frames.load_blob_frame(store, state.plan_id, plan_frames.ATTRIBUTES)
    if level == "team":
        return sorted(plans.teams_of(attributes, state.team_attr).astype(str).unique())
    ids = attributes["unique_id"].astype(str)
    if search:
        ids = ids[ids.str.contains(search, regex=False)]
    return sorted(ids.head(limit), key=lambda s: (len(s), s))
