"""A plan holding an explanation this program no longer accepts (an older import let in a
reason code it has not, an empty author, a text of another kind; stored plans read them
leniently and stay usable) exports to a bundle that imports again: the copy carries each such
explanation as its plan held it, gated alike, and the import says which explanation that is and
how to replace it. A bundle whose explanation was changed after export is still refused
(tests/unit/test_damaged_bundle_refusals.py)."""

from __future__ import annotations

import json

from test_services_system import HORIZON_WEEKS, add_promo, new_plan
from typer.testing import CliRunner

from forecast.cli import app
from forecast.services import exports, plans, system
from forecast.services.store_factory import open_store


def _plan_whose_explanations_an_older_import_left(store, left) -> str:
    """A plan with a promotion explained (two explanations), which `left` (explanations ->
    explanations) then rewrites as an older import stored them."""
    plan_id = new_plan(store)
    add_promo(store, plan_id, value=50.0)
    system.explain(store, plan_id, "ann", event_id="E1", reason_code="promotion", text="flyer")

    def as_an_older_import_left_them(s):
        s.explanations = left(s.explanations)
        return "import", None, None

    plans.change_plan(
        store, plan_id, actor="ann", action="import", mutate=as_an_older_import_left_them
    )
    return plan_id


def _plan_with_an_explanation_no_longer_accepted(store) -> str:
    return _plan_whose_explanations_an_older_import_left(
        store, lambda held: [dict(e, reason_code="because", author="") for e in held]
    )


def test_a_plan_holding_an_explanation_no_longer_accepted_exports_and_imports_again(tmp_path):
    store = open_store(data_dir=tmp_path / "here")
    plan_id = _plan_with_an_explanation_no_longer_accepted(store)
    held = plans.get_plan(store, plan_id).explanations
    gate = system.gate_status(store, plan_id)
    bundle = exports.export_plan(store, plan_id, "json")

    done = exports.import_noted(store, bundle, "ann", name="autumn again")

    copy = plans.get_plan(store, done.plan_id)
    assert copy.explanations == held  # carried as the plan held them
    assert system.gate_status(store, done.plan_id) == gate
    said = [line for line in done.lines() if "explanation" in line]
    week = HORIZON_WEEKS[1].strftime("%Y-%m-%d")
    assert said == [
        f"the bundle's explanation 1 (team a on {week}) is carried as its plan held it: "
        "unknown reason code 'because'; use one of "
        + ", ".join(system.REASON_CODES)
        + "; explain that cell again to replace it",
        f"the bundle's explanation 2 (series 1 on {week}) is carried as its plan held it: "
        "unknown reason code 'because'; use one of "
        + ", ".join(system.REASON_CODES)
        + "; explain that cell again to replace it",
    ]
    assert said[0] in store.audit(done.plan_id)[-1].what
    store.close()


def test_the_command_line_imports_such_a_bundle_and_says_which_explanation_it_carries(
    tmp_path,
):
    data = tmp_path / "data"
    store = open_store(data_dir=data)
    plan_id = _plan_with_an_explanation_no_longer_accepted(store)
    path = tmp_path / "plan.json"
    path.write_bytes(exports.export_plan(store, plan_id, "json"))
    store.close()

    result = CliRunner().invoke(
        app,
        ["plan", "import", str(path), "--as", "ann", "--name", "again", "--data-dir", str(data)],
    )

    assert result.exit_code == 0, result.output
    assert "the bundle's explanation 1 (team a on" in result.output
    assert "explain that cell again to replace it" in result.output


