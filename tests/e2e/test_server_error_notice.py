"""A click whose callback fails on the server with an unexpected error: the page says so, with
the id of the error's lines in the server's log, instead of doing nothing visible.

The error is a real one: the folder uploads are kept in is a file (a broken data directory), so
saving the dropped file fails on the server."""

from __future__ import annotations

import re

from tests.e2e.helpers import upload
from tests.e2e.test_data_page import weekly_file


def test_an_unexpected_server_error_in_a_callback_is_told_with_its_log_id(start_app, tmp_path):
    source = weekly_file(tmp_path / "sales.csv", {"Sales": 1.0})
    data_dir = tmp_path / "data"
    dash_duo = start_app(data_dir)
    dash_duo.wait_for_element("#data-upload", timeout=10)
    uploads = data_dir / "dashboard-cache" / "uploads"
    if uploads.is_dir():
        uploads.rmdir()
    uploads.write_text("not a folder")

    upload(dash_duo, source)
    dash_duo.wait_for_contains_text(
        "#nav-offline", "Something went wrong on the server", timeout=20
    )
    notice = dash_duo.find_element("#nav-offline")
    assert notice.is_displayed()
    assert re.fullmatch(
        r"Something went wrong on the server; nothing was changed by this action\. The details "
        r"are in the server's log under id [0-9a-f]{8}\.",
        notice.text,
    ), notice.text

    uploads.unlink()  # mended: the same file dropped again gets through, and the notice goes
    upload(dash_duo, source)
    dash_duo.wait_for_contains_text("#data-report-ok", "Value (sales): Sales", timeout=30)
    assert not dash_duo.find_element("#nav-offline").is_displayed()
