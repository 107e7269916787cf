"""The Plans page's Accounts section: an admin makes another account an admin with its switch,
that person signs in and has the admin's view (the Accounts section, "admin" beside their name),
and the admin takes the role away again."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.e2e.helpers import count_now, settle, sign_in
from tests.signin import PASSWORD

ACCOUNTS_TABLE = "#plans-accounts-table table"


def _switch(dash_duo, user: str, to: str) -> None:
    """Click the admin switch of `user`'s row (its id says what the click does: `to`)."""
    switch_id = f'{{"to":"{to}","type":"plans-accounts-admin-switch","user":"{user}"}}'
    button = dash_duo.wait_for_element(f"button[id='{switch_id}']", timeout=20)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", button
    )
    button.click()


def _marks_of(dash_duo, user: str) -> str:
    row = dash_duo.driver.find_element(
        By.XPATH, f"//div[@id='plans-accounts-table']//tr[td[1][normalize-space()='{user}']]"
    )
    return row.find_elements(By.TAG_NAME, "td")[2].text


def test_an_admin_makes_another_account_admin_and_takes_it_back(start_app, e2e_plan):
    from forecast.services import accounts
    from forecast.services.store_factory import open_store
    from tests.e2e.conftest import OUTSIDER

    store = open_store(data_dir=e2e_plan.data_dir)
    accounts.add_user(store, "adam", PASSWORD, admin=True)
    store.close()
    dash_duo = start_app(e2e_plan.data_dir, "/plans", user="adam")
    dash_duo.wait_for_element(ACCOUNTS_TABLE, timeout=20)
    assert _marks_of(dash_duo, OUTSIDER) == ""

    _switch(dash_duo, OUTSIDER, "admin")
    dash_duo.wait_for_contains_text(
        "#plans-accounts-alert", f"Done: made {OUTSIDER} an admin", timeout=20
    )
    dash_duo.wait_for_element(  # the table drawn anew: its switch now takes the role away
        f'button[id=\'{{"to":"no-admin","type":"plans-accounts-admin-switch",'
        f'"user":"{OUTSIDER}"}}\']',
        timeout=20,
    )
    assert _marks_of(dash_duo, OUTSIDER) == "admin"

    sign_in(dash_duo, OUTSIDER, "/plans")  # no member of any plan: an admin sees them all
    dash_duo.wait_for_contains_text("#nav-role", f"{OUTSIDER} — admin", timeout=20)
    dash_duo.wait_for_element(ACCOUNTS_TABLE, timeout=20)

    sign_in(dash_duo, "adam", "/plans")
    dash_duo.wait_for_element(ACCOUNTS_TABLE, timeout=20)
    _switch(dash_duo, OUTSIDER, "no-admin")
    dash_duo.wait_for_contains_text(
        "#plans-accounts-alert", f"Done: took the admin role from {OUTSIDER}", timeout=20
    )
    settle(dash_duo)
    assert _marks_of(dash_duo, OUTSIDER) == ""

    sign_in(dash_duo, OUTSIDER, "/plans")
    assert "admin" not in dash_duo.find_element("#nav-role").text
    assert count_now(dash_duo, ACCOUNTS_TABLE) == 0
    assert dash_duo.get_logs() == []
