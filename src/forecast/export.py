"""Files out of a plan: CSV, XLSX and a JSON bundle that re-imports to the same plan.

This module only turns frames and documents into bytes and back; the services gather what goes in.
Money columns are written from int minor units as text/numbers with exactly the currency's
decimals (two; JPY none), so the CSV's ``target`` column adds up to the goal to the cent (yen). Text that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) is neutralised with a leading ``'``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import Fix, FixKey, Refusal
from forecast.money import NO_CURRENCY_TEXT
from forecast.overrides import horizon_periods
from forecast.vocabulary import EXPORT_FORMATS, period_label

FORMATS = EXPORT_FORMATS
BUNDLE_FORMAT = "forecast-plan-bundle"
BUNDLE_VERSION = 1
SIGNATURE_ALGORITHM = "HMAC-SHA256"
MAX_BUNDLE_BYTES = 512 * 1024 * 1024
MAX_DEPTH = 32
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PLAN_COLUMNS = [
    "unique_id",
    "ds",
    "team",
    "baseline",
    "system_plan",
    "basis",
    "target",
    "plan_version",
    "plan_id",
    "adjustment",
    "period_end",
    "period",
    "basis_taken_at",
    "model",
    "currency",
]
"""The CSV's columns, in order (those a plan has: no basis, target and basis_taken_at before a
goal is set; basis_taken_at says which system plan or baseline the basis column is, in UTC;
model is the label of the model that served the series, as the engine wrote it, e.g. "zeros
(ended: ...)" for a series that ended; currency the plan's ISO code, or "none" for plain
numbers, in every row so that the CSVs of plans in different currencies stacked into one table
still say what each amount is in). New columns go at the end, so a reader that takes them by
position keeps working. A plan with actuals kept adds `ACTUALS_COLUMNS` after them."""
ACTUALS_COLUMNS = ["actual", "actuals_version"]
"""The columns a plan with actuals kept adds at the end: ``actual``, the kept actual of the
series-period (the latest actuals version, the one the track record scores; empty where the
period has none yet), and ``actuals_version``, that version's number. A plan without actuals has
neither: its export is as it was before actuals existed."""
MONEY_COLUMNS = ("baseline", "system_plan", "basis", "target")
"""The money columns kept in minor units in a plan frame (``baseline_minor``...)."""
AMOUNT_COLUMNS = (*MONEY_COLUMNS, "adjustment", "actual")
"""The plan rows' amounts, written as exact numbers (never neutralised: -12.50 is a number)."""
EXCEL_MAX_ROWS = 1_048_576
"""Rows of an Excel worksheet, the header included: a longer sheet does not open whole."""


class ExportError(Refusal, ValueError):
    """A bundle or export request is malformed: what is wrong (`reason`) and how to fix it."""


