"""Times as people read them: a stored UTC time in the site's zone, and a duration in words."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _


def zone_of(site=None) -> ZoneInfo:
    if site is not None:
        return site.zone
    return ZoneInfo(current_app.config["PATROL_TIMEZONE"])


def localtime(value: datetime | None, site=None, fmt: str = "short") -> str:
    """A stored UTC time shown in the site's time zone (the app's default zone without a site)."""
    if value is None:
        return ""
    local = value.astimezone(zone_of(site))
    if fmt == "time":
        return local.strftime("%H:%M")
    if fmt == "date":
        return format_datetime(local.replace(tzinfo=None), "yyyy-MM-dd")
    return local.strftime("%Y-%m-%d %H:%M")


def duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return _("%(h)d h %(m)d min", h=hours, m=minutes)
    if minutes:
        return _("%(m)d min %(s)d s", m=minutes, s=secs)
    return _("%(s)d s", s=secs)
