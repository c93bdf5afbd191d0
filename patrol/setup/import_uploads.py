"""Sheets waiting between their preview and their import: kept in the instance folder, for their uploader only."""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from patrol.models import Site, User
from patrol.private_files import make_private_dir, write_private_bytes

UPLOAD_NAME = re.compile(r"[A-Za-z0-9_-]{20,64}")
UPLOAD_HOURS = 24


def keep_upload(folder: Path, actor: User, site: Site, data: bytes, filename: str) -> str:
    """Store an upload until it is confirmed; the id alone is useless to anyone but its uploader."""
    make_private_dir(folder)
    for old in folder.glob("*.json"):  # forget abandoned uploads
        if old.stat().st_mtime < time.time() - UPLOAD_HOURS * 3600:
            old.unlink(missing_ok=True)
            old.with_suffix(".upload").unlink(missing_ok=True)
    upload_id = secrets.token_urlsafe(24)
    write_private_bytes(folder / f"{upload_id}.upload", data)
    details = {"user_id": actor.id, "site_id": site.id, "filename": filename[:200]}
    write_private_bytes(folder / f"{upload_id}.json", json.dumps(details).encode())
    return upload_id


def kept_upload(folder: Path, upload_id: str, actor: User) -> tuple[dict, bytes] | None:
    """The upload's details and bytes, if this id names one of this user's recent uploads."""
    if not UPLOAD_NAME.fullmatch(upload_id or ""):
        return None
    meta_path, data_path = folder / f"{upload_id}.json", folder / f"{upload_id}.upload"
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("user_id") != actor.id or meta_path.stat().st_mtime < time.time() - UPLOAD_HOURS * 3600:
            return None
        return meta, data_path.read_bytes()
    except (OSError, ValueError):
        return None


def forget_upload(folder: Path, upload_id: str) -> None:
    if UPLOAD_NAME.fullmatch(upload_id or ""):
        (folder / f"{upload_id}.json").unlink(missing_ok=True)
        (folder / f"{upload_id}.upload").unlink(missing_ok=True)
