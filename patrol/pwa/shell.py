"""What the service worker keeps on the phone: the app shell, its version, and a person's prepared pages.

The shell is every file a page needs to show without the network (our CSS and JavaScript, htmx, the
icons, the manifest and the offline page). Its version is a hash of all their bytes and of the worker's
own source, so any change to any of them is a new worker whose caches replace the old ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app, url_for
from sqlalchemy import select

from patrol.access import can
from patrol.extensions import db
from patrol.models import ChecklistAssignment, ChecklistVersion, Location, User
from patrol.pwa import icons
from patrol.setup.checklists import _applies_to as applies_to  # the same rule the scan page applies
from patrol.setup.locations import locations_on
from patrol.tasks.rules import visible_site_ids
from patrol.views.static_bundles import BUNDLES
from patrol.views.static_files import HTMX_FILE

# The folders under static/ whose files every page may load; the print sheets' CSS is small enough to add.
SHELL_FOLDERS = ("css", "js", "icons")
SHELL_SUFFIXES = (".css", ".js", ".svg")
# Which templates' source is part of the version: the worker itself and the page it falls back to.
VERSIONED_TEMPLATES = ("pwa/sw.js", "pwa/offline.html")
# The scan pages a phone keeps for offline rounds (a checkpoint's page and its checklists' choice pages
# count alike): the checkpoints the home page lists first, few enough to fetch quickly after sign-in on
# a phone's data plan (about 6 KB each). The home page and the report form come on top.
PREPARE_LIMIT = 12


def shell_files(static_root: Path) -> list[Path]:
    """The files under static/ that belong to the shell, in a stable order."""
    found = []
    for folder in SHELL_FOLDERS:
        found += [p for p in (static_root / folder).glob("*") if p.is_file() and p.suffix in SHELL_SUFFIXES]
    return sorted(found)


def _signature(paths: Iterable[Path]) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)


@lru_cache(maxsize=16)
def _files_digest(signature: tuple) -> str:
    digest = hashlib.sha256()
    for name, _mtime, _size in signature:
        digest.update(name.encode() + b"\0" + hashlib.sha256(Path(name).read_bytes()).digest())
    return digest.hexdigest()


def shell_version(parts: Iterable[bytes | str]) -> str:
    """A short hash of everything the shell is made of: a changed byte anywhere is a new version."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()[:16]


def _template_paths() -> list[Path]:
    root = Path(current_app.template_folder)
    return [root / name for name in VERSIONED_TEMPLATES]


def current_shell() -> tuple[str, list[str]]:
    """(version, the URLs to precache) for this build; needs a request context for the URLs."""

    static_root = Path(current_app.static_folder)
    files = shell_files(static_root)
    urls = [url_for("static", filename=p.relative_to(static_root).as_posix()) for p in files]
    urls += [url_for("static", filename=name) for name in BUNDLES]  # made of files already in the digest
    urls += [url_for("assets.htmx_js"), url_for("pwa.manifest"), url_for("pwa.offline"), url_for("pwa.favicon")]
    urls += [icon_url(name) for name in icons.ICONS]
    on_disk = [*files, HTMX_FILE, *_template_paths()]
    parts = [_files_digest(_signature(on_disk)), *urls, *(icons.icon_png(name) for name in icons.ICONS)]
    parts.append(str(current_app.config.get("PATROL_SW_VERSION_SALT", "")))  # lets a test or a deploy force one
    return shell_version(parts), urls


def icon_url(name: str) -> str:
    """An icon's URL, named by a hash of its drawing: cached for a year, refetched when the drawing changes."""
    return url_for("pwa.icon", name=name, v=icons.icon_version(name))


@dataclass(frozen=True)
class PreparedCheckpoint:
    id: int  # a saved report form opened for it (/report?location=<id>) names it from this list
    url: str
    name: str
    site: str
    code: str


def checkpoints_to_prepare(user: User) -> list[Location]:
    """The locations whose scan pages this person's phone keeps for offline use.

    Until rounds exist: the first of the checkpoints their home page lists, in the same order
    (people who supervise see task lists there, not checkpoints).
    """
    if can(user, "tasks.view_all"):
        return []
    return locations_on(visible_site_ids(user), limit=PREPARE_LIMIT)


def checklists_at(locations: list[Location]) -> dict[int, list[int]]:
    """The published checklists that apply at each location, for all of them in one query."""
    published = select(ChecklistVersion.checklist_id).where(ChecklistVersion.published_at.is_not(None))
    query = (
        select(Location.id, ChecklistAssignment.checklist_id)
        .join(ChecklistAssignment, applies_to(Location))
        .where(Location.id.in_([loc.id for loc in locations]), ChecklistAssignment.checklist_id.in_(published))
        .distinct()
        .order_by(Location.id, ChecklistAssignment.checklist_id)
    )
    found: dict[int, list[int]] = {}
    for location_id, checklist_id in db.session.execute(query):
        found.setdefault(location_id, []).append(checklist_id)
    return found


def prepare_plan(user: User) -> dict:
    """/prepare.json: the pages to keep (home first), and the checkpoints the offline page lists.

    A checkpoint with several checklists opens on a choice between them: each choice's page is kept too.
    The report form is kept once, for a person who may report: the worker opens it for any of its links
    (/report?location=<id>), and the page picks the place named from these checkpoints.
    """
    locations = checkpoints_to_prepare(user)
    checklists = checklists_at(locations) if locations else {}
    pages, checkpoints = [], []
    for loc in locations:
        url = url_for("scan.scan", token=loc.qr_token)
        choices = checklists.get(loc.id, [])
        these = [url]
        if len(choices) > 1:
            these += [url_for("scan.scan", token=loc.qr_token, checklist=checklist_id) for checklist_id in choices]
        if len(pages) + len(these) > PREPARE_LIMIT:
            break  # a checkpoint is kept whole or not at all: its choice page needs its checklists
        pages += these
        checkpoints.append(PreparedCheckpoint(loc.id, url, loc.name, loc.site.name, loc.short_code))
    forms = [url_for("reports.report_form")] if can(user, "inspect") else []
    return {"urls": [url_for("home.index"), *forms, *pages], "checkpoints": [asdict(c) for c in checkpoints]}


# Asked by a browser set to save data (Chrome's Lite mode, Android's Data Saver): nothing is fetched ahead.
NOTHING_TO_PREPARE = {"urls": [], "checkpoints": []}