def test_an_explanation_changed_in_the_bundle_is_still_refused(tmp_path):
    """Only the explanations the exporting plan held as they are ride along: one changed in the
    bundle afterwards (and signed again) is refused as damage."""
    from test_bundle_signing import signed

    from forecast.services.errors import Invalid

    store = open_store(data_dir=tmp_path / "here")
    plan_id = new_plan(store)
    add_promo(store, plan_id, value=50.0)
    system.explain(store, plan_id, "ann", event_id="E1", reason_code="promotion", text="flyer")
    content = json.loads(exports.export_plan(store, plan_id, "json"))
    content["plan"]["explanations"][0]["reason_code"] = "because"
    try:
        exports.import_bundle(
            store, signed(content, store.installation_key()), "ann", name="changed"
        )
    except Invalid as refused:
        assert "the bundle's explanation 1 is damaged: unknown reason code 'because'" in str(
            refused
        )
    else:
        raise AssertionError("a changed explanation was imported")
    store.close()


def test_a_list_of_explanations_as_stored_that_names_none_of_the_plans_is_refused(tmp_path):
    from test_bundle_signing import signed

    from forecast.services.errors import Invalid

    store = open_store(data_dir=tmp_path / "here")
    plan_id = _plan_with_an_explanation_no_longer_accepted(store)
    content = json.loads(exports.export_plan(store, plan_id, "json"))
    assert content[exports.AS_STORED] == [1, 2]
    for damaged in ([3], "1", [True], [1.0]):
        data = signed({**content, exports.AS_STORED: damaged}, store.installation_key())
        try:
            exports.import_bundle(store, data, "ann", name="damaged")
        except Invalid as refused:
            assert f"the bundle's '{exports.AS_STORED}' is damaged" in str(refused)
        else:
            raise AssertionError(f"{damaged!r} was read")
    store.close()


def test_a_list_of_explanations_as_stored_longer_than_the_plans_or_out_of_order_is_refused(
    tmp_path,
):
    """An export lists each explanation once, in order, so the list is never longer than the
    plan's explanations: a million entries naming the same one is refused, not read."""
    from test_bundle_signing import signed

    from forecast.services.errors import Invalid

    store = open_store(data_dir=tmp_path / "here")
    plan_id = _plan_with_an_explanation_no_longer_accepted(store)
    content = json.loads(exports.export_plan(store, plan_id, "json"))
    for damaged in ([1, 1], [2, 1], [1] * 1_000_000):
        data = signed({**content, exports.AS_STORED: damaged}, store.installation_key())
        try:
            exports.import_bundle(store, data, "ann", name="damaged")
        except Invalid as refused:
            assert f"the bundle's '{exports.AS_STORED}' is damaged" in str(refused)
        else:
            raise AssertionError(f"{damaged[:3]!r}... was read")
    store.close()


def test_many_explanations_carried_are_named_a_few_at_a_time_not_one_line_each(tmp_path):
    """A retired reason code touches every explanation an older import let in: thousands of
    them. The import still carries each, but its message (the command's lines, the dashboard's
    alert, the audit row) names the first few and says how many more there are and why, instead
    of a line per explanation (5,000 of them made a 1 MB message); a cell's name is shortened."""
    store = open_store(data_dir=tmp_path / "here")
    count = 300
    long_key = "k" * 5_000
    plan_id = _plan_whose_explanations_an_older_import_left(
        store,
        lambda held: [
            dict(held[0], key=long_key if n == 0 else f"s{n}", reason_code="because")
            for n in range(count)
        ],
    )
    held = plans.get_plan(store, plan_id).explanations

    done = exports.import_noted(
        store, exports.export_plan(store, plan_id, "json"), "ann", name="again"
    )

    assert plans.get_plan(store, done.plan_id).explanations == held  # every one carried
    said = [line for line in done.lines() if "explanation" in line]
    named = exports.CARRIED_NAMED
    assert len(said) == named + 1
    assert said[1].startswith("the bundle's explanation 2 (team s1 on ")
    assert all(len(line) < 600 for line in said)
    assert long_key not in said[0] and said[0].startswith("the bundle's explanation 1 (team kkk")
    assert said[-1].startswith(
        f"{count - named:,} more of the bundle's explanations ({named + 1}, {named + 2}, "
    )
    assert said[-1].endswith(
        f"… {count}) are carried as their plan held them: unknown reason code 'because'; use one "
        "of " + ", ".join(system.REASON_CODES) + "; explain those cells again to replace them"
    )
    assert len(store.audit(done.plan_id)[-1].what) < 10_000
    store.close()


