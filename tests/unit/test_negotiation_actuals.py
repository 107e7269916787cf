"""The Negotiation page once the actuals arrive: a team whose every period is in reads what it
came to (reached, or missed by how much) against its target in place of a chance of something
over; a team with some periods in keeps its chance and says how many are. The rule is the Side
by side page's (`team_actuals.verdict`); `plan stretch` says the same per team."""

from __future__ import annotations

import json

from test_actuals_scale import as_csv, forecast_times
from test_export_actuals import agreed_plan, sales
from typer.testing import CliRunner

from dashboard.negotiation_parts import claims
from dashboard.pages import side_by_side
from forecast.cli import app
from forecast.services import actuals, comparison
from forecast.services.negotiation_board import negotiation_board
from forecast.services.store_factory import open_store
from forecast.store import MemoryStore


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=str, ensure_ascii=False)


def _upload(store, plan_id: str, factor: float) -> None:
    kept = sales(store, plan_id, factor)  # team a: every period; b and c: their first two
    actuals.upload_actuals(store, plan_id, as_csv(kept), filename="sold.csv", actor="olga")


def test_a_card_says_reached_or_missed_once_every_period_is_in_and_the_periods_in_before():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    before = {c.team: c for c in negotiation_board(store, plan_id, "olga").cards}
    _upload(store, plan_id, 1.03)

    cards = {c.team: c for c in negotiation_board(store, plan_id, "olga").cards}

    assert {c.actuals for c in before.values()} == {None}
    a, b, c = cards["a"].actuals, cards["b"].actuals, cards["c"].actuals
    assert a is not None and b is not None and c is not None
    compared = comparison.compare_plans(store, plan_id).verdicts  # the Side by side page's
    assert a.over and a.actual == compared["a"].actual
    assert a.target == cards["a"].target
    # 1.03 x the baseline against targets of 1.1 x it: missed
    assert a.kind == "missed" and a.actual < a.target
    horizon = compared["a"].periods_total
    # b's third series misses its second period: one period in, one partly
    assert (b.kind, b.periods_in, b.periods_partial, b.periods_total) == ("partial", 1, 1, horizon)
    assert (c.kind, c.periods_in, c.periods_total) == ("partial", 2, horizon)


def test_a_missed_target_reads_by_how_much_and_a_reached_one_reads_reached():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    _upload(store, plan_id, 0.5)  # half the baseline: every target missed
    board = negotiation_board(store, plan_id, "olga")
    cards = {c.team: c for c in board.cards}
    a = cards["a"].actuals
    assert a is not None and a.kind == "missed"

    shown = _text(claims.team_card(cards["a"], board.currency))

    def money(minor: int) -> str:
        return f"€{minor / 100:,.2f}"

    # the Side by side page's words (`team_actuals.verdict_words`)
    assert f"missed by {money(a.target - a.actual)}, actuals {money(a.actual)}" in shown
    assert "Probability to reach" not in shown
    partly = _text(claims.team_card(cards["c"], board.currency))
    assert "Probability to reach the target" in partly
    assert f"2 of {a.periods_total} periods in" in partly

    store = MemoryStore()
    plan_id = agreed_plan(store)
    _upload(store, plan_id, 3.0)  # three times the baseline: team a's target reached
    board = negotiation_board(store, plan_id, "olga")
    (card,) = [c for c in board.cards if c.team == "a"]
    assert card.actuals is not None and card.actuals.kind == "reached"
    shown = _text(claims.team_card(card, board.currency))
    assert f"reached, actuals {money(card.actuals.actual)}" in shown
    assert "Probability to reach" not in shown


