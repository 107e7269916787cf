"""Collect the same figures of one plan from every face and report where they disagree.

    FORECAST_DATA_DIR=DIR python scripts/compare_faces.py PLAN STEP [OUT_DIR]

Faces: `plan ledger --json`, `plan show --level team|total --json`, `plan stretch --json`, the CSV
and the XLSX export (series-period, team and ledger sheets, the basis sheet). Every amount is
compared to the cent: per team (system plan, basis, target, baseline, claim, assignment, drift),
the totals against the sum of the parts shown, gap = goal - basis, the remainder, the per-period
system plan, the plan version, and that an agreed plan's export says which basis it was agreed
on. Dashboard figures (cents), read from the pages' DOM, may be given in OUT_DIR/dash.json as
{"TEAM": {"system_plan": cents, ...}, "gap": cents, ...}. Exit code 1 when anything disagrees.
"""

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl

PLAN, STEP = sys.argv[1], sys.argv[2]
WT = str(Path(__file__).resolve().parent.parent)
PY = sys.executable
OUT = sys.argv[3] if len(sys.argv) > 3 else f"faces_{PLAN}_{STEP}"
os.makedirs(OUT, exist_ok=True)


def cli(*args, json_out=True):
    env = dict(os.environ, PYTHONPATH=f"{WT}/src:{WT}")
    cmd = [PY, "-m", "forecast", "plan", *args] + (["--json"] if json_out else [])
    r = subprocess.run(cmd, cwd=WT, env=env, capture_output=True, text=True)
    if json_out:
        try:
            return json.loads(r.stdout)
        except json.JSONDecodeError:
            return {"error": r.stdout + r.stderr}
    return r.stdout + r.stderr


def cents(x):
    if x is None or x == "":
        return None
    return int((Decimal(str(x)) * 100).quantize(Decimal(1)))


problems = []


def agree(label, values):
    vals = {k: v for k, v in values.items() if v is not None}
    if len(set(vals.values())) > 1:
        problems.append(f"{label}: " + ", ".join(f"{k}={v / 100:,.2f}" for k, v in vals.items()))


ledger = cli("ledger", PLAN)
stretch = cli("stretch", PLAN)
show = cli("show", PLAN, "--level", "team")
show_total = cli("show", PLAN, "--level", "total")
ledger_text = cli("ledger", PLAN, json_out=False)
cli("export", PLAN, "--format", "csv", "--out", f"{OUT}/p.csv", json_out=False)
cli("export", PLAN, "--format", "xlsx", "--out", f"{OUT}/p.xlsx", json_out=False)
Path(f"{OUT}/ledger.txt").write_text(ledger_text)
Path(f"{OUT}/ledger.json").write_text(json.dumps(ledger, indent=1))

s = ledger.get("summary", {})
teams = {r["team"]: r for r in ledger.get("ledger", []) if r["team"] != "TOTAL"}
ltotal = next((r for r in ledger.get("ledger", []) if r["team"] == "TOTAL"), None)

# CSV export
csv_team = defaultdict(lambda: defaultdict(int))
csv_period = defaultdict(lambda: defaultdict(int))
versions = set()
taken_in_csv = set()
with open(f"{OUT}/p.csv", encoding="utf-8-sig") as fh:
    for row in csv.DictReader(fh):
        versions.add(row["plan_version"])
        taken_in_csv.add(row.get("basis_taken_at"))
        for col in ("baseline", "system_plan", "basis", "target"):
            csv_team[row["team"]][col] += cents(row[col])
            csv_period[row["ds"]][col] += cents(row[col])
# XLSX
wb = openpyxl.load_workbook(f"{OUT}/p.xlsx")


