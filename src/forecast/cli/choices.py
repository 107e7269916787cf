"""The closed choices of the command line, as option types built from `forecast.vocabulary`.

`Annotated[Model, typer.Option("--model")]` accepts only a known model, lists the models in the
help, and refuses anything else with the list (exit code 2). mypy sees plain `str`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from forecast.cli.conventions import choice, choice_enum
from forecast.vocabulary import (
    AUTH_MODES,
    DECIMAL_MARKS,
    DUPLICATE_RULES,
    EVENT_KINDS,
    EXPORT_FORMATS,
    FREQUENCIES,
    IMPORT_MEMBERS,
    MODELS,
    PLAN_LEVELS,
    REASON_CODES,
    REPLAY_RULES,
    ROLES,
    SERIES_STANDINGS,
    WEEK_DATES,
    Basis,
    Oversubscription,
    RemainderRule,
)

if TYPE_CHECKING:
    from enum import Enum as ModelMember  # a repeatable --model: take .value
    from typing import TypeAlias

    Model: TypeAlias = str
    Frequency: TypeAlias = str
    Duplicates: TypeAlias = str
    WeekDates: TypeAlias = str
    DecimalMark: TypeAlias = str
    EventKind: TypeAlias = str
    ReasonCode: TypeAlias = str
    PlanLevel: TypeAlias = str
    SeriesOnly: TypeAlias = str
    Role: TypeAlias = str
    ExportFormat: TypeAlias = str
    ImportMembers: TypeAlias = str
    BasisName: TypeAlias = str
    OversubscriptionRule: TypeAlias = str
    RemainderRuleName: TypeAlias = str
    ReplayRule: TypeAlias = str
    AuthModeName: TypeAlias = str
else:
    Model = choice(MODELS)
    ModelMember = choice_enum("Model", MODELS)
    Frequency = choice(FREQUENCIES)
    Duplicates = choice(DUPLICATE_RULES)
    WeekDates = choice(WEEK_DATES)
    DecimalMark = choice(DECIMAL_MARKS)
    EventKind = choice(EVENT_KINDS)
    ReasonCode = choice(REASON_CODES)
    PlanLevel = choice(PLAN_LEVELS)
    SeriesOnly = choice(SERIES_STANDINGS)
    Role = choice(ROLES)
    ExportFormat = choice(EXPORT_FORMATS)
    ImportMembers = choice(IMPORT_MEMBERS)
    BasisName = choice(Basis)
    OversubscriptionRule = choice(Oversubscription)
    RemainderRuleName = choice(RemainderRule)
    ReplayRule = choice(REPLAY_RULES)
    AuthModeName = choice(AUTH_MODES)
