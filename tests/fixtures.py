"""Shared test fixtures: the small plan of six Rossmann stores (teams a, c and d, weekly, snaive)
that the dashboard's unit tests and the browser tests build once and copy for each test.

A test module takes its fixtures from `six_store_fixtures` (one line: the members it needs):
`template`, built once per module, and `plan`, a private copy of it for each test. The browser
tests build theirs once per session (`six_store_plan`, in tests/e2e/conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.signin import add_accounts

SIX_STORES = (11, 32, 114, 232, 45, 52)  # store types a, a, c, c, d, d -> three teams
OWNER = "olga"


@dataclass(frozen=True)
class SmallPlan:
    plan_id: str
    data_dir: Path


def six_store_csv(rossmann_train: Path, out: Path) -> Path:
    """The daily sales of the six stores, as a CSV file at `out`."""
    frame = pd.read_csv(rossmann_train)
    frame[frame["Store"].isin(SIX_STORES)].to_csv(out, index=False)
    return out


def six_store_plan(
    base: Path,
    rossmann_train: Path,
    rossmann_stores: Path,
    *,
    name: str,
    horizon: int = 6,
    planner: str | None = None,
    leads: Mapping[str, str] | None = None,
    owner_plans: bool = True,
    accounts: Iterable[str] = (),
    admin: Iterable[str] = (),
) -> SmallPlan:
    """A plan of the six stores in the store under `base/data`, made by the owner (olga), with
    `planner` as planner, `leads` ({team: lead}) as team leads, and sign-in `accounts`.
    `owner_plans=False` takes the planner role from the owner (she may then only decide)."""
    from forecast.services import plan_create, plan_members
    from forecast.services.store_factory import open_store

    source = six_store_csv(rossmann_train, base / "rossmann_6stores.csv")
    data_dir = base / "data"
    store = open_store(data_dir=data_dir)
    state = plan_create.create_plan(
        store,
        name=name,
        source=source,
        attributes_file=rossmann_stores,
        freq="W",
        horizon=horizon,
        team_attr="StoreType",
        actor=OWNER,
        model="snaive",
    )
    if planner:
        plan_members.grant(store, state.plan_id, OWNER, planner, "planner")
    if not owner_plans:
        plan_members.revoke(store, state.plan_id, OWNER, OWNER, "planner")
    for team, lead in (leads or {}).items():
        plan_members.grant(store, state.plan_id, OWNER, lead, "lead", team=team)
    add_accounts(store, accounts, admin=admin)
    store.close()
    return SmallPlan(plan_id=state.plan_id, data_dir=data_dir)


def copy_of(template: SmallPlan, tmp_path: Path) -> SmallPlan:
    """A private copy of the template's store (its SQLite files) for one test."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for item in template.data_dir.iterdir():
        if item.is_file() and item.name.startswith("forecast.db"):
            shutil.copy2(item, data_dir / item.name)
    return SmallPlan(plan_id=template.plan_id, data_dir=data_dir)


def six_store_fixtures(label: str, **members: Any) -> tuple[Any, Any]:
    """The fixtures `template` (the plan, built once per module; `members` as `six_store_plan`
    takes them) and `plan` (a private copy for each test), for a test module to take as
    `template, plan = six_store_fixtures("my-page", name=..., leads=...)`."""

    @pytest.fixture(scope="module", name="template")
    def template_fixture(tmp_path_factory, rossmann_train, rossmann_stores) -> SmallPlan:
        base = tmp_path_factory.mktemp(label)
        return six_store_plan(base, rossmann_train, rossmann_stores, **members)

    @pytest.fixture(name="plan")
    def plan_fixture(template: SmallPlan, tmp_path: Path) -> SmallPlan:
        return copy_of(template, tmp_path)

    return template_fixture, plan_fixture
