"""Building one export: the requester's filter read again, its tables written row by row to a private
file, then ready (with its name and row count) or failed (with a plain message in their language).

The filter is read again as the requester may ask it now (patrol.exports.kinds: read_params): someone
who lost a site since asking does not get its rows. Rows are read a chunk at a time and written as
they come (patrol.exports.writing), so a year of them takes the memory of one chunk; the worker's
claim is renewed as it goes (jobs.Lease).
"""

from __future__ import annotations

import logging
import os
import secrets
from datetime import datetime

from flask_babel import force_locale, gettext

from patrol.access import can
from patrol.database import begin_reading, end_reading
from patrol.exports.jobs import Lease, LeaseLost, export_dir, settle
from patrol.exports.kinds import CHUNK, kinds
from patrol.exports.writing import open_writer
from patrol.extensions import db
from patrol.i18n import lazy_gettext as _l
from patrol.models import Export, User
from patrol.outcome import Refused

log = logging.getLogger(__name__)

MAX_ROWS = 1_000_000  # a sheet of Excel holds 1,048,576 rows


def build(export: Export, now: datetime) -> str:
    """Build `export` (claimed by this worker); "ready", "failed", or "lost" (another worker took it)."""
    db.session.commit()
    begin_reading()  # SQLite: the build's long read holds no write lock, so the lease can be renewed beside it
    lease = Lease(export.id, export.claimed_at)
    stored = f"{secrets.token_hex(16)}.{export.format}"
    part = export_dir() / f".{stored}.part"
    with force_locale(export.locale):
        try:
            name, rows = _write(export, part, lease, now)
        except LeaseLost:
            end_reading()
            part.unlink(missing_ok=True)
            return "lost"
        except Refused as refused:
            return _fail(export.id, lease, part, str(refused.message), now)
        except Exception:
            log.exception("export %s failed", export.id)
            message = gettext("The export could not be made. Try again; if it fails again, tell an administrator.")
            return _fail(export.id, lease, part, message, now)
    end_reading()
    os.replace(part, export_dir() / stored)
    ended = dict(status="ready", file_name=name, stored_name=stored, row_count=rows, error="", finished_at=now)
    if not settle(export.id, lease.claimed_at, **ended):
        (export_dir() / stored).unlink(missing_ok=True)
        return "lost"
    return "ready"


def _fail(export_id: int, lease: Lease, part, message: str, now: datetime) -> str:
    end_reading()
    part.unlink(missing_ok=True)
    settle(export_id, lease.claimed_at, status="failed", error=message, finished_at=now)
    return "failed"


def _write(export: Export, part, lease: Lease, now: datetime) -> tuple[str, int]:
    """Write the export's tables to `part`; its download name and the rows of its first table."""
    kind = kinds()[export.kind]
    user = db.session.get(User, export.user_id)
    if user is None or not user.active:
        raise Refused(_l("Your account is no longer active."), 403)
    if kind.permission and not can(user, kind.permission):
        raise Refused(_l("You may no longer make this export."), 403)
    params = kind.read_params(export.params, user)
    writer, out = open_writer(part, export.format)
    counts = []
    with out:
        for table in kind.tables(params, user, now, export.format):
            writer.table(table.title, table.header)
            written = 0
            for row in table.rows:
                writer.row(row)
                written += 1
                if written > MAX_ROWS:
                    raise Refused(_l("More than %(max)d rows: narrow the filter and export again.", max=MAX_ROWS))
                if written % CHUNK == 0:
                    lease.renew()
            counts.append(written)
        writer.close()
    return f"{kind.file_stem(params, user, now)}.{export.format}", counts[0] if counts else 0