def test_plan_stretch_says_per_team_what_the_actuals_came_to(tmp_path):
    store = open_store(data_dir=tmp_path)
    plan_id = agreed_plan(store)
    _upload(store, plan_id, 0.5)
    cards = {c.team: c for c in negotiation_board(store, plan_id, "olga").cards}
    store.close()

    result = CliRunner().invoke(app, ["plan", "stretch", plan_id, "--data-dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    a = cards["a"].actuals
    assert a is not None
    assert (
        f"a: missed by €{(a.target - a.actual) / 100:,.2f}, actuals €{a.actual / 100:,.2f}"
        in result.stdout
    )
    horizon = a.periods_total
    assert f"b: 1 of {horizon} periods in (1 partly)" in result.stdout
    assert f"c: 2 of {horizon} periods in" in result.stdout


def test_a_card_of_a_team_partly_in_says_its_periods_in_and_partly_as_side_by_side_does():
    store = MemoryStore()
    plan_id = agreed_plan(store)
    _upload(store, plan_id, 1.03)  # team b: its first period in, its second partly
    board = negotiation_board(store, plan_id, "olga")
    (card,) = [c for c in board.cards if c.team == "b"]

    shown = _text(claims.team_card(card, board.currency))

    assert "Probability to reach the target" in shown
    assert "1 of 4 periods in (1 partly)" in shown
    row = side_by_side.difference_rows(comparison.compare_plans(store, plan_id))
    (b_row,) = [r for r in row if r["team"] == "b"]
    assert b_row["periods_in"] == "1 of 4 periods in (1 partly)"


def _all_in(tmp_path, factor: float) -> str:
    """A plan in `tmp_path` with actuals of `factor` x the baseline in every period of every
    series: the horizon is over for every team and for the total."""
    store = open_store(data_dir=tmp_path)
    plan_id = agreed_plan(store)
    kept = forecast_times(store, plan_id, factor).round({"y": 2})
    actuals.upload_actuals(store, plan_id, as_csv(kept), filename="all.csv", actor="olga")
    store.close()
    return plan_id


def _stretch_rows(stdout: str) -> dict[str, str]:
    """`plan stretch`'s table rows by team: the P(reach) column's text."""
    rows = {}
    for line in stdout.splitlines()[1:]:
        if not line.strip() or ":" in line:
            break
        team = line[:16].strip()
        rows[team] = line[16:]
    return rows


def test_plan_stretch_gives_the_total_its_verdict_once_every_period_is_in(tmp_path):
    plan_id = _all_in(tmp_path, 0.5)  # half the baseline: every target and the total missed

    result = CliRunner().invoke(app, ["plan", "stretch", plan_id, "--data-dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    rows = _stretch_rows(result.stdout)
    assert set(rows) == {"a", "b", "c", "TOTAL"}
    for team, text in rows.items():
        assert "missed" in text and "%" not in text.split("missed")[0], (team, text)
    assert "TOTAL: missed by" in result.stdout

    reached = CliRunner().invoke(
        app, ["plan", "stretch", _all_in(tmp_path / "3", 3.0), "--data-dir", str(tmp_path / "3")]
    )
    assert reached.exit_code == 0, reached.output
    assert "reached" in _stretch_rows(reached.stdout)["TOTAL"]
    assert "TOTAL: reached, actuals" in reached.stdout


def test_plan_stretch_json_carries_each_rows_verdict(tmp_path):
    store = open_store(data_dir=tmp_path)
    plan_id = agreed_plan(store)
    _upload(store, plan_id, 0.5)
    cards = {c.team: c for c in negotiation_board(store, plan_id, "olga").cards}
    store.close()

    result = CliRunner().invoke(
        app, ["plan", "stretch", plan_id, "--data-dir", str(tmp_path), "--json"]
    )

    assert result.exit_code == 0, result.output
    rows = {r["team"]: r for r in json.loads(result.stdout)}
    a = cards["a"].actuals
    assert a is not None
    assert rows["a"]["actuals"] == {
        "kind": "missed",
        "actual": a.actual / 100,
        "periods_in": 4,
        "periods_total": 4,
        "periods_partial": 0,
    }
    assert rows["b"]["actuals"] == {
        "kind": "partial",
        "actual": None,
        "periods_in": 1,
        "periods_total": 4,
        "periods_partial": 1,
    }
    assert rows["TOTAL"]["actuals"]["kind"] == "partial"

    plan_id = _all_in(tmp_path / "all", 0.5)
    done = CliRunner().invoke(
        app, ["plan", "stretch", plan_id, "--data-dir", str(tmp_path / "all"), "--json"]
    )
    total = {r["team"]: r for r in json.loads(done.stdout)}["TOTAL"]["actuals"]
    assert total["kind"] == "missed" and total["periods_in"] == total["periods_total"] == 4


def test_how_to_read_the_page_says_a_card_reads_its_target_reached_or_missed_once_all_is_in():
    """The page's "How to read this" explained only the probability; a card whose team has
    every period's actuals shows "Target: reached" or "Target: missed by …" instead of it."""
    from dashboard.pages import negotiation

    said = " ".join(negotiation.HOW_TO_READ.split())
    assert "Once every period of a team has its actuals" in said
    assert "'Target: reached' or 'Target: missed by'" in said


def _shown_text(component) -> str:
    """A component's text as a reader sees it: its strings in order, spaces as they are."""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return "".join(_shown_text(c) for c in component)
    children = getattr(component, "children", None)
    return "" if children is None else _shown_text(children)


def test_the_words_how_to_read_this_quotes_are_the_words_a_card_all_in_shows():
    """The page's "How to read this" quotes a card whose team has every period's actuals: each
    quoted phrase ('Target: reached', 'Target: missed by') is read on such a card."""
    import re

    from dashboard.pages import negotiation

    quoted = re.findall(r"'(Target: [^']+)'", negotiation.HOW_TO_READ)
    assert quoted == ["Target: reached", "Target: missed by"]
    shown = {}
    for factor, kind in ((3.0, "reached"), (0.5, "missed")):  # team a: every period in
        store = MemoryStore()
        plan_id = agreed_plan(store)
        _upload(store, plan_id, factor)
        board = negotiation_board(store, plan_id, "olga")
        (card,) = [c for c in board.cards if c.team == "a"]
        assert card.actuals is not None and card.actuals.kind == kind
        shown[kind] = " ".join(_shown_text(claims.team_card(card, board.currency)).split())
    assert quoted[0] in shown["reached"] and quoted[1] in shown["missed"], shown


def test_every_face_judges_a_target_past_a_floats_cents_to_the_cent(tmp_path):
    """The Side by side page, `plan stretch` and the Negotiation cards hold the same exact target
    (minor units) against the same actuals: targets of hundreds of trillions, more cents than a
    float holds, read the same "missed by" on each, to the cent."""
    from test_services_negotiation import team_frames, weekly_team_plan

    from forecast.services import negotiation as nego
    from forecast.services import system, team_actuals

    store = open_store(data_dir=tmp_path)
    # 12 trillion a team over the horizon (each series-period within the 10**12 a value may be),
    # the goal 8 times that: targets of 100 trillion, 10**16 cents, past 2**53
    totals = {"a": 1.2e13, "b": 1.2e13, "c": 1.2e13}
    plan_id = weekly_team_plan(store, team_frames(totals, per_team=6)).plan_id
    nego.set_goal(store, plan_id, "olga", total="300000000000000.37")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    system.publish(store, plan_id, "olga")
    nego.lock(store, plan_id, "olga")
    kept = forecast_times(store, plan_id, 1.0).round({"y": 2})
    actuals.upload_actuals(store, plan_id, as_csv(kept), filename="all.csv", actor="olga")
    board = negotiation_board(store, plan_id, "olga")
    on_cards = {
        c.team: team_actuals.verdict_words(c.actuals, board.currency)
        for c in board.cards
        if c.actuals is not None
    }
    rows = side_by_side.difference_rows(comparison.compare_plans(store, plan_id))
    on_page = {str(r["team"]): r.get("outcome") for r in rows}
    store.close()

    result = CliRunner().invoke(app, ["plan", "stretch", plan_id, "--data-dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    said = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": missed" in line)
    assert set(on_cards) == {"a", "b", "c"}
    assert all(words.startswith("missed by €") for words in on_cards.values()), on_cards
    for team, words in on_cards.items():
        assert on_page[team] == words, team
        assert said[team] == words, team
    assert said["TOTAL"] == on_page["TOTAL"]


def _targets_past_a_floats_cents(tmp_path) -> tuple[str, dict[str, int]]:
    """A weekly plan of teams a, b, c, stored under `tmp_path`, whose goal (3 * 10**16 cents + 37,
    past 2**53) is assigned pro rata: its id and the ledger's exact target cents by team."""
    from test_services_negotiation import team_frames, weekly_team_plan

    from forecast.services import negotiation as nego

    store = open_store(data_dir=tmp_path)
    totals = {"a": 1.2e13, "b": 1.2e13, "c": 1.2e13}
    plan_id = weekly_team_plan(store, team_frames(totals, per_team=6)).plan_id
    nego.set_goal(store, plan_id, "olga", total="300000000000000.37")
    nego.close_round(store, plan_id, "olga")
    nego.assign(store, plan_id, "olga", "pro_rata_baseline")
    ledger = nego.ledger(store, plan_id)
    exact = {str(t): int(m) for t, m in zip(ledger["team"], ledger["target_minor"], strict=True)}
    store.close()
    return plan_id, exact


def test_plan_stretch_prints_targets_past_a_floats_cents_as_the_ledger_has_them(tmp_path):
    """`plan stretch`'s target column is the ledger's target to the cent, also where a target
    holds more cents than a float does (here 10**16 cents, past 2**53): it read the float's."""
    from forecast.money import format_minor

    plan_id, exact = _targets_past_a_floats_cents(tmp_path)

    result = CliRunner().invoke(app, ["plan", "stretch", plan_id, "--data-dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    rows = _stretch_rows(result.stdout)
    assert set(rows) == {"a", "b", "c", "TOTAL"}
    for team in ("a", "b", "c", "TOTAL"):
        printed = rows[team].split()[0]
        assert printed == format_minor(exact[team], "EUR", decimals=2), (team, rows[team])
    assert exact["TOTAL"] == 30_000_000_000_000_037
    assert any(exact[t] % 100 not in (0,) for t in "abc")  # cents a float would round away


def test_plan_stretch_json_gives_each_target_in_exact_cents_beside_its_float(tmp_path):
    """`plan stretch --json` gives money as `plan ledger --json` does: currency units under the
    name (a float, which past 2**53 cents has lost its last cents) and the exact integer cents
    under ``*_minor``, here the ledger's targets to the cent (TOTAL: the goal, and the teams'
    targets summed under ``teams_target_minor``)."""
    plan_id, exact = _targets_past_a_floats_cents(tmp_path)

    result = CliRunner().invoke(
        app, ["plan", "stretch", plan_id, "--data-dir", str(tmp_path), "--json"]
    )

    assert result.exit_code == 0, result.output
    rows = {row["team"]: row for row in json.loads(result.stdout)}
    assert {t: rows[t]["target_minor"] for t in exact} == exact
    assert rows["TOTAL"]["teams_target_minor"] == exact["TOTAL"]
    for team in exact:
        assert rows[team]["target"] == exact[team] / 100  # the float nearest the exact amount
