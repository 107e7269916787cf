"""The shell and the Data page in a real browser."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By


def upload(dash_duo, path: Path) -> None:
    field = dash_duo.driver.find_element(By.CSS_SELECTOR, "#data-upload input[type=file]")
    field.send_keys(str(path))


def test_empty_store_shows_data_page_with_upload_limit(start_app, tmp_path):
    dash_duo = start_app(tmp_path / "data")
    dash_duo.wait_for_text_to_equal("h2", "Data", timeout=10)
    dash_duo.wait_for_contains_text("#data-upload", "up to 50 MB", timeout=5)
    assert "How to read this" in dash_duo.find_element("#_pages_content").text
    assert dash_duo.get_logs() == []


def test_file_over_the_upload_limit_gets_a_visible_message(start_app, tmp_path, rossmann_stores):
    dash_duo = start_app(tmp_path / "data", upload_limit_bytes=1000)
    dash_duo.wait_for_element("#data-upload", timeout=10)
    upload(dash_duo, rossmann_stores)
    dash_duo.wait_for_contains_text("#data-upload-too-big", "over the upload limit", timeout=10)
    assert dash_duo.find_element("#data-report").text == ""
    assert dash_duo.get_logs() == []
