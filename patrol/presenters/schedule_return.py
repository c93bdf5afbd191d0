"""The way back to a half-filled schedule form after inviting someone to its site.

The schedule form's URL carries what was typed (its GET re-renders the form from the query), so
inviting a person loses nothing, and the person just added comes back as the one responsible.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import url_for

from patrol.models import User
from patrol.setup.schedules import RESPONSIBLE_ROLES


def schedule_return(target: str | None) -> str:
    """`target` if it is a schedule form on this site, else "" (never a way off to another host)."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith(url_for("admin_schedules.schedule_list")):
        return ""
    return target or ""


def with_responsible(back: str, person: User) -> str:
    """The way back with `person` chosen as responsible, when they may be (on that site, in a patrolling role)."""
    if not back:
        return ""
    parts = urlsplit(back)
    typed = parse_qsl(parts.query, keep_blank_values=True)
    site = dict(typed).get("site", "")
    if person.role not in RESPONSIBLE_ROLES or site not in {str(s.id) for s in person.sites}:
        return back
    kept = [(key, value) for key, value in typed if key not in {"responsible_by", "responsible_user"}]
    chosen = [*kept, ("responsible_by", "person"), ("responsible_user", str(person.id))]
    return urlunsplit(parts._replace(query=urlencode(chosen)))
