"""What a plan made like another starts without, as notes each face words (pandas-free, so the
faces' wording tables load without the engine): `LikeNote` (the facts and a `LikeFix` key)
from ``plan_like.create_plan_like``; the CLI words the keys as commands
(``forecast.cli.fix_hints.LIKE_FIXES``), the Data page as pages and buttons
(``dashboard.fix_hints.PAGE_LIKE_FIXES``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class LikeFix(StrEnum):
    """How to put back something a plan made like another does not take. Each face words it
    with the note's facts: the CLI as a command (``forecast.cli.fix_hints.LIKE_FIXES``), the
    Data page as a page and its button (``dashboard.fix_hints.PAGE_LIKE_FIXES``);
    `NEUTRAL_LIKE_FIXES` words it for neither (the audit row)."""

    EXPLAIN_AGAIN = "explain_again"  # {plan}: the explanations were not carried
    MARK_FACTORS_AGAIN = "mark_factors_again"  # {plan}: the marked factors were not carried
    SET_GOAL_AGAIN = "set_goal_again"  # {plan} {per_period} {against} {ratio} {basis} {spread_by}
    UPLOAD_ACTUALS = "upload_actuals"  # {plan}: the actuals stay with the other plan
    NAME_LEAD = "name_lead"  # {plan} {team}: a team nobody leads
    TAKE_SUGGESTION = "take_suggestion"  # {plan} {event_id} {days}: a clipped event's offer
    ADD_EVENT_AGAIN = "add_event_again"  # {plan} {event_id}: an event the new plan refused


WordsOf = Mapping["LikeFix", Callable[[Mapping[str, Any]], str]]
"""A face's words for each key: the fix of a note from its facts."""


@dataclass(frozen=True)
class LikeNote:
    """Something a plan made like another starts without: what (`what`, the facts in words
    every face shares, ending where the fix follows; empty where the fix says all, as after an
    event's reason for being left out) and how to put it back (`fix`, worded by each face with
    `facts`: the new plan's id as ``plan`` and what the key lists)."""

    what: str
    fix: LikeFix
    facts: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Its own facts, read-only: notes made from one dict (a plan's id) share nothing.
        object.__setattr__(self, "facts", MappingProxyType(dict(self.facts)))

    def text(self, fixes: WordsOf | None = None) -> str:
        """The note with its fix in the words of `fixes` (a face's), else in neutral words."""
        words = (fixes or NEUTRAL_LIKE_FIXES)[self.fix](self.facts)
        return f"{self.what} {words}" if self.what else words


NEUTRAL_LIKE_FIXES: WordsOf = {
    LikeFix.EXPLAIN_AGAIN: lambda f: "explain them again",
    LikeFix.MARK_FACTORS_AGAIN: lambda f: "mark them again",
    LikeFix.SET_GOAL_AGAIN: lambda f: (
        f"set the goal{' per period' * bool(f['per_period'])} {f['against']} again"
    ),
    LikeFix.UPLOAD_ACTUALS: lambda f: "upload the new periods' actuals",
    LikeFix.NAME_LEAD: lambda f: "name one",
    LikeFix.TAKE_SUGGESTION: lambda f: f"taking the suggestion again takes the one for {f['days']}",
    LikeFix.ADD_EVENT_AGAIN: lambda f: "add it to the new plan again as it fits there",
}
