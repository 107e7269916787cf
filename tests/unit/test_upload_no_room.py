"""An upload the server has no room to keep (its disk full, a file size limit): refused with the
words the page shows, and nothing left behind (no bytes without their record, no half file)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from forecast.services.uploads import NoRoom, UploadStore

ROOT = Path(__file__).resolve().parents[2]


def test_an_upload_over_the_servers_file_size_limit_is_refused_and_leaves_no_file(tmp_path):
    """A real limit: the process may write files of 4 KiB at most (RLIMIT_FSIZE), and the
    upload is 64 KiB."""
    folder = tmp_path / "uploads"
    script = textwrap.dedent(
        f"""
        import resource, sys
        from pathlib import Path
        from forecast.services.uploads import NoRoom, UploadStore

        uploads = UploadStore(Path({str(folder)!r}))
        uploads.folder.mkdir()
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        try:
            uploads.save("a session", b"x" * 65536, "sales.csv")
        except NoRoom as exc:
            print(exc)
            sys.exit(0)
        sys.exit("kept, or refused otherwise")
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sales.csv was not kept: the server's disk is full" in result.stdout
    assert "Nothing was saved" in result.stdout
    assert list(folder.iterdir()) == []


def test_a_full_disk_while_an_uploads_record_is_written_removes_its_bytes_too(
    tmp_path, monkeypatch
):
    """ENOSPC after the bytes were written (no test machine can fill its disk safely: the write
    of the record is made to fail as a full disk fails it)."""
    uploads = UploadStore(tmp_path)
    write_text = Path.write_text

    def full(path: Path, *args: object, **kwargs: object) -> int:
        if path.suffix == ".json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return write_text(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(NoRoom, match="sales.csv was not kept: the server's disk is full"):
        uploads.save("a session", b"store,date,sales\n", "sales.csv")
    assert list(tmp_path.iterdir()) == []


def test_the_data_page_shows_the_refusal_where_it_shows_a_file_refused(tmp_path, monkeypatch):
    from dashboard.context import DashboardContext
    from dashboard.data_parts.upload import stash_upload

    def full(*_args: object, **_kwargs: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", full)
    monkeypatch.setattr("dashboard.uploads.owner", lambda _ctx: "a session")
    ctx = DashboardContext(data_dir=str(tmp_path))
    kept, shown = stash_upload(
        ctx, {"filename": "sales.csv", "contents": "data:text/csv;base64,eA=="}
    )
    assert kept is None
    assert shown.id == "data-upload-too-big"
    assert "sales.csv was not kept: the server's disk is full" in str(shown.children)