def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would evaluate (``=1+1``, ``@SUM``, ``-2+3`` ...) with ``'``,
    and text that starts so after quotes of its own (``'=x`` is written ``''=x``), so that reading
    it back (`unquoted`) gives every text as it was."""
    if isinstance(value, str) and value.lstrip("'").startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def unquoted(text: str) -> str:
    """Text as it was before `neutralise` quoted it (``'-10% on shoes`` is ``-10% on shoes``,
    ``''=x`` is ``'=x``); any other text as it is."""
    if text.startswith("'") and text.lstrip("'").startswith(DANGEROUS_PREFIXES):
        return text[1:]
    return text


def money_text(minor: int) -> str:
    """Int minor units -> ``"1234.50"`` (exact, two decimals, no thousands separator)."""
    minor = int(minor)
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(minor), 100)
    return f"{sign}{units}.{cents:02d}"


def money_texts(minor: Any, digits: int = 2) -> np.ndarray:
    """`money_text` of an int64 array, vectorised (same text). With fewer `digits` than the
    minor units' two (JPY: 0) each amount is shown to the currency's digits, rounded half to
    even where it is finer (a forecast: ``"211621"``; targets are whole already)."""
    minor = np.asarray(minor, dtype=np.int64)
    if digits < 2:
        step = 10 ** (2 - digits)
        whole, rest = np.divmod(np.abs(minor), step)
        whole = whole + ((2 * rest > step) | ((2 * rest == step) & (whole % 2 == 1)))
        sign = np.where((minor < 0) & (whole > 0), "-", "").astype(object)
        if digits == 0:
            return sign + whole.astype(str).astype(object)
        units, tenths = np.divmod(whole, 10)
        return sign + units.astype(str).astype(object) + "." + tenths.astype(str).astype(object)
    units, cents = np.divmod(np.abs(minor), 100)
    sign = np.where(minor < 0, "-", "").astype(object)
    cents_text = np.char.zfill(cents.astype(str), 2).astype(object)
    return sign + units.astype(str).astype(object) + "." + cents_text


def money_columns_of(plan: pd.DataFrame) -> list[str]:
    """The ``MONEY_COLUMNS`` a plan frame carries in minor units (``baseline_minor``...): all of
    them once a goal is set, the baseline and system plan before."""
    return [col for col in MONEY_COLUMNS if f"{col}_minor" in plan.columns]


def plan_rows(
    negotiated: pd.DataFrame,
    plan_id: str,
    version: int,
    *,
    digits: int = 2,
    freq: str,
    basis_taken_at: str | None = None,
    models: Mapping[str, str] | None = None,
    currency: str | None = None,
    actual_minor: pd.Series | None = None,
    actuals_version: int | None = None,
) -> pd.DataFrame:
    """The export's series-period table (text money from minor units, to the currency's
    `digits`, and the plan's `currency` named in each row), one row per series and period, in
    `PLAN_COLUMNS`' order; before a goal is set it
    has no basis, target and basis_taken_at columns. ``period`` names the period for people (a
    quarter ``2018 Q1``, a month ``Jan 2018``; a day or a week by its date); ``ds`` stays the ISO
    first day. ``models``: each series' model label (unique_id -> label), the ``model`` column;
    without it there is none. ``actual_minor``: the kept actual of each row in minor units (a
    nullable column, NA where the period has none yet) of actuals version `actuals_version`, the
    `ACTUALS_COLUMNS`; without it (a plan without actuals) there are none."""
    out = pd.DataFrame(
        {
            "unique_id": negotiated["unique_id"].astype(str),
            "ds": pd.to_datetime(negotiated["ds"]).dt.strftime("%Y-%m-%d"),
            "team": negotiated["team"].astype(str),
        }
    )
    for col in money_columns_of(negotiated):
        out[col] = money_texts(negotiated[f"{col}_minor"].to_numpy(), digits)
    out["plan_version"] = int(version)
    out["plan_id"] = str(plan_id)
    # what the events change: system plan minus baseline, exact from the minor units
    adjustment = (
        negotiated["system_plan_minor"].to_numpy() - negotiated["baseline_minor"].to_numpy()
    )
    out["adjustment"] = money_texts(adjustment, digits)
    # a period's last day as well as its first (`ds`): a planner's own files may date a week by
    # its end (week ending Friday), and join the export on that
    out["period_end"] = _period_ends(negotiated["ds"], freq)
    out["period"] = [period_label(day, freq) for day in out["ds"]]
    if "basis_minor" in negotiated.columns and basis_taken_at:
        # which basis the `basis` column is: a plan agreed before the system plan moved keeps it,
        # and a file without the XLSX's basis sheet must still say so
        out["basis_taken_at"] = basis_taken_at
    if models is not None:
        out["model"] = out["unique_id"].map(models)
    out["currency"] = currency or NO_CURRENCY_TEXT
    if actual_minor is not None:
        known = actual_minor.notna().to_numpy()
        shown = np.full(len(out), "", dtype=object)
        shown[known] = money_texts(actual_minor[known].to_numpy(dtype=np.int64), digits)
        out["actual"] = shown
        out["actuals_version"] = int(actuals_version or 0)
    return out.reset_index(drop=True)


def _period_ends(ds: pd.Series, freq: str) -> np.ndarray:
    periods = horizon_periods(ds.unique(), freq)
    ends = pd.Series(periods["end"].dt.strftime("%Y-%m-%d").to_numpy(), index=periods["ds"])
    return ends.reindex(pd.to_datetime(ds)).to_numpy()


UTF8_BOM = b"\xef\xbb\xbf"


SHORTEST = "%.15g"
"""Floats as written to files: 15 significant digits, all a double holds for sure."""


def to_csv(rows: pd.DataFrame, *, excel: bool = False) -> bytes:
    """CSV (UTF-8, header, ``\\n`` line ends, plain numbers, ISO dates) with every text cell
    neutralised. ``excel`` starts the file with a UTF-8 byte order mark, which Excel needs to
    read non-ASCII text (team names, notes) as UTF-8; the content is otherwise the same."""
    out = rows.copy()
    out.columns = [neutralise(str(c)) for c in rows.columns]
    for col, source in zip(out.columns, rows.columns, strict=True):
        if source in AMOUNT_COLUMNS or not (
            pd.api.types.is_string_dtype(out[col]) or out[col].dtype == object
        ):
            continue
        text = out[col].astype(str)
        danger = text.str.lstrip("'").str.startswith(DANGEROUS_PREFIXES)  # as `neutralise`
        out[col] = text.where(~danger, "'" + text)
    # 15 significant digits, as a spreadsheet shows them: a sum's float noise (601857990.5699999
    # for 601,857,990.57) is not data.
    data = out.to_csv(index=False, lineterminator="\n", float_format=SHORTEST).encode("utf-8")
    return UTF8_BOM + data if excel else data


def _cell(value: Any) -> Any:
    """A value written as data, never as a formula: numbers and dates as such, text neutralised."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, (bool, int, float, Decimal)):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return value.item()
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if isinstance(value, (dict, list, tuple)):
        value = json.dumps(value, default=str, ensure_ascii=False)
    return neutralise(str(value))


def to_xlsx(
    sheets: Mapping[str, pd.DataFrame],
    *,
    money_columns: Sequence[str] = (),
    money_format: str = "#,##0.00",
) -> bytes:
    """One worksheet per frame (name -> frame): header row bold and frozen, an autofilter over
    the table, dates as real dates (yyyy-mm-dd), the `money_columns` in `money_format` (e.g. the
    plan currency's, ``forecast.money.excel_format``), columns named ``..._pct...`` (numbers
    of percent, as the CSV has them) as "12.5 %", other numbers as they are, text
    neutralised and always written as text (never a formula).

    The cells' XML is built column by column (`forecast.export_xlsx`): a 130,000-row plan takes
    about a second where a writer called per cell took about ten."""
    from forecast import export_xlsx

    for name, frame in sheets.items():
        if len(frame) + 1 > EXCEL_MAX_ROWS:
            raise ExportError(
                f"the {name!r} sheet would have {len(frame):,} rows, more than the "
                f"{EXCEL_MAX_ROWS - 1:,} an Excel sheet holds below its header; export the plan "
                "as CSV (which Excel's Power Query and every database read) instead"
            )
    written = []
    for name, frame in sheets.items():
        header = [str(_cell(str(column)) or "") for column in frame.columns]
        numbers = [_number_kind(str(column), money_columns) for column in frame.columns]
        widths = [
            16.0 if str(c) in money_columns or str(c) in DATE_COLUMNS else 12.0
            for c in frame.columns
        ]
        dated = pd.DataFrame({i: _as_dates(frame[c]) for i, c in enumerate(frame.columns)})
        xml = export_xlsx.sheet_xml(dated, header, numbers, widths, _cell, DANGEROUS_PREFIXES)
        last = export_xlsx.column_letter(max(len(frame.columns) - 1, 0))
        table = f"A1:{last}{max(len(frame), 1) + 1}" if len(frame.columns) else ""
        written.append((_sheet_title(name), table, xml))
    return export_xlsx.workbook_bytes(written, money_format)


PERCENT_WORD = "pct"
"""Columns with this word in their name (``deviation_pct``, ``claim_pct_of_basis``) hold numbers
of percent (12.5 for 12.5 %): the XLSX shows them as such."""


def _number_kind(column: str, money_columns: Sequence[str]) -> str | None:
    """How the XLSX shows a column's numbers: "money", "percent" or None (as they are)."""
    if column in money_columns:
        return "money"
    return "percent" if PERCENT_WORD in column.split("_") else None


DATE_COLUMNS = (
    "ds",
    "period_end",
    "basis_taken_at",
    "at",
    "start",
    "end",
    "created_at",
    "agreed_at",
    "published_at",
)


def _as_dates(column: pd.Series) -> pd.Series:
    """ISO date text in a date column (``ds``, ``at``...) -> datetimes, so Excel gets real dates;
    other columns, and date columns holding anything else, are left as they are."""
    if str(column.name) not in DATE_COLUMNS or not (
        pd.api.types.is_string_dtype(column) or column.dtype == object
    ):
        return column
    parsed = pd.to_datetime(column, errors="coerce", utc=True, format="ISO8601")
    if parsed[column.notna()].isna().any():
        return column
    return parsed.dt.tz_localize(None)


def _sheet_title(name: str) -> str:
    clean = "".join(ch for ch in name if ch not in "[]:*?/\\")
    return clean[:31] or "sheet"


def records(items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A list of dicts as a frame, nested values as JSON text (for the events/explanations sheets)."""
    rows = [
        {
            k: json.dumps(v, default=str, ensure_ascii=False) if isinstance(v, (dict, list)) else v
            for k, v in item.items()
        }
        for item in items
    ]
    return pd.DataFrame(rows)


# -- the JSON bundle -------------------------------------------------------------------------


def frame_payload(data: bytes) -> str:
    """Parquet bytes as base64 text: exact floats and dtypes survive the round trip."""
    return base64.b64encode(data).decode("ascii")


def frame_bytes(payload: str, what: str) -> bytes:
    """The Parquet bytes of a bundle's table (`what`: ``'history' data``, as refusals name it)."""
    try:
        return base64.b64decode(payload.encode("ascii"), validate=True)
    except (ValueError, AttributeError) as exc:
        raise ExportError(
            f"the bundle's {what} is damaged: it is not base64 text as an export writes it",
            Fix(FixKey.EXPORT_BUNDLE),
        ) from exc


_KIND_WORDS: dict[type, str] = {
    dict: "an object of named values",
    list: "a list",
    str: "text",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    type(None): "null",
}


def kind_words(kind: type | tuple[type, ...]) -> str:
    """A JSON kind in words (``text``, ``a list``...), as a refusal names what was expected."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_KIND_WORDS.get(k, k.__name__) for k in kinds)


def kind_of(value: Any) -> str:
    """What a JSON value is, in words: ``a whole number`` for 5, ``text`` for "5"."""
    if type(value) is float:
        return "a number with decimals"
    return next((w for k, w in _KIND_WORDS.items() if type(value) is k), type(value).__name__)


def _canonical(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(
        payload, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def installation_id(key: bytes) -> str:
    """A public name of the installation whose secret `key` signs its bundles."""
    return hmac.new(key, b"forecast installation id", hashlib.sha256).hexdigest()[:16]


def _signature(key: bytes, body: Mapping[str, Any]) -> str:
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def write_bundle(content: Mapping[str, Any], key: bytes) -> bytes:
    """The bundle as JSON, signed (HMAC-SHA256) with the installation's key: a bundle changed
    after export, even with a recomputed checksum, is recognised and refused."""
    body = dict(content)
    body["format"] = BUNDLE_FORMAT
    body["format_version"] = BUNDLE_VERSION
    body["installation"] = installation_id(key)
    signature = {"algorithm": SIGNATURE_ALGORITHM, "value": _signature(key, body)}
    return json.dumps(
        {**body, "signature": signature}, indent=1, default=str, ensure_ascii=False
    ).encode("utf-8")


@dataclass
class Bundle:
    content: dict[str, Any]
    source_installation: str
    trusted_foreign: bool = False  # from another installation, imported on the admin's word

    @property
    def doc(self) -> dict[str, Any]:
        return self.content["plan"]

    @property
    def blobs(self) -> dict[str, bytes]:
        return {kind: frame_bytes(p, f"{kind!r} data") for kind, p in self.content["blobs"].items()}


# What each section of a bundle must be; anything else is refused before it is used.
_SECTIONS: dict[str, type | tuple[type, ...]] = {
    "plan": dict,
    "blobs": dict,
    "version": int,
    "data_hash": str,
    "ledger_minor": list,
    "targets_minor": dict,
}


def nesting_depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                stack.extend(
                    (v, level + 1) for v in (item.values() if isinstance(item, dict) else item)
                )
    return deepest


def read_bundle(data: bytes, key: bytes, *, trust: bool = False) -> Bundle:
    """Parse and verify a bundle against this installation's `key`; ExportError says what is
    wrong. A bundle of another installation (its signature cannot be checked here) is refused
    unless `trust` is given."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise ExportError(
            f"the bundle is {len(data) / 1024 / 1024:,.0f} MB, more than the limit of "
            f"{MAX_BUNDLE_BYTES / 1024 / 1024:,.0f} MB"
        )
    try:
        content = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ExportError(
            f"the file is not a plan bundle: it is not text (byte {exc.start + 1:,} is no UTF-8), "
            "so it is damaged or another kind of file",
            Fix(FixKey.EXPORT_BUNDLE),
        ) from exc
    except json.JSONDecodeError as exc:
        raise ExportError(
            "the file is not a plan bundle: it is not complete JSON (it is cut short or damaged "
            f"at line {exc.lineno:,}, column {exc.colno:,})",
            Fix(FixKey.EXPORT_BUNDLE),
        ) from exc
    except RecursionError:
        raise ExportError(
            "the bundle nests too deeply to be a plan bundle", Fix(FixKey.EXPORT_BUNDLE)
        ) from None
    if not isinstance(content, dict) or content.get("format") != BUNDLE_FORMAT:
        raise ExportError(
            "the file is not a plan bundle (no 'format': 'forecast-plan-bundle' field)",
            Fix(FixKey.EXPORT_BUNDLE),
        )
    if content.get("format_version") != BUNDLE_VERSION:
        raise ExportError(
            f"the bundle has format version {content.get('format_version')!r}; this program reads "
            f"version {BUNDLE_VERSION}"
        )
    if nesting_depth(content) > MAX_DEPTH:
        raise ExportError(
            f"the bundle nests more than {MAX_DEPTH} levels deep; a plan bundle never does",
            Fix(FixKey.EXPORT_BUNDLE),
        )
    signature = content.pop("signature", None)
    content.pop("content_sha256", None)  # bundles before signing: unsigned, foreign
    source = content.get("installation")
    source = source if isinstance(source, str) else "unknown"
    own = installation_id(key)
    if source == own:
        claimed = signature.get("value") if isinstance(signature, dict) else None
        if not isinstance(claimed, str) or not hmac.compare_digest(
            claimed, _signature(key, content)
        ):
            raise ExportError(
                "the bundle's content does not match its signature: the file was changed or "
                "damaged after export, so nothing of it was imported; export it again"
            )
    elif not trust:
        raise ExportError(
            f"the bundle was exported by another installation ({source}), so its signature "
            "cannot be checked here",
            Fix(FixKey.TRUST_BUNDLE),
        )
    for section, kind in _SECTIONS.items():
        if section not in content:
            raise ExportError(f"the bundle has no {section!r} section", Fix(FixKey.EXPORT_BUNDLE))
        if not isinstance(content[section], kind) or isinstance(content[section], bool):
            raise ExportError(
                f"the bundle's {section!r} section is {kind_of(content[section])}, where an "
                f"export writes {kind_words(kind)}",
                Fix(FixKey.EXPORT_BUNDLE),
            )
    for kind, payload in content["blobs"].items():
        if not isinstance(payload, str):
            raise ExportError(
                f"the bundle's {kind!r} data is {kind_of(payload)}, where an export writes "
                "base64 text",
                Fix(FixKey.EXPORT_BUNDLE),
            )
    return Bundle(content, source, trusted_foreign=source != own)
