"""What the service worker keeps on the phone: the app shell, its version, and a person's prepared pages.

The prepared pages are the person's rounds for the next hours (patrol.rounds.due.checkpoints_ahead);
someone with no round ahead (no schedule names them or their role) keeps the first checkpoints their
home page lists, so a patrol outside any schedule still works without signal.

The shell is every static file (our CSS and JavaScript, htmx, the icons; patrol.views.static_files),
the manifest and the offline page: what a page needs to show without the network. Its version is a hash
of all their bytes and of the worker's own source, so any change to any of them is a new worker whose
caches replace the old ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from flask import current_app, url_for
from sqlalchemy import select

from patrol.access import can
from patrol.extensions import db
from patrol.models import ChecklistAssignment, ChecklistVersion, Location, User
from patrol.rounds.due import checkpoints_ahead
from patrol.setup.checklists import _applies_to as applies_to  # the same rule the scan page applies
from patrol.setup.locations import locations_on
from patrol.tasks.rules import visible_site_ids
from patrol.views.static_files import static_folder

# Which templates' source is part of the version: the worker itself and the page it falls back to.
VERSIONED_TEMPLATES = ("pwa/sw.js", "pwa/offline.html")
# The scan pages a phone keeps (a checkpoint's page and its checklists' choice pages count alike), about
# 6 KB each on the wire. A person's rounds ahead: enough for a floor round of a 30-storey tower.
# Without rounds: the checkpoints the home page lists first, few enough to fetch quickly after sign-in
# on a phone's data plan. The home page and the report form come on top of either.
ROUNDS_PREPARE_LIMIT = 36
PREPARE_LIMIT = 12


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
    """(version, the URLs to precache) for this build; needs a request context for the URLs.

    Every static file is precached (keep static/ to what pages use): the pipeline already knows each
    one's SHA-256, so the version costs no reading of files but the two templates'."""
    assets = static_folder().assets()
    urls = [url_for("static", filename=name) for name in assets]
    urls += [url_for("pwa.manifest"), url_for("pwa.offline")]
    parts = [*(asset.sha256 for asset in assets.values()), _files_digest(_signature(_template_paths())), *urls]
    parts.append(str(current_app.config.get("PATROL_SW_VERSION_SALT", "")))  # lets a test or a deploy force one
    return shell_version(parts), urls


@dataclass(frozen=True)
class PreparedCheckpoint:
    id: int  # a saved report form opened for it (/report?location=<id>) names it from this list
    url: str
    name: str
    site: str
    code: str


def checkpoints_to_prepare(user: User, now: datetime) -> tuple[list[tuple[Location, set[int]]], int]:
    """The locations whose scan pages this person's phone keeps, each with the checklists due there
    (empty: none in particular), and how many pages may be kept.

    People who supervise see task lists on their home page, not checkpoints: they keep none.
    """
    if can(user, "tasks.supervise"):
        return [], 0
    ahead = checkpoints_ahead(user, now)
    if ahead:
        return ahead, ROUNDS_PREPARE_LIMIT
    return [(loc, set()) for loc in locations_on(visible_site_ids(user), limit=PREPARE_LIMIT)], PREPARE_LIMIT


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


def prepare_plan(user: User, now: datetime) -> dict:
    """/prepare.json: the pages to keep (home first), and the checkpoints the offline page lists.

    A checkpoint with several checklists opens on a choice between them: the choice page is kept, with
    the page of each checklist due there (of each one, when none is due in particular). The report form
    is kept once, for a person who may report: the worker opens it for any of its links
    (/report?location=<id>), and the page picks the place named from these checkpoints.
    """
    wanted, limit = checkpoints_to_prepare(user, now)
    checklists = checklists_at([loc for loc, _due in wanted]) if wanted else {}
    pages, checkpoints = [], []
    for loc, due in wanted:
        url = url_for("scan.scan", token=loc.qr_token)
        choices = checklists.get(loc.id, [])
        these = [url]
        if len(choices) > 1:
            kept = [checklist_id for checklist_id in choices if checklist_id in due] or choices
            these += [url_for("scan.scan", token=loc.qr_token, checklist=checklist_id) for checklist_id in kept]
        if len(pages) + len(these) > limit:
            break  # a checkpoint is kept whole or not at all: its choice page needs its checklists
        pages += these
        checkpoints.append(PreparedCheckpoint(loc.id, url, loc.name, loc.site.name, loc.short_code))
    forms = [url_for("reports.report_form")] if can(user, "inspect") else []
    return {"urls": [url_for("home.index"), *forms, *pages], "checkpoints": [asdict(c) for c in checkpoints]}


# Asked by a browser set to save data (Chrome's Lite mode, Android's Data Saver): nothing is fetched ahead.
NOTHING_TO_PREPARE = {"urls": [], "checkpoints": []}
