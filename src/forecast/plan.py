"""The plan aggregate: everything a plan holds besides its data frames, as one JSON-able document.

A plan is stored as one row whose ``doc`` column is ``PlanState.to_dict()`` plus an integer
``version`` (optimistic locking) and Parquet blobs for its frames (history, attributes, baseline).
The system track owns ``events``, ``explanations``, ``factors`` and ``threshold``; the negotiation
track owns ``negotiation`` (an opaque dict this module never looks into).

Roles per plan: ``owner`` (publish, threshold, grant, goal, remainder rule, lock, archive), ``planner``
(events, explanations, factors), ``lead`` (claims for their own team only). The creator of a plan
is its owner and a planner.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from forecast.vocabulary import ROLES as ROLES  # re-exported

DRAFT = "draft"
PUBLISHED = "published"
AGREED = "agreed"
STATUSES = (DRAFT, PUBLISHED, AGREED)
LOCKED_STATUSES = (PUBLISHED, AGREED)

DEFAULT_THRESHOLD = 0.20


def utc_now() -> str:
    """The current time as an ISO 8601 string in UTC (seconds precision), as stored everywhere."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass
class Member:
    roles: list[str] = field(default_factory=list)
    team: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"roles": list(self.roles), "team": self.team}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Member:
        return cls(roles=list(data.get("roles", [])), team=data.get("team"))


@dataclass
class DatasetInfo:
    """What the plan's history came from; the frames themselves live in blobs."""

    filename: str | None = None
    history_hash: str = ""
    n_series: int = 0
    start: str | None = None  # first ds of the history (ISO date)
    end: str | None = None  # last ds of the history
    flags: list[str] = field(default_factory=list)
    attribute_columns: list[str] = field(default_factory=list)
    mapping: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class BaselineInfo:
    """Summary of the baseline run; the per-series model is the ``model`` column of the blob."""

    model: str = "auto"  # what was asked for
    levels: list[int] = field(default_factory=lambda: [80, 95])
    start: str | None = None  # first ds of the horizon
    end: str | None = None  # last ds of the horizon
    models_used: dict[str, int] = field(default_factory=dict)  # model name -> series count
    computed_at: str | None = None
    selection: dict[str, Any] = field(default_factory=dict)
    """For ``auto``: the choice and its backtest scores (``auto.Selection.describe``)."""


