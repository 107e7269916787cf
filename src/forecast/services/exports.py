"""Use cases of export: the agreed plan as CSV, XLSX or a JSON bundle, and re-import of a bundle."""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from decimal import Decimal
from pathlib import PurePath
from typing import Any, Union, get_args, get_origin, get_type_hints

import pandas as pd

from forecast import bounds, export, schema
from forecast.errors import Refusal, reason_of
from forecast.negotiation import Negotiation
from forecast.overrides import (
    NEW_VOLUME,
    Deviation,
    Event,
    Explanation,
    Factor,
    Scope,
    UnknownScope,
)
from forecast.plan import ROW_FIELDS, PlanState, utc_now
from forecast.services import (
    accounts,
    model_names,
    plan_totals,
    stretch_calibration,
    system,
    team_actuals,
)
from forecast.services import negotiation as nego
from forecast.services.errors import (
    Fix,
    FixKey,
    Forbidden,
    Invalid,
    NotFound,
    ServiceError,
)
from forecast.services.plan_checks import check_plan_name
from forecast.services.plan_create import history_hash
from forecast.services.plan_frames import load_blob_frame
from forecast.services.plan_standing import series_models
from forecast.services.plan_versions import add_under_name, new_plan_id, refuse_taken_name
from forecast.services.plans import audit_log, get_plan
from forecast.store import (
    Change,
    MemoryStore,
    PastActuals,
    PastChange,
    PlanRepository,
    frame_from_bytes,
)
from forecast.vocabulary import IMPORT_MEMBERS, WEEK_DATES, period_label

REQUIRED_BLOBS = ("history", "attributes", "baseline")


def export_plan(store: PlanRepository, plan: str, fmt: str, *, excel_csv: bool = False) -> bytes:
    """The plan as ``csv`` (one row per series and period; ``excel_csv`` adds the UTF-8 BOM Excel
    wants), ``xlsx`` (a sheet per view, money in the plan's currency format) or ``json`` (a
    complete bundle that ``import_bundle`` turns back into the same plan). A plan without a
    goal exports its system track: baseline and system plan, no basis, target or ledger."""
    fmt = str(fmt).lower()
    if fmt not in export.FORMATS:
        raise Invalid(f"unknown export format {fmt!r}; use one of {', '.join(export.FORMATS)}")
    state = get_plan(store, plan)
    negotiated = _plan_frame(store, state)
    # read once: the series sheet and the by-team sheet rest on this one version, whatever is
    # uploaded while the export is built
    kept = team_actuals.load_kept(store, state)
    actual_minor = _kept_actuals(kept, negotiated)
    actuals_version = None if kept is None else kept.version
    from forecast.money import shown_digits

    rows = export.plan_rows(
        negotiated,
        state.plan_id,
        state.version,
        digits=shown_digits(state.currency),
        freq=state.freq,
        basis_taken_at=_basis_taken_at(state),
        models=series_models(store, state),
        currency=state.currency,
        actual_minor=actual_minor,
        actuals_version=actuals_version,
    )
    if fmt == "csv":
        return export.to_csv(rows, excel=excel_csv)
    if fmt == "xlsx":
        from forecast.money import excel_format

        if len(rows) + 1 > export.EXCEL_MAX_ROWS:  # refused before the other sheets are built
            raise Invalid.from_error(_too_long_for_excel(len(rows)))
        sheets = _sheets(store, state, rows, negotiated, actual_minor, kept)
        # "amount": the explanations sheet's amount of the deviation an explanation was written for
        money = sorted(
            {*export.AMOUNT_COLUMNS, "claim", "assignment", "basis_drift", "last_year", "amount"}
        )
        try:
            return export.to_xlsx(
                sheets, money_columns=money, money_format=excel_format(state.currency)
            )
        except export.ExportError as exc:
            raise Invalid.from_error(exc) from exc
    return export.write_bundle(_bundle_content(store, state, negotiated), store.installation_key())


def _kept_actuals(kept: team_actuals.Kept | None, negotiated: pd.DataFrame) -> pd.Series | None:
    """The kept actual of each row of `negotiated` in minor units (nullable: NA where the period
    has none yet), each rounded to the currency's smallest amount (`team_actuals.cell_minor`),
    from the one read of the actuals in force (`kept`). None while the plan keeps no actuals."""
    if kept is None:
        return None
    by_cell = kept.cells.set_index([schema.UNIQUE_ID, schema.DS])["minor"]
    cells = pd.MultiIndex.from_arrays(
        [
            negotiated[schema.UNIQUE_ID].astype(str).to_numpy(),
            pd.to_datetime(negotiated[schema.DS]).to_numpy(),
        ]
    )
    values = by_cell.reindex(cells).to_numpy(dtype=float)
    return pd.Series(values, index=negotiated.index).astype("Int64")


def _basis_taken_at(state: PlanState) -> str | None:
    """When the negotiation's basis was taken (ISO, UTC; None before a goal)."""
    negotiation = nego.negotiation_of(state)
    return negotiation.basis_taken if negotiation is not None else None


def _too_long_for_excel(rows: int) -> export.ExportError:
    return export.ExportError(
        f"the plan has {rows:,} series-periods, more than the {export.EXCEL_MAX_ROWS - 1:,} rows "
        "an Excel sheet holds below its header; export it as CSV (which Excel's Power Query and "
        "every database read) instead"
    )


def _plan_frame(store: PlanRepository, state: PlanState) -> pd.DataFrame:
    """The negotiated plan (``negotiation.negotiated_plan``); before a goal is set, the system
    track alone: unique_id, ds, team and the baseline and system plan in minor units."""
    if nego.negotiation_of(state) is not None:
        return nego.negotiated_plan(store, state.plan_id)
    frame = nego.series_frame(store, state.plan_id)
    out = frame[[schema.UNIQUE_ID, schema.DS, schema.TEAM]].copy()
    from forecast.money import quantum

    for col in (schema.BASELINE, schema.SYSTEM_PLAN):
        out[f"{col}_minor"] = nego.whole_cells(frame, col, quantum(state.currency))
    return out


def _sheets(
    store: PlanRepository,
    state: PlanState,
    rows: pd.DataFrame,
    negotiated: pd.DataFrame,
    actual_minor: pd.Series | None = None,
    kept: team_actuals.Kept | None = None,
) -> dict[str, pd.DataFrame]:
    money = export.money_columns_of(negotiated)
    by_series = rows.copy()
    for col in money:
        # The nearest float to each exact amount: the cell shows the currency's decimals.
        by_series[col] = negotiated[f"{col}_minor"].to_numpy() / 100
    adjustment = negotiated["system_plan_minor"] - negotiated["baseline_minor"]
    by_series["adjustment"] = adjustment.to_numpy() / 100
    sums = negotiated.groupby("team")[[f"{c}_minor" for c in money]].sum()
    by_team = pd.DataFrame({"team": sums.index.astype(str)})
    for col in money:
        # Any list can be a column; the stubs leave Decimal out of the allowed scalars.
        by_team[col] = [  # type: ignore[assignment]
            Decimal(int(v)) / 100 for v in sums[f"{col}_minor"]
        ]
    if actual_minor is not None:
        by_series["actual"] = [None if pd.isna(v) else int(v) / 100 for v in actual_minor]
        # a team's actual only where each of its series-periods has one (the Side by side
        # page's rule, `team_actuals`): a sum of some periods beside the targets of all would
        # read as a miss
        by = team_actuals.by_team(team_actuals.team_rows(kept))
        actual = [team_actuals.team_actual_minor(by.get(str(team))) for team in sums.index]
        by_team["actual"] = [  # type: ignore[assignment]
            None if minor is None else Decimal(minor) / 100 for minor in actual
        ]
    audit = pd.DataFrame(
        [
            {
                "version": e.version,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "what": e.what,
                "before": e.before,
                "after": e.after,
                "reason": e.reason,
            }
            for e in audit_log(store, state.plan_id)
        ]
    )
    ledger, basis = _negotiation_sheets(store, state) if "target" in money else (None, None)
    sheets = {"by series-period": by_series, "by team": by_team, "ledger": ledger}
    sheets["events"] = _with_period_words(events_sheet(state.events), state.freq)
    sheets["explanations"] = _with_period_words(
        explanations_sheet(state.explanations, system.deviations(store, state.plan_id)),
        state.freq,
    )
    sheets.update({"audit log": audit, "basis": basis})
    sheets["models"] = models_sheet(state.baseline.models_used)
    # Before a goal there is no ledger and no basis: those sheets are left out.
    return {name: sheet for name, sheet in sheets.items() if sheet is not None}


