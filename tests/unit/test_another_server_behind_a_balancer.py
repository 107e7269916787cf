"""An upload or a plan job of one server asked for on another (behind a balancer without sticky
sessions): said as such, not as an upload used up or a day old, nor a job out of memory."""

from __future__ import annotations

import pytest

from forecast.services.errors import NotFound
from forecast.services.uploads import UploadStore


def test_an_upload_of_another_servers_folder_is_said_to_be_on_another_server(tmp_path):
    one, two = UploadStore(tmp_path / "one"), UploadStore(tmp_path / "two")
    token = one.save("a session", b"store,date,sales\n", "sales.csv")
    assert one.resolve("a session", token).filename == "sales.csv"
    with pytest.raises(NotFound) as refused:
        two.resolve("a session", token)
    assert "the uploaded file is not on this server" in str(refused.value)
    assert "sticky sessions" in str(refused.value)


def test_an_upload_used_up_here_is_said_to_be_gone_not_elsewhere(tmp_path):
    uploads = UploadStore(tmp_path)
    token = uploads.save("a session", b"store,date,sales\n", "sales.csv")
    uploads.discard("a session", token)
    with pytest.raises(NotFound, match="no longer on the server"):
        uploads.resolve("a session", token)


def test_every_server_keeps_one_id_for_its_folder(tmp_path):
    uploads = UploadStore(tmp_path)
    first = uploads.place_id()
    assert UploadStore(tmp_path).place_id() == first
    tokens = {uploads.save("a session", b"x", "a.csv") for _ in range(3)}
    assert all(t.startswith(first) and len(t) == 32 for t in tokens)
    assert UploadStore(tmp_path / "elsewhere").place_id() != first


def test_the_data_page_says_a_plan_made_on_another_server_cannot_be_followed_here():
    """Not "the plan was not created": the other server may well be making it."""
    from dashboard import jobs
    from dashboard.data_parts.create import job_failed

    failed = Exception(
        "An error occurred inside a background callback: " + jobs.JOB_FAILED + jobs.NOT_HERE
    )
    alert, _ = job_failed(failed)
    text = str(alert.children)
    assert "progress cannot be followed here: this server has no such job" in text
    assert "sticky sessions" in text and "not created" not in text and "memory" not in text


def test_an_upload_used_up_here_is_said_used_after_the_machine_was_renamed(tmp_path, monkeypatch):
    """A server restarted under another host name (a new container on the same volume) still
    says why an upload it discarded is gone: its record is in this folder, so it was here."""
    import socket

    from forecast.services.uploads import GONE_USED

    uploads = UploadStore(tmp_path)
    token = uploads.save("a session", b"store,date,sales\n", "sales.csv")
    uploads.discard("a session", token, why=GONE_USED)
    monkeypatch.setattr(socket, "gethostname", lambda: "a-new-container")
    with pytest.raises(NotFound) as refused:
        UploadStore(tmp_path).resolve("a session", token)
    assert str(refused.value) == f"sales.csv is no longer on the server: {GONE_USED}"
    assert "sticky sessions" not in str(refused.value)
