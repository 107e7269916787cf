"""Which model served each series of a plan, and the series the model asked for did not serve
(ended, special cases, on a fallback model), as their ``model`` labels say."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from forecast import schema
from forecast.engine import label_notes
from forecast.plan import PlanState
from forecast.services import model_names
from forecast.services.cache import PerStoreCache
from forecast.services.errors import Invalid
from forecast.services.plan_frames import BASELINE, blob_frame
from forecast.services.series_frames import labels_of
from forecast.store import PlanRepository
from forecast.vocabulary import SERIES_STANDINGS

_SERIES_MODELS: PerStoreCache[dict[str, str]] = PerStoreCache(size=4)


def series_models(store: PlanRepository, state: PlanState) -> dict[str, str]:
    """Which model served each series of this plan (its ``model`` label), read from the
    baseline's two columns only, once per baseline (events and publishing leave it as it is)."""

    def read() -> dict[str, str]:
        columns = [schema.UNIQUE_ID, schema.MODEL]
        return labels_of(blob_frame(store.get_blob(state.plan_id, BASELINE), columns=columns))

    key = (state.plan_id, store.blob_hashes(state.plan_id).get(BASELINE))
    return _SERIES_MODELS.get(store, state, key, read)


@dataclass(frozen=True)
class SeriesStanding:
    """The series of a plan the model asked for did not serve, as their ``model`` labels say
    (`engine.label_notes.standing`, the one reader): those read as ended (a closed store:
    forecast as 0) with the date of each one's last row, the special cases served before any
    model is tried (too short, constant, mostly or all without sales), and those a fallback
    model served (the model asked for failed)."""

    ended: dict[str, date] = field(default_factory=dict)
    on_fallback: tuple[str, ...] = ()
    special: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ended or self.on_fallback or self.special)

    def series(self, standing: str) -> list[str]:
        """The series of a `vocabulary.SERIES_STANDINGS` choice: "ended", "special",
        "fallback", or "other-model" (all three: what `served_by_fallback` lists)."""
        if standing not in SERIES_STANDINGS:
            raise Invalid(
                f"standing must be one of {', '.join(SERIES_STANDINGS)}, got {standing!r}"
            )
        if standing == "other-model":
            return sorted({*self.ended, *self.special, *self.on_fallback})
        chosen = {"ended": self.ended, "special": self.special, "fallback": self.on_fallback}
        return list(chosen[standing])

    def text(self) -> str:
        """``2 series ended (forecast as 0), 1 special case (...), 3 on a fallback model``."""
        parts = []
        if self.ended:
            parts.append(f"{len(self.ended):,} series ended (forecast as 0)")
        if self.special:
            cases = "special case" if len(self.special) == 1 else "special cases"
            parts.append(
                f"{len(self.special):,} {cases} (too short, constant, mostly or all without sales)"
            )
        if self.on_fallback:
            parts.append(f"{len(self.on_fallback):,} on a fallback model")
        return ", ".join(parts)


def standing_of(labels: Mapping[str, str]) -> SeriesStanding:
    """`SeriesStanding` of the series' ``model`` labels (series key: label)."""
    ended: dict[str, date] = {}
    by_kind: dict[str, list[str]] = {label_notes.SPECIAL_CASE: [], label_notes.MODEL_FAILED: []}
    for uid, label in sorted(labels.items()):
        found = label_notes.standing(label)
        if found is None:
            continue
        if found.kind == label_notes.ENDED and found.ended is not None:
            ended[uid] = found.ended
        else:
            by_kind[found.kind].append(uid)
    return SeriesStanding(
        ended,
        tuple(by_kind[label_notes.MODEL_FAILED]),
        tuple(by_kind[label_notes.SPECIAL_CASE]),
    )


def series_standing(store: PlanRepository, state: PlanState) -> SeriesStanding:
    """How the series of this plan the model asked for did not serve stand."""
    return standing_of(series_models(store, state))


def served_by_fallback(
    store: PlanRepository, state: PlanState
) -> tuple[model_names.FallbackServed, ...]:
    """The series of this plan the model asked for did not serve (special cases, ended series,
    failed models: `SeriesStanding.series("other-model")`), each with the model that served it
    and why, as its ``model`` label says: what the Data page names after the plan is made
    (`model_names.served_by_fallback`)."""
    return model_names.served_by_fallback(series_models(store, state))