def _with_period_words(sheet: pd.DataFrame, freq: str | None) -> pd.DataFrame:
    """A sheet of the XLSX with a ``period`` column naming its dates' periods in words, as the
    series sheet has it (`period_label`: a quarter ``2018 Q1``, a month ``Jan 2018``; a day or a
    week by its date): an explanation's cell after its ``ds``, an event's ``start`` to ``end``
    after its ``end``. A sheet without those columns is left as it is."""

    def words(value: Any) -> str:
        return period_label(pd.Timestamp(value).strftime("%Y-%m-%d"), freq)

    def span(start: Any, end: Any) -> str:
        first, last = words(start), words(end)
        return first if first == last else f"{first} to {last}"

    if "ds" in sheet.columns:
        after, labels = "ds", [words(day) for day in sheet["ds"]]
    elif {"start", "end"} <= set(sheet.columns):
        after = "end"
        labels = [span(a, b) for a, b in zip(sheet["start"], sheet["end"], strict=True)]
    else:
        return sheet
    out = sheet.copy()
    out.insert(list(out.columns).index(after) + 1, "period", labels)
    return out


def scope_words(scope: Mapping[str, Any] | None) -> str:
    """An event's scope as a person reads it in a sheet: ``StoreType=c``, ``StoreType=a,c;
    Assortment=a``, ``ids 1020, 1021`` (every id: a sheet is no place for "..."), ``all
    series``."""
    read = Scope.from_dict(scope or {})
    if read.is_all:
        return "all series"
    parts = [f"{key}={','.join(values)}" for key, values in read.attributes.items()]
    if read.ids:
        parts.append("ids " + ", ".join(read.ids))
    return "; ".join(parts)


SCOPE_WORDS_FIX = (
    "write 'all series' (or leave it empty), attribute=value selectors such as StoreType=a,c; "
    "Assortment=a, or series ids such as 'ids 1020, 1021'"
)


def scope_of_words(text: str) -> Scope:
    """The inverse of ``scope_words``: the scope a sheet's cell names (empty: all series).
    Refused with ``UnknownScope`` where a part is neither ``attribute=values`` nor ``ids ...``;
    the values it names are checked against a plan by ``Scope.validate``."""
    words = " ".join(str(text or "").split())
    if not words or Scope.means_all(words):
        return Scope()
    selectors: list[str] = []
    ids: list[str] = []
    for part in (p.strip() for p in words.split(";")):
        if not part:
            continue
        head, _, rest = part.partition(" ")
        if head.lower() == "ids" and "=" not in part:
            ids += [i.strip() for i in rest.split(",") if i.strip()]
        elif "=" in part:
            selectors.append(part)
        else:
            raise UnknownScope(
                f"the scope part {part[:60]!r} is neither attribute=value nor 'ids ...'"
            )
    return Scope.parse(selectors, ids)


