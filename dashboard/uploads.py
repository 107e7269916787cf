"""Uploads in the dashboard: size checked on the server, kept under a token bound to the session.

`decode` turns a dcc.Upload data URL into bytes, refusing it (with the page's message) when it is
over the limit before a byte is decoded, or when it unpacks (gzip, XLSX, Parquet) to more than a
few times the limit (`forecast.services.uploads.unpack_limit`). `owner` is a random id kept in the signed session
cookie; tokens saved for one session do not resolve in another. Background callbacks run in a
child process without a request, so there the owner is read back from the request's cookie.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from pathlib import Path
from typing import Any

import flask

from dashboard.context import DashboardContext
from forecast.services.uploads import (
    UNNAMED_FILE,
    NoRoom,
    Upload,
    UploadStore,
    shown_filename,
    unpacked_refusal,
)

OWNER_KEY = "upload_owner"


class UploadRefused(ValueError):
    """The upload cannot be used; the message is shown on the page as it is."""


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def over_limit_message(filename: str, size: int, limit: int, where: str) -> str:
    return (
        f"{filename} is {_mb(size)}, over the upload limit of {_mb(limit)}; it was not read. "
        f"Split the file, or {where}."
    )


def decode(contents: Any, filename: str | None, limit: int, where: str) -> bytes:
    """The bytes of a data URL, refused before decoding when over `limit` (and after, exactly)."""
    name = shown_filename(filename, UNNAMED_FILE)
    if not isinstance(contents, str) or "," not in contents:
        raise UploadRefused(f"{name} did not arrive as a file upload; drop the file again.")
    payload = contents.split(",", 1)[1]
    estimate = len(payload) * 3 // 4
    if estimate > limit + 2:  # base64 padding: the estimate can be two bytes high
        raise UploadRefused(over_limit_message(name, estimate, limit, where))
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise UploadRefused(
            f"{name} did not arrive intact (bad encoding); drop it again."
        ) from None
    if len(raw) > limit:
        raise UploadRefused(over_limit_message(name, len(raw), limit, where))
    refusal = unpacked_refusal(raw, name, limit, where)
    if refusal is not None:  # a compressed file (gzip, XLSX, Parquet) that unpacks too far
        raise UploadRefused(refusal)
    return raw


def folder(cache: Path) -> Path:
    """Where uploads wait in the cache folder `cache`."""
    return cache / "uploads"


def store(ctx: DashboardContext) -> UploadStore:
    return UploadStore(folder(ctx.cache_dir()))


def owner(ctx: DashboardContext) -> str:
    """This browser session's upload owner (made on first use in a request)."""
    if flask.has_request_context():
        value = flask.session.get(OWNER_KEY)
        if not isinstance(value, str) or not value:
            value = secrets.token_urlsafe(24)
            flask.session[OWNER_KEY] = value
        return value
    return _owner_from_cookie(ctx)


def _owner_from_cookie(ctx: DashboardContext) -> str:
    """In a background callback (no request): the owner in the session cookie of the request
    that started it, verified with the installation's key as the app signs it."""
    from dash import callback_context
    from flask.sessions import SecureCookieSessionInterface

    from dashboard.auth import SESSION_COOKIE
    from dashboard.secret import load_secret_key

    cookie = (callback_context.cookies or {}).get(SESSION_COOKIE)
    signer = flask.Flask(__name__)
    store = ctx.fresh_store()
    try:
        signer.secret_key = load_secret_key(store)
    finally:
        store.close()
    serializer = SecureCookieSessionInterface().get_signing_serializer(signer)
    if not cookie or serializer is None:
        return ""
    try:
        data = serializer.loads(
            cookie, max_age=int(signer.permanent_session_lifetime.total_seconds())
        )
    except Exception:  # a bad or expired signature: no owner, nothing resolves
        return ""
    value = data.get(OWNER_KEY) if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def save(ctx: DashboardContext, content: bytes, filename: str) -> str:
    """Keep an upload for this session; `UploadRefused` when the server has no room for it."""
    try:
        return store(ctx).save(owner(ctx), content, filename)
    except NoRoom as exc:
        raise UploadRefused(f"{exc}.") from exc


def resolve(ctx: DashboardContext, ref: Any) -> Upload:
    """The upload that `ref` ({"token": ...} from a page store) names for this session."""
    token = ref.get("token") if isinstance(ref, dict) else None
    return store(ctx).resolve(owner(ctx), token)


def discard(ctx: DashboardContext, ref: Any, why: str | None = None) -> None:
    """Delete this session's upload `ref`; with `why`, a later `resolve` of it says why."""
    token = ref.get("token") if isinstance(ref, dict) else None
    store(ctx).discard(owner(ctx), token, why)