def sheet_rows(name):
    ws = wb[name]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    return [dict(zip(head, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]


x_series_team = defaultdict(lambda: defaultdict(int))
x_versions = set()
for r in sheet_rows("by series-period"):
    x_versions.add(r["plan_version"])
    for col in ("baseline", "system_plan", "basis", "target"):
        x_series_team[r["team"]][col] += cents(r[col])
x_team = {r["team"]: r for r in sheet_rows("by team")}
x_ledger = {r["team"]: r for r in sheet_rows("ledger")}
x_basis = {r["item"]: r["value"] for r in sheet_rows("basis")}
Path(f"{OUT}/basis_sheet.json").write_text(
    json.dumps({k: str(v) for k, v in x_basis.items()}, indent=1)
)

# show (system plan per team and period)
show_team = defaultdict(int)
show_period_total = defaultdict(int)
for r in show.get("system_plan", []):
    show_team[r["team"]] += cents(r["system_plan"])
for r in show_total.get("system_plan", []):
    show_period_total[r["ds"]] += cents(r["system_plan"])
stretch_rows = {r["team"]: r for r in stretch} if isinstance(stretch, list) else {}

dash = {}
dpath = f"{OUT}/dash.json"
if os.path.exists(dpath):
    dash = json.loads(Path(dpath).read_text())

for team, r in teams.items():
    for col in ("system_plan", "basis", "target", "baseline"):
        agree(
            f"{team}.{col}",
            {
                "ledger": cents(r[col]),
                "csv": csv_team[team][col],
                "xlsx_series": x_series_team[team][col],
                "xlsx_team": cents(x_team.get(team, {}).get(col)),
                "xlsx_ledger": cents(x_ledger.get(team, {}).get(col)),
                "show": show_team[team] if col == "system_plan" else None,
                "stretch": cents(stretch_rows.get(team, {}).get("target"))
                if col == "target"
                else None,
                "dash": dash.get(team, {}).get(col),
            },
        )
    for col in ("claim", "assignment", "basis_drift"):
        agree(
            f"{team}.{col}",
            {
                "ledger": cents(r[col]),
                "xlsx_ledger": cents(x_ledger.get(team, {}).get(col)),
                "dash": dash.get(team, {}).get(col),
            },
        )
    # basis + claim + assignment = target
    if cents(r["basis"]) + cents(r["claim"]) + cents(r["assignment"]) != cents(r["target"]):
        problems.append(f"{team}: basis+claim+assignment != target")
    if cents(r["system_plan"]) - cents(r["basis"]) != cents(r["basis_drift"]):
        problems.append(f"{team}: system_plan-basis != basis_drift ({r['basis_drift']})")

# totals: each shown total is the sum of parts shown
for col, key in (
    ("system_plan", "system_plan_total"),
    ("basis", "basis_total"),
    ("target", "target_total"),
    ("claim", "claimed"),
    ("assignment", "assigned"),
    ("basis_drift", "drift_total"),
):
    parts = sum(cents(r[col]) for r in teams.values())
    agree(
        f"TOTAL.{col}",
        {
            "sum_of_ledger_teams": parts,
            "ledger_summary": cents(s.get(key)),
            "ledger_TOTAL_row": cents(ltotal[col]) if ltotal else None,
            "xlsx_ledger_TOTAL": cents(x_ledger.get("TOTAL", {}).get(col)),
            "csv": sum(v[col] for v in csv_team.values())
            if col in ("system_plan", "basis", "target")
            else None,
            "show_total": sum(show_period_total.values()) if col == "system_plan" else None,
            "dash": dash.get("TOTAL", {}).get(col),
        },
    )
# gap = goal - basis ; remainder = gap - claimed ; open = remainder - assigned
if s.get("goal") is not None:
    g, b, gap = cents(s["goal"]), cents(s["basis_total"]), cents(s["gap"])
    if g - b != gap:
        problems.append(f"gap {gap} != goal-basis {g - b}")
    if gap - cents(s["claimed"]) != cents(s["remainder"]):
        problems.append("remainder != gap - claimed")
    if cents(s["remainder"]) - cents(s["assigned"]) != cents(s["open_remainder"]):
        problems.append("open != remainder - assigned")
    if (
        s.get("stage") in ("assigned", "agreed", "locked")
        and cents(s["target_total"]) != g
        and not s.get("oversubscribed_by")
    ):
        problems.append(
            f"targets total {s['target_total']} != goal {s['goal']} at stage {s['stage']}"
        )
    if "TOTAL" in stretch_rows:
        agree(
            "stretch TOTAL target vs goal",
            {"goal": g, "stretch_TOTAL": cents(stretch_rows["TOTAL"]["target"])},
        )
    for k in ("gap", "remainder", "claimed", "goal"):
        if k in dash:
            agree(f"summary.{k}", {"ledger": cents(s.get(k)), "dash": dash[k]})
# period: csv system_plan per period vs show total
for ds, v in show_period_total.items():
    agree(f"period {ds} system_plan", {"show_total": v, "csv": csv_period[ds]["system_plan"]})
if len(versions | {str(v) for v in x_versions} | {str(s.get("version"))}) > 1:
    problems.append(f"versions differ: csv {versions} xlsx {x_versions} ledger {s.get('version')}")
if s.get("goal") is not None and taken_in_csv != {s.get("basis_taken_at")}:
    problems.append(f"CSV basis_taken_at {taken_in_csv} != ledger {s.get('basis_taken_at')}")
if s.get("stage") in ("agreed", "locked") or s.get("agreed_by"):
    text = " ".join(str(v) for v in x_basis.values())
    if "agreed" not in text.lower():
        problems.append(f"locked plan's basis sheet does not say agreed: {x_basis}")

Path(f"{OUT}/figs.json").write_text(
    json.dumps({"csv_period": csv_period, "summary": s}, indent=1, default=str)
)
print(
    f"== {STEP}: stage={s.get('stage')} v{s.get('version')} goal={s.get('goal')} gap={s.get('gap')} claimed={s.get('claimed')} rem={s.get('remainder')} assigned={s.get('assigned')} drift={s.get('drift_total')}"
)
for p in problems:
    print("  MISMATCH", p)
if not problems:
    print("  all faces agree")
sys.exit(1 if problems else 0)