def events_sheet(events: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The XLSX "events" sheet (and the events CSV): one row per event as stored, its scope in
    words and how it counts as it applies (an event saved before ``counts`` was recorded counts
    whole periods). With no events, the header alone: a calendar to fill in."""
    if not events:
        return pd.DataFrame(columns=[f.name for f in fields(Event)])
    sheet = export.records(events)
    sheet["scope"] = [scope_words(event.get("scope")) for event in events]
    sheet["counts"] = [Event.from_dict(event).counts for event in events]
    return sheet


def export_events(store: PlanRepository, plan: str, *, excel_csv: bool = False) -> bytes:
    """The plan's events as CSV, the columns of the XLSX export's events sheet (ISO dates, plain
    numbers): edited in a spreadsheet, ``event_import.import_events`` adds them to another plan
    or a new version. ``excel_csv`` starts it with the UTF-8 BOM Excel wants."""
    return events_csv(get_plan(store, plan), excel_csv=excel_csv)


def events_csv(state: PlanState, *, excel_csv: bool = False) -> bytes:
    """`export_events` of a plan already read."""
    return export.to_csv(events_sheet(state.events), excel=excel_csv)


EVENT_FILE_REFUSED: tuple[str, ...] = (".xls", ".xlsm", ".ods", ".numbers", ".json", ".xml")
EVENT_FILE_REFUSED += (".pdf", ".zip", ".parquet", ".pq", ".gz")
"""Names an events file cannot have: `event_import` reads none of these as the export would
write it (a workbook of another kind, a Parquet or JSON file, an archive)."""


def events_file(state: PlanState, filename: str, *, excel_csv: bool = False) -> bytes:
    """The plan's events as the file `filename` names: a workbook (its "events" sheet) for
    ``.xlsx``, CSV for any other name `event_import` reads as CSV (``.csv``, ``.txt``, none);
    a name it would not read back (``.xls``, ``.parquet``...) is refused, so every file written
    imports again."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        sheet = events_sheet(state.events)
        try:
            return export.to_xlsx({"events": sheet})
        except export.ExportError as exc:
            raise Invalid.from_error(exc) from exc
    if suffix in EVENT_FILE_REFUSED:
        raise Invalid(
            f"cannot write the events as {suffix}: an events file is CSV or an XLSX workbook; "
            "name the file .csv or .xlsx"
        )
    return events_csv(state, excel_csv=excel_csv)


EXPLANATION_STATUS = {
    "valid": "explains the deviation as it is now",
    "outdated": "the deviation changed since: explain it again",
    "open": "a deviation above the threshold with no explanation yet",
    "not needed": "the deviation is under the threshold now",
    "replaced": "a later explanation of the same deviation counts",
}
"""The "status" of the explanations sheet's rows (the gate's own verdict on each cell)."""

PERCENT_PLACES = 4
"""Decimal places of the percentages in the sheets (the ledger's are rounded alike)."""


def explanations_sheet(
    explanations: Sequence[Mapping[str, Any]], marked: pd.DataFrame
) -> pd.DataFrame:
    """The XLSX "explanations" sheet: every explanation with the gate's verdict on it now
    (``status``, see `EXPLANATION_STATUS`), then every marked deviation with none (``open``).
    ``events`` are the ids of the events that make the cell's deviation now, ``deviation_pct``
    the deviation now, ``explained_deviation_pct`` the one the explanation was written for. An
    explanation's other fields follow as stored; a record of the events it was written for
    (``events``: ids, or ids with what each was) is given as ``explained_events``, their ids."""
    gate = {_cell(r["level"], r["key"], r["ds"]): r for r in marked.to_dict("records")}
    latest = {_cell(e["level"], e["key"], e["ds"]): i for i, e in enumerate(explanations)}
    rows = []
    for i, explanation in enumerate(explanations):
        cell = _cell(explanation["level"], explanation["key"], explanation["ds"])
        now = gate.get(cell)
        if latest[cell] != i:
            status = "replaced"
        elif now is None:
            status = "not needed"
        else:
            status = "valid" if now["explained"] else "outdated"
        skip = ("level", "key", "ds", "events", "deviation_pct")
        own = {k: v for k, v in explanation.items() if k not in skip}
        rows.append(
            {
                **_cell_columns(cell, now, status),
                **own,
                # as the gate reads it (a stored one of another kind: none, `from_dict`)
                "explained_deviation_pct": _deviation_shown(
                    Deviation.explained(Explanation.from_dict(explanation).deviation_pct)
                ),
                "explained_events": _event_ids(explanation.get("events")),
            }
        )
    for cell, now in gate.items():
        if cell not in latest:
            rows.append(_cell_columns(cell, now, "open"))
    if not rows:
        return pd.DataFrame({"explanation": []})
    return export.records(rows)


def _cell(level: Any, key: Any, ds: Any) -> tuple[str, str, str]:
    return str(level), str(key), pd.Timestamp(ds).strftime("%Y-%m-%d")


def _cell_columns(
    cell: tuple[str, str, str], now: Mapping[Any, Any] | None, status: str
) -> dict[str, Any]:
    return {
        "level": cell[0],
        "key": cell[1],
        "ds": cell[2],
        "status": status,
        "events": "" if now is None else str(now["events"]),
        "deviation_pct": None
        if now is None
        else _deviation_shown(Deviation.of(now["deviation_pct"], now.get("baseline"))),
    }


def _deviation_shown(deviation: Deviation) -> Any:
    """A deviation for a cell, by the one rule (``Deviation``): new volume as the CLI says it (no
    "inf" in a cell), empty where there is none. Rounded as the ledger sheet's percentages are:
    +40 % reads 40, not 39.999999999999986."""
    if deviation.new_volume:
        return NEW_VOLUME
    return None if deviation.percent is None else round(deviation.percent, PERCENT_PLACES)


def _event_ids(recorded: Any) -> str:
    """The ids of the events an explanation was written for, as it records them (a mapping of
    id to what the event was, or a list of ids or pairs); empty where it records none."""
    if isinstance(recorded, Mapping):
        return ",".join(str(i) for i in recorded)
    if isinstance(recorded, list | tuple):
        return ",".join(str(i[0] if isinstance(i, list | tuple) else i) for i in recorded)
    return ""


def _negotiation_sheets(
    store: PlanRepository, state: PlanState
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ledger (money as exact decimals) and the basis it was set against."""
    ledger = nego.ledger(store, state.plan_id)
    for col in [c for c in ledger.columns if c.endswith(nego.MINOR)]:
        ledger[col.removesuffix(nego.MINOR)] = [  # type: ignore[assignment]
            None if v is None else Decimal(int(v)) / 100 for v in ledger[col]
        ]
    ledger = ledger[[c for c in ledger.columns if not c.endswith(nego.MINOR)]]
    summary = nego.summary(store, state.plan_id)
    basis = pd.DataFrame(
        [
            {"item": "basis", "value": summary.get("basis")},
            {"item": "status", "value": nego.basis_status(summary)},
            {"item": "basis taken at (UTC)", "value": _utc(summary.get("basis_taken_at"))},
            {"item": "rebased by", "value": summary.get("rebased_by")},
            {"item": "rebased at (UTC)", "value": _utc(summary.get("rebased_at"))},
            {"item": "drift total", "value": Decimal(int(summary.get("drift_total") or 0)) / 100},
        ]
    )
    return ledger, basis


def _utc(stamp: str | None) -> pd.Timestamp | None:
    """An ISO time as a date-time cell (UTC, without a zone: Excel keeps none)."""
    if not stamp:
        return None
    moment = pd.Timestamp(stamp)
    return moment.tz_convert("UTC").tz_localize(None) if moment.tzinfo else moment


def models_sheet(models_used: dict[str, int]) -> pd.DataFrame:
    """Which models made the baseline, how many series each, and what each name means."""
    uses = model_names.model_uses(models_used)
    return pd.DataFrame(
        {
            "model": [use.label for use in uses],
            "series": [use.series for use in uses],
            "what it is": [use.means for use in uses],
            "notes": ["; ".join(use.noted) for use in uses],
        }
    )


def _bundle_content(
    store: PlanRepository, state: PlanState, negotiated: pd.DataFrame
) -> dict[str, Any]:
    neg = nego.negotiation_of(state)
    baseline = load_blob_frame(store, state.plan_id, "baseline")
    models = (
        baseline.drop_duplicates(schema.UNIQUE_ID)
        .set_index(schema.UNIQUE_ID)[schema.MODEL]
        .astype(str)
        .to_dict()
    )
    return {
        **_bundle_identity(store, state, models),
        **(_bundle_negotiation(store, state, neg, negotiated) if neg else _NO_NEGOTIATION),
        "audit": _bundle_audit(store, state.plan_id),
        "actuals": [
            {
                "version": v.version,
                "at": v.at,
                "uploaded_by": v.uploaded_by,
                "filename": v.filename,
                "rows": v.rows,
                "summary": v.summary,
                "data": export.frame_payload(store.get_actuals(state.plan_id, v.version)[1]),
            }
            for v in store.actuals_versions(state.plan_id)
        ],
        "plan": state.to_dict(),
        "blobs": {
            kind: export.frame_payload(store.get_blob(state.plan_id, kind))
            for kind in store.blob_kinds(state.plan_id)
            if not plan_totals.is_read_model(kind)
        },
    }


AUDIT_DETAIL_DEPTH = 16
"""How deeply an audit row's before or after may nest in a bundle: a plan's own rows nest a few
levels, each import wraps them in one more (`_past_history`), and a bundle stays well within
``export.MAX_DEPTH``."""
AUDIT_DETAIL_BYTES = 1024 * 1024
"""The most JSON an audit row's before and after together take in a bundle."""
AUDIT_DETAILS_TOTAL_BYTES = 64 * 1024 * 1024
"""The most JSON the before and after of all a bundle's audit rows take together."""


def _detail_bytes(before: Any, after: Any) -> int | None:
    """The JSON size of an audit row's before and after; None where a bundle may not carry them
    (nested deeper than `AUDIT_DETAIL_DEPTH`, larger than `AUDIT_DETAIL_BYTES`, or not plain
    JSON: a NaN, an infinity, a key that is not text)."""
    if max(export.nesting_depth(before), export.nesting_depth(after)) > AUDIT_DETAIL_DEPTH:
        return None
    try:
        size = len(json.dumps([before, after], allow_nan=False, separators=(",", ":")))
    except (TypeError, ValueError):
        return None
    return size if size <= AUDIT_DETAIL_BYTES else None


def _bundle_audit(store: PlanRepository, plan_id: str) -> list[dict[str, Any]]:
    """The plan's audit rows for a bundle, each with its before and after (what the copy's
    value added traces its touches by) while they stay within the bounds; a row beyond them goes
    without, as in bundles from before they were carried."""
    rows = []
    budget = AUDIT_DETAILS_TOTAL_BYTES
    for e in audit_log(store, plan_id):
        row: dict[str, Any] = {
            "version": e.version,
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "what": e.what,
            "reason": e.reason,
        }
        size = _detail_bytes(e.before, e.after)
        if size is not None and size <= budget:
            row["before"], row["after"] = e.before, e.after
            budget -= size
        rows.append(row)
    return rows


# What a bundle of a plan without a goal says of the negotiation.
_NO_NEGOTIATION: dict[str, Any] = {
    "goal": None,
    "basis": None,
    "basis_status": "no goal yet",
    "basis_drift_minor": {},
    "claims": {},
    "rule": None,
    "excluded": [],
    "assignments": {},
    "agreed_by": None,
    "agreed_at": None,
    "ledger_minor": [],
    "targets_minor": {},
}


def _bundle_identity(
    store: PlanRepository, state: PlanState, models: dict[Any, str]
) -> dict[str, Any]:
    return {
        "exported_at": utc_now(),
        "plan_id": state.plan_id,
        "version": state.version,
        "status": state.status,
        "data_hash": state.dataset.history_hash,
        "model_per_series": models,
        "events": state.events,
        "explanations": state.explanations,
        AS_STORED: _explanations_no_longer_accepted(state.explanations),
        "members": {u: m.to_dict() for u, m in state.members.items()},
    }


AS_STORED = "explanations_as_stored"
"""The bundle's list of the plan's explanations (numbers from 1) that this program would refuse
in a bundle (`Explanation.imported`) but that the exported plan held as they are (stored plans
read them leniently: an older import, a reason code retired since): the import carries those as
the plan held them, with a note, instead of refusing the plan's own bundle. Any other
explanation is held to the rules, so one changed in the bundle afterwards is refused."""


def _explanations_no_longer_accepted(explanations: Sequence[Any]) -> list[int]:
    """The numbers (from 1) of the stored `explanations` a bundle's would be refused as."""
    out = []
    for number, record in enumerate(explanations, 1):
        try:
            Explanation.imported(record)
        except Exception:
            out.append(number)
    return out


def _bundle_negotiation(
    store: PlanRepository, state: PlanState, neg: Negotiation, negotiated: pd.DataFrame
) -> dict[str, Any]:
    ledger = neg.ledger(*nego.current_totals(store, state))
    summary = nego.summary(store, state.plan_id)
    targets = negotiated[[schema.UNIQUE_ID, schema.DS, schema.TEAM, "target_minor"]].copy()
    targets[schema.DS] = targets[schema.DS].dt.strftime("%Y-%m-%d")
    return {
        "goal": neg.goal,
        "basis": neg.basis.value,
        "basis_status": nego.basis_status(summary),
        "basis_drift_minor": summary.get("drift", {}),
        "claims": {t: c.to_dict() for t, c in neg.claims.items()},
        "rule": neg.rule.value if neg.rule else None,
        "excluded": neg.excluded,
        "assignments": neg.assignments,
        "agreed_by": neg.agreed_by,
        "agreed_at": neg.agreed_at,
        "ledger_minor": ledger.to_dict(orient="records"),
        "targets_minor": targets.to_dict(orient="list"),
    }


def _require_admin_for_trust(store: PlanRepository, actor: str) -> None:
    """Trusting a bundle whose signature cannot be checked is an admin's call. A store without
    accounts (from before sign-in) keeps the CLI's rule: whoever opens the database is trusted."""
    if not accounts.has_accounts(store):
        return
    account = accounts.active_account(store, actor)
    if account is None or not account.is_admin:
        raise Forbidden(
            f"user {actor} may not import a bundle on trust: trusting a bundle of another "
            "installation needs an admin account",
            Fix(FixKey.TRUST_AS_ADMIN),
        )


def import_bundle(
    store: PlanRepository,
    data: bytes,
    actor: str,
    *,
    trust: bool = False,
    name: str | None = None,
    unpacked_limit: int | None = None,
    members: str | None = None,
) -> str:
    """`import_noted`, returning only the new plan's id."""
    return import_noted(
        store,
        data,
        actor,
        trust=trust,
        name=name,
        unpacked_limit=unpacked_limit,
        members=members,
    ).plan_id


@dataclass(frozen=True)
class ImportedMember:
    """A member of the bundle's plan, kept in the copy or left out of it (`why`)."""

    name: str
    roles: tuple[str, ...]
    team: str | None
    display_name: str | None = None  # of the account here of that name, if any
    why: str | None = None  # why it was left out

    def text(self) -> str:
        """``olga (Olga Newhire) as owner, planner``: the name, the account's display name here
        where it differs, and the roles."""
        roles = ", ".join(
            f"lead of team {self.team}" if r == "lead" and self.team else r for r in self.roles
        )
        shown = self.display_name if self.display_name not in (None, self.name) else None
        return f"{self.name}{f' ({shown})' if shown else ''} as {roles or 'no role'}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "roles": list(self.roles),
            "team": self.team,
            "display_name": self.display_name,
            **({"why": self.why} if self.why else {}),
        }


@dataclass(frozen=True)
class Imported:
    """What an import made: the plan, which rule chose its members, who was kept (by name and
    role, the importer included) and who was left out and why."""

    plan_id: str
    members_rule: str
    kept: tuple[ImportedMember, ...]
    left_out: tuple[ImportedMember, ...]
    history_rows: int = 0
    actuals_versions: int = 0
    history: tuple[PastChange, ...] = field(default=(), repr=False)
    actuals: tuple[PastActuals, ...] = field(default=(), repr=False)
    notes: tuple[str, ...] = ()  # what the copy left out of the bundle, and why

    def lines(self) -> list[str]:
        """The import's members (and what came with the plan) in words, one a line: every
        member kept by name and role, those left out grouped by why."""
        why_rule = {
            "existing": "those with an account here",
            "none": "nobody but the importer",
            "all": "every name, also those without an account here",
        }[self.members_rule]
        out = [f"members kept ({why_rule}): " + "; ".join(m.text() for m in self.kept)]
        reasons: dict[str, list[str]] = {}
        for member in self.left_out:
            reasons.setdefault(member.why or "", []).append(member.text())
        for why, names in reasons.items():
            out.append(f"members left out ({why}): " + "; ".join(names))
        out.append(
            f"history: {self.history_rows} audit row(s) of the source plan kept before the "
            f"import's; actuals: {self.actuals_versions} version(s)"
            + ("" if self.actuals_versions else " (the bundle carries none)")
        )
        return out + list(self.notes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "members_rule": self.members_rule,
            "members_kept": [m.to_dict() for m in self.kept],
            "members_left_out": [m.to_dict() for m in self.left_out],
            "history_rows": self.history_rows,
            "actuals_versions": self.actuals_versions,
            "notes": list(self.notes),
        }


MAX_BUNDLE_BYTES = export.MAX_BUNDLE_BYTES
"""The largest bundle an import reads (a file is checked against it before it is read)."""


def import_noted(
    store: PlanRepository,
    data: bytes,
    actor: str,
    *,
    trust: bool = False,
    name: str | None = None,
    unpacked_limit: int | None = None,
    members: str | None = None,
) -> Imported:
    """Re-create the plan of a JSON bundle (same document, data, ledger and targets); say which
    members it kept and which it left out, and why.

    The plan keeps the bundle's name, or takes `name`; a name some plan here has already (the
    same bundle imported before, or another plan) is refused with ``Conflict`` naming that plan,
    so importing twice never makes a silent duplicate: import again under another `name`.

    The bundle's signature is checked with this installation's key: a bundle changed after export
    is refused whole. A bundle of another installation is refused unless `trust` is given (an
    admin's explicit choice), and the audit log records that it was imported on trust.
    Then it is verified (data hash, ledger, the spread down to series-periods) on a scratch
    in-memory store; nothing is written unless it reproduces exactly, and a malformed bundle is
    refused with ``Invalid`` naming what is wrong. The plan keeps its id unless that id is taken
    in this store, then it gets a new one. The importer becomes an owner of the copy (so they can
    make a new version of it); the copy keeps the plan's other members only when the importer
    was an owner of it or is an admin, and then as `members` says (`_choose_members`):
    ``existing`` keeps those with an active account here, ``none`` nobody else, ``all`` every
    name (whoever is made under a name later gets its roles). The default is ``existing`` for a
    bundle of this installation and ``none`` for one of another, whose names belong to that
    installation's people (the same name here may be someone else). The audit log records the
    import, the members kept and those left out."""
    actor = (actor or "").strip()
    if not actor:
        raise Invalid("the import needs a user", Fix(FixKey.NAME_USER))
    if members is not None and members not in IMPORT_MEMBERS:
        raise Invalid(
            f"unknown choice of members {members!r}; use one of {', '.join(IMPORT_MEMBERS)}"
        )
    new_name = None if name is None else check_plan_name(name)
    if trust:
        _require_admin_for_trust(store, actor)
    try:
        bundle = export.read_bundle(bytes(data), store.installation_key(), trust=trust)
        state, blobs, change, chosen = _verified_copy(
            store, bundle, actor, new_name, unpacked_limit, members
        )
    except export.ExportError as exc:
        raise Invalid.from_error(exc) from exc
    except ServiceError:
        raise
    except Exception as exc:  # a malformed bundle must never end in a traceback
        raise _damaged(
            "the bundle is damaged: part of it is not as an export of this program writes it"
        ) from exc
    why = (
        ""
        if new_name is not None
        else " (this bundle was imported before, or another plan has its name)"
    )
    doing, fix = "nothing was imported", Fix(FixKey.IMPORT_UNDER_NAME)
    refuse_taken_name(store, state.name, actor, doing=doing, why=why, fix=fix)
    add_under_name(
        store,
        state,
        blobs,
        change,
        actor,
        doing=doing,
        why=why,
        fix=fix,
        history=chosen.history,
        actuals=chosen.actuals,
    )
    return replace(chosen, plan_id=state.plan_id)


def _damaged(what: str) -> Invalid:
    """The refusal of a damaged bundle: `what` is wrong, nothing was imported, export it again."""
    return Invalid(f"{what}; nothing was imported", Fix(FixKey.EXPORT_BUNDLE))


def _shortened(text: str, most: int = 160) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


@contextmanager
def _reading(part: str, expected: str) -> Iterator[None]:
    """Read `part` of a bundle (``the bundle's event 2``): a refusal of the code that reads it
    says in words what is wrong and is kept; any other error (a damaged part fails in the terms
    of the code that reads it: a KeyError, ``invalid literal for int()``) says instead that the
    part is not what an export writes (`expected`)."""
    try:
        yield
    except ServiceError:
        raise
    except Refusal as exc:
        raise _damaged(f"{part} is damaged: {_shortened(reason_of(exc))}") from exc
    except Exception as exc:
        raise _damaged(f"{part} is damaged: it is not {expected}") from exc


def _type_words(hint: Any) -> str:
    if get_origin(hint) in (Union, types.UnionType):
        return " or ".join(_type_words(option) for option in get_args(hint))
    if get_origin(hint) is list:
        return "a list"
    if get_origin(hint) is dict or is_dataclass(hint):
        return export.kind_words(dict)
    return "anything" if hint is Any else export.kind_words(hint)


def _misfit(value: Any, hint: Any, where: str) -> str | None:
    """Where `value` (part of a plan document) first differs from the type `hint` its field is
    declared with, in words; None when it fits."""
    origin, options = get_origin(hint), get_args(hint)
    if hint is Any:
        return None
    if origin in (Union, types.UnionType):
        found = [_misfit(value, option, where) for option in options]
        if None in found:
            return None
        inside = [f for f in found if f is not None and not f.startswith(f"{where} is ")]
        if inside:  # of the right kind, with a part inside that is not: say which
            return inside[0]
    elif is_dataclass(hint) and isinstance(value, dict):
        hints = get_type_hints(hint)
        for known in fields(hint):
            if known.name in value:
                inner = _misfit(value[known.name], hints[known.name], f"{where} / {known.name!r}")
                if inner is not None:
                    return inner
            elif known.default is MISSING and known.default_factory is MISSING:
                return f"{where} has no {known.name!r}"
        return None
    elif origin is list and isinstance(value, list):
        inners = (
            _misfit(item, options[0], f"{where} / item {n}") for n, item in enumerate(value, 1)
        )
        return next((inner for inner in inners if inner is not None), None)
    elif origin is dict and isinstance(value, dict):
        inners = (_misfit(item, options[1], f"{where} / {key!r}") for key, item in value.items())
        return next((inner for inner in inners if inner is not None), None)
    elif _scalar_fits(value, hint):
        return None
    return f"{where} is {export.kind_of(value)}, where an export writes {_type_words(hint)}"


def _scalar_fits(value: Any, hint: Any) -> bool:
    if isinstance(value, bool):  # JSON's true and false are no numbers
        return hint is bool
    if hint is float:
        return isinstance(value, int | float)
    return hint in (int, str, type(None)) and isinstance(value, hint)


@dataclass
class _ModelChoiceWritten:
    """``BaselineInfo.selection`` as ``auto``'s choice writes it (``auto.Selection.describe``),
    as the pages and ``plan show`` read it (``model_names.choice_text``); ``{}`` is no choice.
    Documents of older versions may lack the later keys."""

    label: str = ""
    mase: float | None = None  # None: nothing was scored
    snaive_mase: float | None = None
    worse_than_naive: float = 0.0
    series: int = 0
    windows: int = 0
    strategies: int = 0


@dataclass
class _ColumnsWritten:
    """``DatasetInfo.mapping`` as a plan made from a sales file writes it (the reader's column
    mapping and the daily history's facts), as an actuals upload reads it; ``{}`` when the plan
    was not made from a file."""

    id_cols: list[str] = field(default_factory=list)
    date_col: str = ""
    value_col: str = ""
    flags: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    week_dates: str = "start"
    weekdays_never: list[int] = field(default_factory=list)
    dense_days: bool = False
    same_date_rows_summed: bool = False


_WEEKDAYS = range(7)  # Monday 0


def _free_form_misfit(state: PlanState) -> str | None:
    """Where the plan document's free-form parts that pages and commands read later (``auto``'s
    choice, the sales file's columns) first differ from what an export writes there, in words;
    None when they read as their readers need them."""
    choice, columns = state.baseline.selection, state.dataset.mapping
    where = "the bundle's plan document: its 'baseline' / 'selection'"
    found = _misfit(choice, _ModelChoiceWritten, where)
    if found is None and choice.get("mase") is not None and not choice.get("label"):
        found = f"{where} has no 'label' (the model chosen) beside its 'mase'"
    if found is not None:
        return found
    where = "the bundle's plan document: its 'dataset' / 'mapping'"
    found = _misfit(columns, _ColumnsWritten, where)
    if found is not None:
        return found
    if columns.get("week_dates", "start") not in WEEK_DATES:
        return (
            f"{where} / 'week_dates' is {_shortened(repr(columns['week_dates']), 40)}, where an "
            "export writes 'start' or 'end'"
        )
    if any(day not in _WEEKDAYS for day in columns.get("weekdays_never", [])):
        return (
            f"{where} / 'weekdays_never' holds a day that is no weekday, where an export writes "
            "whole numbers from 0 (Monday) to 6 (Sunday)"
        )
    return None


_PLAN_COUNTS = (
    ("events", "events", "MAX_PLAN_EVENTS"),
    ("explanations", "explanations", "MAX_PLAN_EXPLANATIONS"),
    ("factors", "factors", "MAX_PLAN_FACTORS"),
)
_NEGOTIATION_COUNTS = (
    ("team_baseline", "teams"),
    ("claims", "claims"),
    ("assignments", "assignments"),
)


def _count_over_bounds(doc: Mapping[str, Any]) -> str | None:
    """Why the plan document holds more events, explanations, factors, teams, claims or
    assignments than a plan may (`forecast.bounds`), in words; None when it holds no more. Read
    before any of them is, so an absurd count costs nothing."""
    for key, what, bound in _PLAN_COUNTS:
        found, most = doc.get(key), getattr(bounds, bound)
        if isinstance(found, list) and len(found) > most:
            return f"the bundle's plan has {len(found):,} {what}, more than the {most:,} a plan may have"
    negotiation = doc.get("negotiation")
    if isinstance(negotiation, dict):
        for key, what in _NEGOTIATION_COUNTS:
            found = negotiation.get(key)
            if isinstance(found, dict | list) and len(found) > bounds.MAX_TEAMS:
                return (
                    f"the bundle's negotiation has {len(found):,} {what}, more than the "
                    f"{bounds.MAX_TEAMS:,} a plan may have"
                )
    return None


def _refuse_count_over_bounds(doc: Mapping[str, Any]) -> None:
    found = _count_over_bounds(doc)
    if found is not None:
        raise _damaged(found)


def _text_over_bounds(state: PlanState) -> str | None:
    """Where the plan document holds a text longer than a person may type it (an event's name
    or reason, an explanation, a factor's name, a claim's note: `forecast.bounds`), naming the
    bundle's item and the limit; None when every one is within its bound."""

    def too_long(field: str, text: Any, limit: int) -> str | None:
        # one of another kind as the plan reads it: as text (`Explanation.from_dict` carries
        # an explanation so), so a list or an object holding a long text is no way around
        if text is None:
            return None
        read = text if isinstance(text, str) else str(text)
        if len(read) <= limit:
            return None
        return f"{field} has at most {limit:,} characters; this one has {len(read):,}"

    def named(record: Any) -> str:
        called = record.get("name") if isinstance(record, dict) else None
        if not isinstance(called, str) or len(called) > bounds.MAX_NAME_CHARS:
            return ""
        return f" ({_shortened(called, 60)!r})"

    texts = (
        ("event", state.events, (("name", "an event's name", bounds.MAX_NAME_CHARS),)),
        ("event", state.events, (("reason", "an event's reason", bounds.MAX_TEXT_CHARS),)),
        ("explanation", state.explanations, (("text", "an explanation", bounds.MAX_TEXT_CHARS),)),
        ("factor", state.factors, (("name", "a factor's name", bounds.MAX_NAME_CHARS),)),
    )
    for part, records, checked in texts:
        for number, record in enumerate(records, 1):
            if not isinstance(record, dict):
                continue
            for key, field_words, limit in checked:
                problem = too_long(field_words, record.get(key), limit)
                if problem is not None:
                    return f"the bundle's {part} {number}{named(record)}: {problem}"
    claims = state.negotiation.get("claims")
    if isinstance(claims, dict):
        for team, claim in claims.items():
            note = claim.get("note") if isinstance(claim, dict) else None
            problem = too_long("a claim's note", note, bounds.MAX_TEXT_CHARS)
            if problem is not None:
                return f"the bundle's claim of team {_shortened(str(team), 60)!r}: {problem}"
    return None


def _plan_document(bundle: export.Bundle) -> PlanState:
    """The bundle's plan document as a plan, each of its fields of the kind the plan declares
    (text, whole numbers, lists of text...): a damaged one is refused naming the field, before
    a wrong kind reaches the code that reads the plan (or the database). A plan of more parts
    or longer texts than a plan made here may hold (`forecast.bounds`) is refused naming the
    bundle's item and the limit."""
    doc = bundle.doc
    _refuse_count_over_bounds(doc)
    hints = get_type_hints(PlanState)
    for known in fields(PlanState):
        if known.name in ROW_FIELDS:  # the store row's, not the document's
            continue
        where = f"the bundle's plan document: its {known.name!r}"
        if known.name not in doc:
            if known.default is MISSING and known.default_factory is MISSING:
                raise _damaged(f"the bundle's plan document has no {known.name!r}")
            continue
        found = _misfit(doc[known.name], hints[known.name], where)
        if found is not None:
            raise _damaged(found)
        if hints[known.name] is str and not doc[known.name].strip():
            raise _damaged(f"{where} is empty, where an export writes text")
    with _reading("the bundle's plan document", "a plan as an export writes it"):
        state = PlanState.from_dict(doc)
    found = _free_form_misfit(state)
    if found is not None:
        raise _damaged(found)
    too_long = _text_over_bounds(state)
    if too_long is not None:
        # the bundle is whole: the text is too long in the plan it came from, fixed there
        raise Invalid(f"{too_long}; nothing was imported", Fix(FixKey.SHORTEN_AT_SOURCE))
    return state


_CALIBRATION_LEFT_OUT = (
    "the bundle's stretch calibration is damaged (it is not one as this program records it): "
    "left out; the plan's stretch computes it again from the plan's history"
)


def _without_damaged_calibration(state: PlanState) -> list[str]:
    """Leave out a stretch calibration the stretch cannot read (`stretch_calibration.readable`):
    it is derived from the history, and a plan without one has it computed again when its
    stretch is shown; the note that says so, if one was left out."""
    stored = state.stretch_calibration
    if not stored or stretch_calibration.readable(stored) is not None:
        return []
    state.stretch_calibration = {}
    return [_CALIBRATION_LEFT_OUT]


def _as_stored_numbers(bundle: export.Bundle, state: PlanState) -> set[int]:
    """The bundle's `AS_STORED` numbers; anything but numbers of the plan's explanations, each
    once and in order as an export lists them (so no longer than the plan's explanations), is
    refused as damage. A bundle of an earlier release has no such list: one this installation
    signed (its signature checked, so the plan held every explanation as the bundle has it)
    carries any of its explanations as stored; one of another installation, taken on trust,
    none."""
    count = len(state.explanations)
    if AS_STORED not in bundle.content:
        return set() if bundle.trusted_foreign else set(range(1, count + 1))
    found = bundle.content[AS_STORED]
    if (
        not isinstance(found, list)
        or len(found) > count
        or not all(type(n) is int and 1 <= n <= count for n in found)
        or any(a >= b for a, b in zip(found, found[1:], strict=False))
    ):
        raise _damaged(
            f"the bundle's '{AS_STORED}' is damaged: it is not a list of the numbers of the "
            "plan's explanations, each once and in order"
        )
    return set(found)


def _check_system_track(state: PlanState, as_stored: Collection[int] = ()) -> list[str]:
    """Each event, explanation and factor of the plan document reads as this program records
    it; a damaged one is refused by its number. Explanations are held to the rules one written
    here is (`Explanation.imported`): a plan's own are read leniently (`Explanation.from_dict`),
    so that one let in before stays replaceable, but none is let in now, except those the
    exported plan held as they are (`as_stored`, the bundle's `AS_STORED`): those are carried
    as the plan held them, read as a stored plan reads them; the notes returned say which they
    are, why this program would not take them, and how to replace them (`_carried_notes`)."""
    carried_ones: list[tuple[int, Explanation, str]] = []

    def carried(record: Mapping[str, Any], number: int) -> None:
        explanation = Explanation.from_dict(record)
        try:
            Explanation.imported(record)
            return
        except Refusal as exc:
            why = _shortened(reason_of(exc))
        except Exception:
            why = "it is not one as this program records one"
        carried_ones.append((number, explanation, why))

    readers: dict[str, Callable[[Mapping[str, Any]], object]] = {
        "event": Event.from_dict,
        "explanation": Explanation.imported,
        "factor": Factor.from_dict,
    }
    parts = (
        ("event", state.events, "an event", "name, scope, dates, effect and value"),
        ("explanation", state.explanations, "an explanation", "what it explains"),
        ("factor", state.factors, "a factor", "name, scope, start, model and totals"),
    )
    for name, records, one, holds in parts:
        for number, record in enumerate(records, 1):
            called = record.get("name") if isinstance(record, dict) else None
            shown = f" ({_shortened(called, 60)!r})" if isinstance(called, str) else ""
            with _reading(
                f"the bundle's {name} {number}{shown}",
                f"{one} as this program records one ({holds})",
            ):
                if name == "explanation" and number in as_stored:
                    carried(record, number)
                else:
                    readers[name](record)
    return _carried_notes(carried_ones)


CARRIED_NAMED = 10
"""How many explanations carried as their plan held them the import names one by one; the rest
are counted in one note (a retired reason code touches thousands: a line each made the message,
the dashboard's alert and the audit row megabytes)."""


def _carried_notes(carried: Sequence[tuple[int, Explanation, str]]) -> list[str]:
    """The import's notes on the explanations carried as their plan held them (number, the
    explanation as read, why this program would not take it): the first `CARRIED_NAMED` by
    their cell, the rest in one note with their numbers' start and their reasons."""
    notes = [
        f"the bundle's explanation {number} ({_shortened(explanation.level, 40)} "
        f"{_shortened(explanation.key, 60)} on {explanation.ds.isoformat()}) is carried as its "
        f"plan held it: {why}; explain that cell again to replace it"
        for number, explanation, why in carried[:CARRIED_NAMED]
    ]
    rest = carried[CARRIED_NAMED:]
    if rest:
        numbers = ", ".join(str(number) for number, _, _ in rest[:CARRIED_NAMED])
        if len(rest) > CARRIED_NAMED:
            numbers += f", … {rest[-1][0]}"
        reasons = list(dict.fromkeys(why for _, _, why in rest))
        why = "; also: ".join(reasons[:3]) + ("; and other reasons" if len(reasons) > 3 else "")
        notes.append(
            f"{len(rest):,} more of the bundle's explanations ({numbers}) are carried as their "
            f"plan held them: {why}; explain those cells again to replace them"
        )
    return notes


def _checked_parquet(data: bytes, what: str, unpacked_limit: int | None) -> None:
    """`data` (the bundle's `what`: ``'history' data``) is a Parquet file within the bounds of
    an upload (not a bomb) and reads whole."""
    from forecast.engine.ingest import IngestError, bounds

    try:
        bounds.check_parquet(
            data, what, limit=unpacked_limit or bounds.MAX_UNPACKED_BYTES, damaged_ok=True
        )
    except IngestError as exc:
        raise Invalid(
            f"the bundle's {what}: {exc.problems[0].message}", Fix(FixKey.EXPORT_BUNDLE)
        ) from exc
    with _reading(f"the bundle's {what}", "a Parquet table as an export writes it"):
        frame_from_bytes(data)


def _malformed_audit_row(number: int) -> Invalid:
    return _damaged(
        f"the bundle's audit log: row {number} is malformed (an export writes each row's time, "
        "actor, action and what was done as text, and details of a bounded size)"
    )


def _past_history(bundle: export.Bundle) -> list[PastChange]:
    """The source plan's audit rows (bundles carry them), as history of the copy: each at its
    own time and actor, its action and source version kept in ``after``, and its before and
    after as ``source_before`` and ``source_after`` where the bundle carries them (the copy's
    value added traces its touches by them). A bundle without them (or an older one) gives
    none."""
    rows = bundle.content.get("audit") or []
    if not isinstance(rows, list):
        raise _damaged(
            f"the bundle's 'audit' section is {export.kind_of(rows)}, where an export writes a list"
        )
    source = bundle.content.get("plan_id")
    past = []
    budget = AUDIT_DETAILS_TOTAL_BYTES
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not all(
            isinstance(row.get(k), str) for k in ("at", "actor", "action", "what")
        ):
            raise _malformed_audit_row(number)
        details: dict[str, Any] = {}
        if "before" in row or "after" in row:
            size = _detail_bytes(row.get("before"), row.get("after"))
            if size is None or size > budget:
                raise _malformed_audit_row(number)
            budget -= size
            details = {"source_before": row.get("before"), "source_after": row.get("after")}
        reason = row.get("reason")
        past.append(
            PastChange(
                at=row["at"],
                actor=row["actor"],
                what=f"[imported, version {row.get('version')} of plan {source}] {row['what']}",
                after={
                    "source_plan_id": source,
                    "source_version": row.get("version"),
                    "source_action": row["action"],
                    **details,
                },
                reason=reason if isinstance(reason, str) else None,
            )
        )
    return past


_ACTUALS_VERSION_FIELDS = (
    ("data", str),
    ("at", str),
    ("uploaded_by", str),
    ("filename", str),
    ("rows", int),
)


def _actuals_summary_bytes(summary: Any, part: str) -> int:
    """The JSON size of an actuals version's summary (`part` names the version), refused unless
    it is what an upload writes: nothing, or an object whose ``periods`` (if any) is a list of
    text (pages and commands list them), within the bounds of an audit row's details."""
    if summary is None:
        return 0
    if not isinstance(summary, dict):
        raise _damaged(
            f"{part}: its 'summary' is {export.kind_of(summary)}, where an export writes "
            f"{export.kind_words(dict)} or nothing"
        )
    periods = summary.get("periods", [])
    if not isinstance(periods, list) or not all(isinstance(p, str) for p in periods):
        raise _damaged(
            f"{part}: its summary's 'periods' is not a list of text, where an export writes one"
        )
    size = _detail_bytes(summary, None)
    if size is None:
        raise _damaged(
            f"{part}: its 'summary' is larger or nests deeper than an export writes, or is not "
            "plain JSON"
        )
    return size


def _past_actuals(bundle: export.Bundle, unpacked_limit: int | None) -> list[PastActuals]:
    """The source plan's actuals versions (bundles since they carry them), checked like the
    plan's own blobs, their summaries within a budget of their own as large as the audit rows'
    details; an older bundle gives none."""
    rows = bundle.content.get("actuals") or []
    if not isinstance(rows, list):
        raise _damaged(
            f"the bundle's 'actuals' section is {export.kind_of(rows)}, where an export writes "
            "a list"
        )
    kept = []
    summaries_budget = AUDIT_DETAILS_TOTAL_BYTES
    for number, row in enumerate(rows, 1):
        part = f"the bundle's actuals version {number}"
        if not isinstance(row, dict):
            raise _damaged(
                f"{part} is {export.kind_of(row)}, where an export writes {export.kind_words(dict)}"
            )
        for key, kind in _ACTUALS_VERSION_FIELDS:
            if key not in row:
                raise _damaged(f"{part} has no {key!r}")
            if not isinstance(row[key], kind) or isinstance(row[key], bool):
                raise _damaged(
                    f"{part}: its {key!r} is {export.kind_of(row[key])}, where an export "
                    f"writes {export.kind_words(kind)}"
                )
        summaries_budget -= _actuals_summary_bytes(row.get("summary"), part)
        if summaries_budget < 0:
            raise _damaged(
                f"{part}: the actuals versions' summaries up to it are larger together than an "
                "export writes"
            )
        what = f"actuals version {number}'s data"
        data = export.frame_bytes(row["data"], what)
        _checked_parquet(data, what, unpacked_limit)
        kept.append(
            PastActuals(
                at=row["at"],
                uploaded_by=row["uploaded_by"],
                filename=row["filename"],
                rows=row["rows"],
                summary=row.get("summary"),
                data=data,
            )
        )
    return kept


NOT_AN_OWNER = "only an owner of the plan or an admin imports a plan with its members"


def _choose_members(
    store: PlanRepository, state: PlanState, actor: str, rule: str, *, foreign_default: bool
) -> tuple[list[ImportedMember], list[ImportedMember]]:
    """Which of the bundle's members the copy keeps (and takes the others out of `state`), with
    the reason for each left out; the importer is kept (and made owner by the caller).

    First, everyone but the importer is left out unless the importer was an owner of the plan
    or is an admin: a lead or planner may copy a plan they can read, but becomes owner of a copy
    of their own, not of a plan that puts its other members' names, roles and the owner's
    powers over them in their hands. Then `rule`: ``none`` keeps nobody else; ``existing`` keeps
    those with an active account here (a store without accounts keeps the command line's rule,
    whoever opens it is trusted: every name is kept); ``all`` keeps every name."""
    with_accounts = accounts.has_accounts(store)
    importer = accounts.active_account(store, actor) if with_accounts else None
    trusted_importer = (
        not with_accounts
        or "owner" in state.roles_of(actor)
        or (importer is not None and importer.is_admin)
    )
    kept: list[ImportedMember] = []
    left: list[ImportedMember] = []
    for user in sorted(state.members):
        member = state.members[user]
        account = store.get_account(user) if with_accounts else None
        shown = ImportedMember(
            user,
            tuple(member.roles),
            member.team,
            display_name=account.display_name if account is not None else None,
        )
        why = None
        if user == actor:
            pass
        elif not trusted_importer:
            why = f"{actor} was not an owner of the plan, and {NOT_AN_OWNER}"
        elif rule == "none":
            why = (
                "a bundle of another installation keeps none unless asked: its names may be "
                "other people here"
                if foreign_default
                else "the import was asked to keep none"
            )
        elif rule == "existing" and with_accounts and account is None:
            why = "no account of that name here"
        elif rule == "existing" and with_accounts and account is not None and not account.active:
            why = "the account of that name here is disabled"
        if why is None:
            kept.append(shown)
        else:
            left.append(replace(shown, why=why))
    if actor not in state.members:
        account = store.get_account(actor) if with_accounts else None
        kept.append(
            ImportedMember(actor, (), None, account.display_name if account is not None else None)
        )
    names = {m.name for m in kept}
    state.members = {user: m for user, m in state.members.items() if user in names}
    return kept, left


def _blob_frames(bundle: export.Bundle, unpacked_limit: int | None = None) -> dict[str, bytes]:
    # Read models are derived from the rest: computed here from what is imported, never taken
    # from a bundle.
    blobs = {
        kind: data for kind, data in bundle.blobs.items() if not plan_totals.is_read_model(kind)
    }
    missing = [kind for kind in REQUIRED_BLOBS if kind not in blobs]
    if missing:
        raise Invalid(f"the bundle has no {', '.join(missing)} data", Fix(FixKey.EXPORT_BUNDLE))
    for kind, data in blobs.items():
        # A Parquet file within the bounds (a bundle uploaded to the dashboard: the upload's),
        # not a bomb.
        _checked_parquet(data, f"{kind!r} data", unpacked_limit)
    return blobs


# The ledger's columns in words: how a reason is worded (amounts in the plan's currency format,
# the rule's label) may change between releases and says nothing the figures do not.
_LEDGER_PROSE = frozenset({"why"})


def _ledger_figures(rows: Any) -> Any:
    """The ledger rows without their prose: what a bundle's ledger must reproduce."""
    if not isinstance(rows, list):
        return rows
    return [
        {k: v for k, v in row.items() if k not in _LEDGER_PROSE} if isinstance(row, dict) else row
        for row in rows
    ]


_NEGOTIATION_WRITTEN = (
    "a negotiation as this program records one (its goal, claims and assignments in whole "
    "amounts, for the plan's teams)"
)


def _target_figures(targets: Any) -> Any:
    """Series and whole target amounts, in order, of a negotiated plan or a bundle's
    ``targets_minor`` (which gives them as it does: anything else never equals a plan's)."""
    if isinstance(targets, pd.DataFrame):
        return (
            targets[schema.UNIQUE_ID].astype(str).tolist(),
            targets["target_minor"].astype(int).tolist(),
        )
    if not isinstance(targets, dict):
        return targets
    return targets.get(schema.UNIQUE_ID), targets.get("target_minor")


def _verified_copy(
    store: PlanRepository,
    bundle: export.Bundle,
    actor: str,
    name: str | None = None,
    unpacked_limit: int | None = None,
    members: str | None = None,
) -> tuple[PlanState, dict[str, bytes], Change, Imported]:
    _refuse_count_over_bounds(bundle.doc)  # before the data is decoded and read
    blobs = _blob_frames(bundle, unpacked_limit)
    state = _plan_document(bundle)
    history = frame_from_bytes(blobs["history"])
    if (
        history_hash(history) != state.dataset.history_hash
        or bundle.content.get("data_hash") != state.dataset.history_hash
    ):
        raise Invalid(
            "the bundle's history does not match its data hash; the file was altered, export it again"
        )
    notes = _check_system_track(state, _as_stored_numbers(bundle, state))
    notes += _without_damaged_calibration(state)
    with _reading("the bundle's negotiation", _NEGOTIATION_WRITTEN):
        # As every reader of the plan has it: in the plan's currency (the ledger's reasons name
        # amounts in it), and an agreed negotiation in a later version open again.
        neg = nego.negotiation_of(state)
    original_id = state.plan_id
    try:
        get_plan(store, original_id)
        state.plan_id = new_plan_id()
    except NotFound:
        pass
    rule = members or ("none" if bundle.trusted_foreign else "existing")
    kept, left = _choose_members(
        store, state, actor, rule, foreign_default=members is None and bundle.trusted_foreign
    )
    state.grant(actor, "owner")
    kept = [replace(m, roles=tuple(state.roles_of(actor))) if m.name == actor else m for m in kept]
    # The copy is live here even when its plan had been archived where it was exported.
    state.archived_at = state.archived_by = None
    what = (
        f"import bundle of plan {original_id} version {bundle.content['version']} "
        f"(exported {bundle.content.get('exported_at')})"
    )
    after: dict[str, Any] = {
        "source_plan_id": original_id,
        "source_version": bundle.content["version"],
        "source_installation": bundle.source_installation,
    }
    if name is not None and name != state.name:
        what += f" as {name!r} (its name was {state.name!r})"
        after["source_name"] = state.name
        state.name = name
    what += "; members kept: " + "; ".join(m.text() for m in kept)
    after["members_rule"] = rule
    after["members_kept"] = {m.name: list(m.roles) for m in kept}
    if left:
        what += "; members left out (were not copied): " + "; ".join(
            f"{m.text()}: {m.why}" for m in left
        )
        after["members_left_out"] = [m.name for m in left]
    if bundle.trusted_foreign:
        what += (
            f"; from another installation ({bundle.source_installation}), its signature "
            f"unchecked: imported on {actor}'s explicit trust"
        )
        after["trusted"] = True
    if notes:
        what += "".join(f"; {note}" for note in notes)
        after["notes"] = notes
    change = Change(actor=actor, action="import", what=what, after=after)
    scratch = MemoryStore()
    scratch.add(state, blobs, change)
    if neg is not None:
        with _reading("the bundle's negotiation", _NEGOTIATION_WRITTEN):
            current = nego.current_totals(scratch, scratch.get(state.plan_id))
            ledger = neg.ledger(*current).to_dict(orient="records")
            again = nego.negotiated_plan(scratch, state.plan_id)
        if _ledger_figures(ledger) != _ledger_figures(bundle.content.get("ledger_minor")):
            raise _damaged(
                "the bundle's ledger ('ledger_minor') does not reproduce from its claims and "
                "assignments"
            )
        if _target_figures(again) != _target_figures(bundle.content.get("targets_minor", {})):
            raise _damaged("the bundle's targets ('targets_minor') do not reproduce from its data")
    past = _past_history(bundle)
    actuals = _past_actuals(bundle, unpacked_limit)
    if past:
        after["history_rows"] = len(past)
    if actuals:
        after["actuals_versions"] = len(actuals)
    chosen = Imported(
        state.plan_id,
        rule,
        tuple(kept),
        tuple(left),
        history_rows=len(past),
        actuals_versions=len(actuals),
        history=tuple(past),
        actuals=tuple(actuals),
        notes=tuple(notes),
    )
    return state, blobs, change, chosen
