"""Uploaded files kept on the server between requests, referred to by an opaque token.

The browser only ever holds the token; the file's place on disk never leaves the server. A token
is bound to its owner (the dashboard passes a random id kept in the signed session cookie): a
token of another owner, or one that was never handed out, is refused with the same message.
Uploads are deleted when used, and any older than `MAX_AGE_SECONDS` on the next save.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import hmac
import json
import logging
import re
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from forecast import bounds
from forecast.engine.ingest.bounds import FileTooBig as FileTooBig  # the CLI's way to them
from forecast.engine.ingest.bounds import read_bounded as read_bounded
from forecast.services.errors import NotFound, Unavailable

MAX_AGE_SECONDS = 24 * 3600


_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
STICKY_SESSIONS = (
    "behind a load balancer that does not keep each browser on one server; whoever runs the "
    "servers turns on sticky sessions, see the README, Running it for a team"
)
"""Why a request met a server other than the one holding its upload or job, and the way out."""
NOT_ON_THIS_SERVER = (
    "the uploaded file is not on this server: it was dropped on another server of the planner "
    f"({STICKY_SESSIONS}); drop the file again"
)


@dataclass(frozen=True)
class Upload:
    content: bytes
    filename: str


UNNAMED_FILE = bounds.UNNAMED_FILE


def shown_filename(name: object, default: str = UNNAMED_FILE) -> str:
    """The name a browser gave an upload, as the pages may say it back: its base name, without
    control characters, bounded in length (``forecast.bounds.base_filename``)."""
    return bounds.base_filename(name, default)


def _owner_digest(owner: str) -> str:
    return hashlib.sha256(owner.encode("utf-8")).hexdigest()


NO_ROOM = frozenset({errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)})
"""A write refused for want of room: the disk or the user's quota full, a file size limit."""

_log = logging.getLogger(__name__)


class NoRoom(Unavailable):
    """An upload the server had no room to keep (its partial file is gone)."""


GONE_USED = "a plan was made from it (uploads are deleted once used); drop the file again"
"""Why an upload discarded once its plan was made no longer resolves."""
GONE_REPLACED = (
    "another file replaced it on the page (a new upload, or the sample); press Create plan "
    "again to use the file the page holds now"
)
"""Why an upload the page replaced no longer resolves (a job that read it late says so)."""
GONE_REFUSED = (
    "the file (or the sample) given in its place was refused, so the page holds none now; "
    "drop the file again or press Use the sample"
)
"""Why an upload no longer resolves that the page let go for a file refused in its place
(nothing replaced it)."""
GONE_USED_SAMPLE = (
    "a plan was made from it (uploads are deleted once used); press Use the sample again"
)
"""`GONE_USED` of the bundled sample, which is not dropped but pressed for."""