def _as_an_older_release_exported_it(store, plan_id) -> dict:
    """The plan's bundle as a release before `explanations_as_stored` wrote it: the same
    content without that list, signed by this installation."""
    content = json.loads(exports.export_plan(store, plan_id, "json"))
    del content[exports.AS_STORED]
    return content


def test_a_signed_bundle_of_an_older_release_carries_an_explanation_no_longer_accepted(
    tmp_path,
):
    """An older release wrote no list of the explanations as stored: its bundle of a plan
    holding an explanation with a reason code retired since is this installation's own, signed
    and unchanged, so the import carries that explanation as the plan held it, with the note,
    instead of calling the bundle damaged."""
    from test_bundle_signing import signed

    store = open_store(data_dir=tmp_path / "here")
    plan_id = _plan_with_an_explanation_no_longer_accepted(store)
    held = plans.get_plan(store, plan_id).explanations
    data = signed(_as_an_older_release_exported_it(store, plan_id), store.installation_key())

    done = exports.import_noted(store, data, "ann", name="from last year")

    assert plans.get_plan(store, done.plan_id).explanations == held
    said = [line for line in done.lines() if "explanation" in line]
    assert len(said) == 2
    assert said[0].startswith("the bundle's explanation 1 (team a on ")
    assert "is carried as its plan held it: unknown reason code 'because'" in said[0]
    store.close()


def test_a_bundle_of_an_older_release_changed_after_export_is_still_refused(tmp_path):
    """Without a valid signature of this installation (changed after export, or another
    installation's taken on trust) an explanation no longer accepted is still refused."""
    from test_bundle_signing import signed

    from forecast.services.errors import Invalid

    here, there = open_store(data_dir=tmp_path / "here"), open_store(data_dir=tmp_path / "there")
    plan_id = _plan_with_an_explanation_no_longer_accepted(here)
    content = _as_an_older_release_exported_it(here, plan_id)
    changed = json.dumps({**content, "exported_at": "2020-01-01T00:00:00Z"}).encode()
    for store, data, trust, said in (
        (here, changed, False, "the bundle's content does not match its signature"),
        (
            there,
            signed(content, here.installation_key()),
            True,
            "the bundle's explanation 1 is damaged: unknown reason code 'because'",
        ),
    ):
        try:
            exports.import_bundle(store, data, "ann", name="again", trust=trust)
        except Invalid as refused:
            assert said in str(refused)
        else:
            raise AssertionError("an unsigned change was imported")
    here.close()
    there.close()


def test_a_carried_explanation_with_a_deviation_that_is_no_number_still_exports_as_xlsx(
    tmp_path,
):
    """An older import let in an explanation whose deviation and amount are text: the gate reads
    them as none (`Explanation.from_dict`), and so does the workbook's explanations sheet, instead
    of the export (and the dashboard's download of it) failing on them; the plan's bundle carries
    that explanation, and its copy exports alike."""
    import io

    from openpyxl import load_workbook

    store = open_store(data_dir=tmp_path / "here")
    plan_id = _plan_whose_explanations_an_older_import_left(
        store, lambda held: [dict(e, deviation_pct="lots", amount="much") for e in held]
    )
    done = exports.import_noted(
        store, exports.export_plan(store, plan_id, "json"), "ann", name="again"
    )

    for shown in (plan_id, done.plan_id):
        book = load_workbook(io.BytesIO(exports.export_plan(store, shown, "xlsx")))
        rows = list(book["explanations"].values)
        header = rows[0]
        explained = [dict(zip(header, row, strict=True)) for row in rows[1:]]
        assert [row["text"] for row in explained if row["text"]] == ["flyer", "flyer"]
        # no number: what the gate reads as an explanation of new volume
        assert {row["explained_deviation_pct"] for row in explained if row["text"]} == {
            "new volume"
        }
    store.close()
