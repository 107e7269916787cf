"""Browser helpers shared by the e2e tests."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By


def upload(dash_duo, path: Path, component: str = "data-upload") -> None:
    field = dash_duo.driver.find_element(By.CSS_SELECTOR, f"#{component} input[type=file]")
    field.send_keys(str(path))


def click(dash_duo, selector: str) -> None:
    """Scroll the element into view and click it (long pages put buttons below the fold)."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.click()


def type_into(dash_duo, selector: str, text: str) -> None:
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.clear()
    element.send_keys(text)


def pick(dash_duo, selector: str, label: str) -> None:
    """Choose the option labelled `label` (or starting with it) in a dcc.Dropdown."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.click()
    menu = dash_duo.wait_for_element(".dash-dropdown-options", timeout=5)
    options = menu.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option")
    texts = [o.text for o in options]
    for option in options:
        if option.text == label or option.text.startswith(label):
            dash_duo.driver.execute_script("arguments[0].click();", option)
            return
    raise AssertionError(f"no option {label!r} in {selector}; options are {texts}")


SERIOUS = ("serious", "critical")


def axe_violations(dash_duo, impacts: tuple[str, ...] = SERIOUS) -> list[dict]:
    """Run axe-core (shipped inside the axe-core-python package, nothing downloaded) on the
    page as it is now; the violations of the given impacts, each with the elements it found."""
    from axe_core_python.selenium import Axe

    result = Axe().run(dash_duo.driver)
    return [v for v in result["violations"] if v.get("impact") in impacts]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']} ({v['help']}), {len(v['nodes'])} element(s):")
        lines += [
            f"    {' '.join(map(str, n['target']))}: {n.get('failureSummary', '')[:160]!r}"
            for n in v["nodes"][:12]
        ]
    return "\n".join(lines)