class UploadStore:
    """Files in one folder: `<token>` (the bytes), `<token>.json` (owner digest, name, time)
    and, once discarded, `<token>.gone` (owner digest, name, why), kept as long as an upload."""

    def __init__(self, folder: Path, *, max_age_seconds: float = MAX_AGE_SECONDS):
        self.folder = Path(folder)
        self.max_age_seconds = max_age_seconds

    def save(self, owner: str, content: bytes, filename: str) -> str:
        """Keep `content` for `owner`; the returned token is all the browser gets."""
        if not owner:
            raise ValueError("an upload needs an owner")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sweep()
        # 32 characters of [A-Za-z0-9_-]: this folder's id, then 18 random bytes
        token = self.place_id() + secrets.token_urlsafe(18)
        meta = {
            "owner": _owner_digest(owner),
            "filename": bounds.base_filename(filename),
            "saved_at": time.time(),
        }
        try:
            (self.folder / token).write_bytes(content)
            (self.folder / f"{token}.json").write_text(json.dumps(meta))
        except OSError as exc:
            self._delete(token)  # no file without its record, nor half a file
            if exc.errno not in NO_ROOM:
                raise
            _log.warning(
                "an upload of %s bytes was not kept in %s: %s",
                len(content),
                self.folder,
                exc.strerror or exc,
            )
            raise NoRoom(
                f"{meta['filename']} was not kept: the server's disk is full (or a file of this "
                "size is over its limit). Nothing was saved; try again later, and tell whoever "
                "runs the server"
            ) from exc
        return token

    def resolve(self, owner: str, token: object) -> Upload:
        """The upload behind `token` if `owner` saved it (and it is not used up or expired)."""
        meta = self._meta(token)
        if meta is None or not self._owned(owner, meta):
            # a record of its discarding here says it was here, whatever this machine's name
            # is now (a new container on the same folder)
            gone = self._gone(owner, token) if meta is None else None
            if gone is not None:
                raise NotFound(gone)
            if (
                meta is None
                and isinstance(token, str)
                and _TOKEN.match(token)
                and not token.startswith(self.place_id())
            ):
                raise NotFound(NOT_ON_THIS_SERVER)
            raise NotFound(
                "the uploaded file is no longer on the server (uploads are kept for a day and "
                "deleted once used); drop the file again"
            )
        return Upload((self.folder / str(token)).read_bytes(), str(meta["filename"]))

    def place_id(self) -> str:
        """This server's id for this folder (its machine's name and the folder's path, hashed):
        every token saved here starts with it, so a token of another server behind the same
        balancer is told apart from one used up or expired."""
        place = f"{socket.gethostname()}\0{self.folder.resolve()}".encode()
        return base64.urlsafe_b64encode(hashlib.sha256(place).digest()[:6]).decode("ascii")

    def discard(self, owner: str, token: object, why: str | None = None) -> None:
        """Delete the upload (only its owner can). With `why` (`GONE_USED`, `GONE_REPLACED`, ...),
        a later `resolve` of the token by its owner says why it is gone."""
        meta = self._meta(token)  # its small record: whose it is, not the file's bytes
        if meta is None or not self._owned(owner, meta):
            return
        self._delete(str(token))
        if why is None:
            return
        record = {"owner": meta["owner"], "filename": str(meta["filename"]), "why": why}
        # no room for the record: the plain "no longer on the server" is said
        with contextlib.suppress(OSError):
            (self.folder / f"{token}.gone").write_text(json.dumps(record))

    def _gone(self, owner: str, token: object) -> str | None:
        """Why the owner's discarded upload `token` is gone, in the page's words; None when
        nothing says (never handed out, another owner's, expired)."""
        if not isinstance(token, str) or not _TOKEN.match(token) or not owner:
            return None
        path = self.folder / f"{token}.gone"
        try:
            record = json.loads(path.read_text())
            if time.time() - path.stat().st_mtime > self.max_age_seconds:
                return None
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or not hmac.compare_digest(
            str(record.get("owner", "")), _owner_digest(owner)
        ):
            return None
        return f"{record.get('filename')} is no longer on the server: {record.get('why')}"

    def sweep(self, now: float | None = None) -> int:
        """Delete uploads older than the maximum age; returns how many went."""
        now = time.time() if now is None else now
        gone = 0
        for meta_path in self.folder.glob("*.json"):
            token = meta_path.stem
            meta = self._meta(token)
            saved_at = float(meta.get("saved_at", 0)) if meta else 0.0
            if now - saved_at > self.max_age_seconds:
                self._delete(token)
                gone += 1
        for record in self.folder.glob("*.gone"):
            try:
                if now - record.stat().st_mtime > self.max_age_seconds:
                    record.unlink(missing_ok=True)
            except OSError:
                continue
        return gone

    @staticmethod
    def _owned(owner: str, meta: dict) -> bool:
        """Whether `owner` saved the upload of the record `meta` (``_meta``)."""
        return bool(owner) and hmac.compare_digest(str(meta.get("owner", "")), _owner_digest(owner))

    def _meta(self, token: object) -> dict | None:
        if not isinstance(token, str) or not _TOKEN.match(token):
            return None  # never a path: only our own token shape reaches the file system
        try:
            meta = json.loads((self.folder / f"{token}.json").read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or not (self.folder / token).is_file():
            return None
        if time.time() - float(meta.get("saved_at", 0)) > self.max_age_seconds:
            return None
        return meta

    def _delete(self, token: str) -> None:
        for path in (self.folder / token, self.folder / f"{token}.json"):
            path.unlink(missing_ok=True)


UNPACK_FACTORS = {"gzip": 4, "xlsx": 12, "parquet": 12, "bundle": 4}
"""What a file uploaded to the dashboard may unpack to, in times the server's upload limit (and
never more than the reader's own bound, which the command line keeps): a gzipped CSV the text of
a few uploads; a workbook's or a Parquet file's own packing is a tenfold one for ordinary sales
data (a 200,000-row sheet: 3.4 MB of XLSX, 30 MB of sheet XML). A plan bundle's Parquet parts
keep the bound they had (4 times)."""


def packed_kind(content: bytes) -> str | None:
    """The packing of a file by its first bytes (gzip, xlsx, parquet); None when not packed."""
    kinds = {b"\x1f\x8b": "gzip", b"PK\x03\x04": "xlsx", b"PAR1": "parquet"}
    return next((kind for magic, kind in kinds.items() if content.startswith(magic)), None)


def unpack_limit(upload_limit: int, kind: str) -> int:
    """The bound on what a file of `kind` that arrived over HTTP may unpack to."""
    from forecast.engine.ingest.bounds import MAX_UNPACKED_BYTES, MAX_XLSX_UNPACKED_BYTES

    bound = MAX_XLSX_UNPACKED_BYTES if kind == "xlsx" else MAX_UNPACKED_BYTES
    return min(bound, UNPACK_FACTORS[kind] * int(upload_limit))


_KIND_NAMES = {"gzip": "a gzip file", "xlsx": "an XLSX workbook", "parquet": "a Parquet file"}
_REPACK = {
    "gzip": "upload it uncompressed (a CSV up to the upload limit) or split it",
    "xlsx": "save the sheet as CSV and upload that (up to the upload limit), or split the workbook",
    "parquet": "split it",
}


def unpacked_refusal(content: bytes, filename: str, upload_limit: int, where: str) -> str | None:
    """Why an uploaded file is refused for what it unpacks to (None: it is within the bound).

    Checked before any reader sees the file: a gzip file is inflated in small steps and only
    counted, so a bomb costs neither memory nor more time than the bound takes to inflate."""
    from forecast.engine.ingest import IngestError, check_unpacked

    kind = packed_kind(content)
    if kind is None:
        return None
    limit = unpack_limit(upload_limit, kind)
    fix = (
        f"{_KIND_NAMES[kind]} uploaded here may unpack to {limit / 1024 / 1024:,.0f} MB: "
        f"{_REPACK[kind]}, or {where}"
    )
    try:
        check_unpacked(content, filename, limit, fix)
    except IngestError as exc:
        problem = exc.problems[0]
        return f"{filename}: {problem.message}. To load it, {problem.fix}."
    return None