@dataclass
class PlanState:
    """One plan. ``version`` and ``store_generation`` (`ROW_FIELDS`) come with the store's row
    and are not part of the document."""

    plan_id: str
    name: str
    freq: str
    horizon: int
    team_attr: str | None
    created_by: str
    created_at: str = field(default_factory=utc_now)
    updated_at: str = field(default_factory=utc_now)
    status: str = DRAFT
    parent_id: str | None = None
    version: int = 0
    store_generation: str | None = field(default=None, compare=False, repr=False)
    """The generation of the store (``PlanRepository.generation``) read together with the plan:
    what is computed from this state belongs to it, also when a restore of a backup has replaced
    the store since. None for a plan not read from a store. The row's, like ``version``."""
    threshold: float = DEFAULT_THRESHOLD
    dataset: DatasetInfo = field(default_factory=DatasetInfo)
    baseline: BaselineInfo = field(default_factory=BaselineInfo)
    members: dict[str, Member] = field(default_factory=dict)
    # System track (forecast.overrides owns the shape of each entry: Event.to_dict() etc.).
    events: list[dict[str, Any]] = field(default_factory=list)
    explanations: list[dict[str, Any]] = field(default_factory=list)
    factors: list[dict[str, Any]] = field(default_factory=list)
    next_event_number: int = 1
    published_at: str | None = None
    published_by: str | None = None
    # Negotiation track: owned and filled by forecast.negotiation / services.negotiation.
    negotiation: dict[str, Any] = field(default_factory=dict)
    # The plan's currency (ISO 4217 code) or None for plain numbers. Documents written before the
    # field existed read as EUR, the currency the dashboard showed them in from its first release
    # (the command line printed plain numbers; no key of such a document tells which was meant).
    currency: str | None = "EUR"
    # forecast.engine.stretch.StretchCalibration.to_dict(), computed at creation ({} = not yet).
    stretch_calibration: dict[str, Any] = field(default_factory=dict)
    # Archived: retired by its owner (or an admin), left out of the plan lists and read-only
    # until unarchived; nothing of it is deleted. Documents without the fields are not archived.
    archived_at: str | None = None
    archived_by: str | None = None

    # -- roles -----------------------------------------------------------------------------
    def roles_of(self, user: str) -> list[str]:
        member = self.members.get(user)
        return list(member.roles) if member else []

    def has_role(self, user: str, role: str) -> bool:
        return role in self.roles_of(user)

    def team_of(self, user: str) -> str | None:
        member = self.members.get(user)
        return member.team if member else None

    def grant(self, user: str, role: str, team: str | None = None) -> None:
        """Give `user` the `role` (keeps their other roles); a lead's team is replaced by `team`."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        member = self.members.setdefault(user, Member())
        if role not in member.roles:
            member.roles.append(role)
        if team is not None:
            member.team = team

    def revoke(self, user: str, role: str) -> None:
        member = self.members.get(user)
        if member and role in member.roles:
            member.roles.remove(role)
            if not member.roles:
                del self.members[user]

    @property
    def locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    # -- serialisation ---------------------------------------------------------------------
    def _document(self) -> dict[str, Any]:
        """The document (without the row's fields) holding this state's own values, not copies:
        only for writing out at once, never to keep or to change."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ROW_FIELDS:
                continue
            value = getattr(self, f.name)
            if f.name == "members":
                out[f.name] = {user: m.to_dict() for user, m in value.items()}
            elif f.name in ("dataset", "baseline"):
                out[f.name] = asdict(value)
            else:
                out[f.name] = value
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able deep copy of the document (without ``version``, which is the row's)."""
        return {name: _copied(value) for name, value in self._document().items()}

    def to_json(self) -> str:
        """The document as the store keeps it: ``json.dumps(self.to_dict())`` without copying
        the document first (a large plan's explanations run to megabytes)."""
        return json.dumps(self._document(), default=str, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: int = 0) -> PlanState:
        """A state of its own: nothing of `data` is shared with it."""
        known = {f.name for f in fields(cls)}
        return cls._holding({k: _copied(v) for k, v in data.items() if k in known}, version)

    @classmethod
    def from_json(
        cls, text: str, version: int = 0, *, lacking: Mapping[str, Any] | None = None
    ) -> PlanState:
        """The state of a stored document (`to_json`); parsed afresh, so shared with nobody.
        `lacking`: values for keys the document lacks (absent, not null): what the store's row
        still holds of a document an older release saved without them."""
        data = json.loads(text)
        for key, value in (lacking or {}).items():
            data.setdefault(key, value)
        return cls._holding(data, version)

    @classmethod
    def _holding(cls, data: dict[str, Any], version: int) -> PlanState:
        """A state holding `data`'s values themselves: only for a document nobody else holds."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known and k not in ROW_FIELDS}
        kwargs["members"] = {u: Member.from_dict(m) for u, m in data.get("members", {}).items()}
        kwargs["dataset"] = _dataclass_from(DatasetInfo, data.get("dataset", {}))
        kwargs["baseline"] = _dataclass_from(BaselineInfo, data.get("baseline", {}))
        return cls(**kwargs, version=version)

    def copy(self) -> PlanState:
        """A deep copy: changing either changes nothing of the other."""
        copied = PlanState._holding(self.to_dict(), version=self.version)
        copied.store_generation = self.store_generation
        return copied


ROW_FIELDS = ("version", "store_generation")
"""The fields of `PlanState` that the store's row gives, not the plan's document."""


def _dataclass_from(kind: type, data: dict[str, Any]) -> Any:
    """`kind` holding `data`'s values themselves (the caller copies what it keeps using)."""
    known = {f.name for f in fields(kind)}
    return kind(**{k: v for k, v in data.items() if k in known})


_UNCHANGEABLE = frozenset((str, int, float, bool, type(None)))


def _copied(value: Any) -> Any:
    """A deep copy of a document's value, as `copy.deepcopy` makes it but several times faster
    for what a document holds (dicts and lists of strings and numbers): copying a large plan's
    document took most of the time of each read and save. Anything else goes to
    `copy.deepcopy`. (Two references to one object become two copies; a document has none.)"""
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _UNCHANGEABLE else _copied(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _UNCHANGEABLE else _copied(v) for v in value]
    if kind in _UNCHANGEABLE:
        return value
    return copy.deepcopy(value)
