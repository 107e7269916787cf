"""The wheel's package list names every package of the checkout (it is written out by hand in
pyproject.toml because the wheel also maps sample_data/ into the `forecast` package)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_folder_of_the_checkout_is_in_the_wheel():
    found = {
        ".".join(init.parent.relative_to(base).parts)
        for base in (ROOT / "src", ROOT)
        for top in ("forecast", "dashboard")
        for init in (base / top).rglob("__init__.py")
        if (base / top).is_dir() and "tests" not in init.parts
    }
    listed = set(_config()["tool"]["setuptools"]["packages"])
    assert found - listed == set(), "add these packages to [tool.setuptools] packages"
    assert "forecast.sample_data" in listed


def test_the_wheel_ships_the_assets_and_the_sample_data():
    config = _config()["tool"]["setuptools"]
    assert config["package-dir"]["forecast.sample_data"] == "sample_data"
    assert "assets/*" in config["package-data"]["dashboard"]
    assert (ROOT / "sample_data" / "rossmann" / "rossmann_train_100stores.csv").is_file()


def test_the_distribution_name_is_not_the_taken_forecast():
    assert _config()["project"]["name"] == "forecast-planner"


def test_version_and_module_entry_point():
    from typer.testing import CliRunner

    import forecast
    from forecast.cli import app

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"forecast {forecast.__version__}"
    assert (ROOT / "src" / "forecast" / "__main__.py").is_file()
