"""Export jobs: asked for by a person, claimed and built by the worker, found again only by that person.

An export is queued by the request (one row; the page's client id makes a double tap or a retry the
same export) and built by the worker (patrol.alerts.worker runs `build_waiting` each pass). A worker
claims one by setting claimed_at in the same UPDATE that checks it is still waiting, so two workers
never build the same export; building renews the claim while it writes. A running export whose
claim is older than LEASE belonged to a worker that was killed: the next pass takes it again, at
most MAX_ATTEMPTS times, then it is failed with a plain message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from time import monotonic

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, or_, select, update

from patrol.alerts.wakeup import wake_workers
from patrol.database import insert_ignoring_duplicates, read_only_work, utcnow
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Export, User
from patrol.paging import Keyset, Page, keyset_page

LEASE = timedelta(minutes=10)
KEEP = timedelta(days=7)  # a file is removed this long after it was made (the export says so)
MAX_ATTEMPTS = 3
PASS_SECONDS = 20.0  # a pass builds exports one after another until this is spent; the rest wait a moment
NEWEST_FIRST = Keyset((Export.id,), descending=True)


def export_dir() -> Path:
    return Path(current_app.config["PATROL_EXPORT_DIR"])


def request_export(user: User, kind: str, fmt: str, params: dict, locale: str, client_id: str) -> Export:
    """Queue an export (a repeat of the same client id is the export already queued) and wake the workers."""
    inserted = insert_ignoring_duplicates(
        Export,
        {
            "user_id": user.id,
            "client_id": client_id,
            "kind": kind,
            "format": fmt,
            "params": params,
            "locale": locale,
            "status": "queued",
            "attempts": 0,
            "file_name": "",
            "stored_name": "",
            "error": "",
            "created_at": utcnow(),
        },
        unique=["user_id", "client_id"],
    )
    if inserted:
        wake_workers()
    return db.session.scalar(select(Export).where(Export.user_id == user.id, Export.client_id == client_id))


def export_of(user: User, export_id: int) -> Export | None:
    """The person's own export with this id; anyone else's is None, as one that does not exist."""
    return db.session.scalar(select(Export).where(Export.id == export_id, Export.user_id == user.id))


def my_exports(user: User, *, number: int, size: int, after: str | None, before: str | None) -> Page[Export]:
    query = select(Export).where(Export.user_id == user.id)
    return keyset_page(query, NEWEST_FIRST, number=number, size=size, after=after, before=before)


def _claimable(now: datetime):
    return or_(Export.status == "queued", and_(Export.status == "running", Export.claimed_at < now - LEASE))


def claim_next(now: datetime) -> Export | None:
    """Claim the oldest waiting export (or one whose worker's lease ran out) and commit the claim."""
    while True:
        export_id = db.session.scalar(select(Export.id).where(_claimable(now)).order_by(Export.id).limit(1))
        if export_id is None:
            db.session.commit()  # SQLite: even a read holds the write lock (BEGIN IMMEDIATE) until it ends
            return None
        claimed = db.session.execute(
            update(Export)
            .where(Export.id == export_id, _claimable(now))
            .values(status="running", claimed_at=now, attempts=Export.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed:  # else another worker claimed it a moment ago: look again
            return db.session.get(Export, export_id, populate_existing=True)


def build_waiting(now: datetime, build, stopping=lambda: False) -> tuple[int, bool]:
    """Build waiting exports with `build(export, now)` until none is left, the pass's time is spent or
    the worker stops; how many were taken, and whether more wait."""
    remove_old(now)
    started, taken = monotonic(), 0
    while not stopping() and monotonic() - started < PASS_SECONDS:
        export = claim_next(now)
        if export is None:
            return taken, False
        taken += 1
        if export.attempts > MAX_ATTEMPTS:
            give_up(export.id, export.claimed_at, now)
        else:
            build(export, now)
    waiting = db.session.scalar(select(Export.id).where(_claimable(now)).limit(1))
    db.session.commit()
    return taken, waiting is not None


def remove_old(now: datetime, limit: int = 200) -> int:
    """Remove the files made more than KEEP ago (a pass's share of them); their exports become expired."""
    old = db.session.execute(
        select(Export.id, Export.stored_name)
        .where(Export.status == "ready", Export.finished_at < now - KEEP)
        .order_by(Export.id)
        .limit(limit)
    ).all()
    for _id, stored in old:
        if stored:
            (export_dir() / stored).unlink(missing_ok=True)
    if old:
        db.session.execute(
            update(Export)
            .where(Export.id.in_([export_id for export_id, _stored in old]), Export.status == "ready")
            .values(status="expired", stored_name="")
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return len(old)


def settle(export_id: int, claimed_at: datetime, **values) -> bool:
    """Record how an export ended, if this worker still holds its claim; whether it did."""
    done = db.session.execute(
        update(Export)
        .where(Export.id == export_id, Export.status == "running", Export.claimed_at == claimed_at)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(done)


def give_up(export_id: int, claimed_at: datetime, now: datetime) -> None:
    """Fail an export that was taken again MAX_ATTEMPTS times (each worker died on it), in its requester's words."""
    message = _l(
        "The export was started %(times)d times and never finished: ask for a smaller one.", times=MAX_ATTEMPTS
    )
    with force_locale(db.session.get(Export, export_id).locale):
        text = str(message)
    settle(export_id, claimed_at, status="failed", error=text, finished_at=now)


class LeaseLost(Exception):
    """Another worker took the export over (this one was thought dead): this one lets it go."""


class Lease:
    """The claim a building worker renews while it writes, at most every RENEW_SECONDS."""

    RENEW_SECONDS = 30.0

    def __init__(self, export_id: int, claimed_at: datetime):
        self.export_id = export_id
        self.claimed_at = claimed_at
        self.renewed = monotonic()

    def renew(self) -> None:
        if monotonic() - self.renewed < self.RENEW_SECONDS:
            return
        now = utcnow()
        writing = read_only_work.set(False)
        try:
            with db.engine.begin() as connection:  # beside the session, whose reading is not done
                renewed = connection.execute(
                    update(Export)
                    .where(
                        Export.id == self.export_id, Export.status == "running", Export.claimed_at == self.claimed_at
                    )
                    .values(claimed_at=now)
                ).rowcount
        finally:
            read_only_work.reset(writing)
        if not renewed:
            raise LeaseLost()
        self.claimed_at, self.renewed = now, monotonic()
