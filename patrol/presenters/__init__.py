"""How things read: schedules, audit entries, printed labels and account notices in the reader's words.

Services hand over plain data (a schedule, an audit entry's stored details); the wording — which
label a stored key or value gets, which punctuation a language uses — is decided here, and only
here. Templates reach these functions as filters (see TEMPLATE_FILTERS, registered by
patrol.views.templating).
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.dates import get_day_names
from flask import current_app
from flask_babel import force_locale, get_locale, gettext, ngettext, pgettext

from patrol.i18n import HTML_LANG, LANGUAGES
from patrol.i18n import lazy_gettext as _l
from patrol.presenters.rounds import visit_due, visit_title
from patrol.presenters.tasks import finding_title, task_title
from patrol.presenters.times import duration
from patrol.setup.audit import was_recorded
from patrol.setup.checklist_editor import STARTS
from patrol.vocabulary import AUDIT_ACTIONS, DEDUCTION_FIELDS, LOCATION_KINDS, RECURRENCES, ROLES

NOTHING = "—"


# ---------------------------------------------------------------------------------------------
# Schedules


def _hhmm(value) -> str:
    return value.strftime("%H:%M") if value is not None else ""


def listed(parts) -> str:
    """Parts joined as the reader's language lists things: "a, b" in English, "a、b" in Chinese."""
    return pgettext("list separator", ", ").join(str(part) for part in parts)


def weekday_names(days) -> str:
    """Day numbers (0 = Monday) as the reader's short day names, e.g. "Mon, Thu" or "周一、周四"."""
    names = get_day_names("abbreviated", locale=get_locale() or "en")
    return listed(names[int(day)] for day in sorted(days))


def describe_recurrence(schedule) -> str:
    """The recurrence in words: "Every 2 h from 08:00 to 20:00", "Daily at 09:00", "Weekly on Mon, Thu at 10:00"."""
    start = _hhmm(schedule.start_time)
    overnight = schedule.end_time is not None and schedule.end_time < schedule.start_time
    if schedule.recurrence == "hourly" and overnight:
        return ngettext(
            "Every hour from %(start)s to %(end)s the next morning",
            "Every %(num)d h from %(start)s to %(end)s the next morning",
            schedule.every_hours or 1,
            start=start,
            end=_hhmm(schedule.end_time),
        )
    if schedule.recurrence == "hourly":
        return ngettext(
            "Every hour from %(start)s to %(end)s",
            "Every %(num)d h from %(start)s to %(end)s",
            schedule.every_hours or 1,
            start=start,
            end=_hhmm(schedule.end_time),
        )
    if schedule.recurrence == "weekly":
        return gettext("Weekly on %(days)s at %(time)s", days=weekday_names(schedule.weekdays or []), time=start)
    return gettext("Daily at %(time)s", time=start)


def describe_locations(schedule) -> str:
    """ "All: Floor" for every location of a kind, else how many were picked."""
    if schedule.location_kind:
        return gettext("All: %(kind)s", kind=LOCATION_KINDS.get(schedule.location_kind, schedule.location_kind))
    return ngettext("%(num)d picked location", "%(num)d picked locations", len(schedule.locations))


def describe_responsible(schedule) -> str:
    """The person responsible, or "Role: Butler"."""
    if schedule.responsible_user is not None:
        return schedule.responsible_user.display_name
    role = schedule.responsible_role or ""
    return gettext("Role: %(role)s", role=ROLES.get(role, role))


# ---------------------------------------------------------------------------------------------
# Audit entries

# The label of each detail key services store (patrol.services.*: record(..., key=value)).
FIELD_WORDS = {
    "name": _l("Name"),
    "display_name": _l("Name shown to others"),
    "username": _l("User name"),
    "role": _l("Role"),
    "locale": _l("Language"),
    "site": _l("Site"),
    "first_response_minutes": _l("First response within (minutes)"),
    "language": _l("Language of printed sheets and messages"),
    "sites": _l("Sites"),
    "code": _l("Code"),
    "kind": _l("Kind"),
    "location_kind": _l("Kind of location"),
    "location": _l("Location"),
    "locations": _l("Locations"),
    "place": _l("Place"),
    "where": _l("Where"),
    "count": _l("How many"),
    "filename": _l("File"),
    "checklist": _l("Checklist"),
    "version": _l("Version"),
    "items": _l("Number of items"),
    "start": _l("Start from"),
    "source": _l("Copied from"),
    "recurrence": _l("Repeats"),
    "every_hours": _l("Every how many hours"),
    "start_time": _l("From"),
    "end_time": _l("Until"),
    "weekdays": _l("Days"),
    "window_minutes": _l("Minutes to do it in"),
    "grace_minutes": _l("Late for (minutes)"),
    "makeup_hours": _l("Make-up allowed for (hours)"),
    "responsible": _l("Responsible"),
    "responsible_role": _l("Responsible role"),
    "active": _l("In use"),
    "building": _l("Building"),
    "floor": _l("Floor"),
    "unit": _l("Unit"),
    "timezone": _l("Time zone"),
    "opens_at": _l("Office hours start"),
    "closes_at": _l("Office hours end"),
    "permit_number": _l("Permit number"),
    "contractor": _l("Contractor"),
    "works_start": _l("Works start"),
    "works_planned_end": _l("Planned end"),
    "handover_date": _l("Handed over on"),
    "min_seconds": _l("Shortest visit"),
    **DEDUCTION_FIELDS,
}
# Keys kept for the record but not worth a line: internal ids (the entry names the thing itself).
HIDDEN_FIELDS = {"site_id", "location_id", "source_id", "all_sites"}
# What an entry's bare {"from": …, "to": …} is about, by action.
CHANGED_FIELD = {
    "user.role_changed": "role",
    "user.sites_changed": "sites",
    "checklist.renamed": "name",
    "checklist.minimum_changed": "min_seconds",
    "location.moved": "where",
}
# Stored codes whose words the reader knows.
VALUE_WORDS = {
    "role": ROLES,
    "responsible_role": ROLES,
    "kind": LOCATION_KINDS,
    "location_kind": LOCATION_KINDS,
    "recurrence": RECURRENCES,
    "locale": LANGUAGES,
    "language": LANGUAGES,
    "start": {key: label for key, (label, _items) in STARTS.items()},
}


def field_word(key: str) -> str:
    """A detail key's label: "display_name" → "Name shown to others" / "显示名称"."""
    return str(FIELD_WORDS.get(key, key.replace("_", " ")))


def field_value(key: str, value) -> str:
    """A stored value made readable: codes as words, lists joined, yes/no, a dash for nothing."""
    if key == "locale" and value is None:
        return gettext("As my browser")
    if key == "language" and value is None:
        return gettext("The install's default")
    if value is None or value == [] or value == "":
        return NOTHING
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if key == "min_seconds" and isinstance(value, int):
        return duration(value)
    if key == "weekdays" and isinstance(value, list) and all(isinstance(day, int) for day in value):
        return weekday_names(value)
    if isinstance(value, (list, tuple)):
        return listed(field_value(key, part) for part in value)
    if isinstance(value, dict):
        return listed(field_line(part, part_value) for part, part_value in value.items())
    words = VALUE_WORDS.get(key)
    if words is not None and isinstance(value, str) and value in words:
        return str(words[value])
    return str(value)


def field_line(key: str, value) -> str:
    """ "Role: Butler" / "角色：管家" — the colon is the language's, from the catalog."""
    return gettext("%(field)s: %(value)s", field=field_word(key), value=field_value(key, value))


def change_line(key: str | None, before, after) -> str:
    """ "Role: Butler → Supervisor" / "角色：管家 → 主管"."""
    if key is None:
        return gettext("%(old)s → %(new)s", old=field_value("", before), new=field_value("", after))
    return gettext(
        "%(field)s: %(old)s → %(new)s", field=field_word(key), old=field_value(key, before), new=field_value(key, after)
    )


def audit_action(event) -> str:
    """What kind of change an entry is, in words."""
    return str(AUDIT_ACTIONS.get(event.action, event.action))


def audit_details(event) -> list[str]:
    """An entry's details as short lines: "Role: Butler → Supervisor", "Code: ABC234 → XYZ789"."""
    rest = dict(event.details or {})
    lines = []
    if "from" in rest and "to" in rest:
        lines.append(change_line(CHANGED_FIELD.get(event.action), rest.pop("from"), rest.pop("to")))
    for old_key in [key for key in rest if key.startswith("old_") and "new_" + key[4:] in rest]:
        key = old_key[4:]
        lines.append(change_line(key, rest.pop(old_key), rest.pop("new_" + key)))
    if rest.pop("all_sites", False):
        lines.append(gettext("%(field)s: %(value)s", field=FIELD_WORDS["sites"], value=gettext("All sites")))
    # A location's edit keeps its changed fields under "changes"; a schedule's at the top level.
    rest.update(rest.pop("changes", None) or {})
    for key, value in rest.items():
        if key in HIDDEN_FIELDS:
            continue
        if isinstance(value, dict) and {"from", "to"} <= set(value):
            lines.append(change_line(key, value["from"], value["to"]))
        else:
            lines.append(field_line(key, value))
    return lines


# ---------------------------------------------------------------------------------------------
# Printed labels


def site_language(site) -> str:
    """The language a site's printed matter, robot messages and reports are in, whoever reads them:
    its own (set up under 设置 → 项目), else the install's default (BABEL_DEFAULT_LOCALE)."""
    if site is not None and site.language in LANGUAGES:
        return site.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def html_lang(language: str) -> str:
    """A language code as HTML's lang attribute says it: zh_Hans → zh-Hans."""
    return HTML_LANG.get(language, language.replace("_", "-"))


@dataclass(frozen=True)
class PrintedLabel:
    """The words on one QR sticker, in its site's language (`lang` is its HTML language tag)."""

    name: str
    kind: str
    site: str
    code: str
    lang: str


def printed_label(location) -> PrintedLabel:
    language = site_language(location.site)
    with force_locale(language):
        kind = str(LOCATION_KINDS.get(location.kind, location.kind))
    return PrintedLabel(
        name=location.name,
        kind=kind,
        site=location.site.name,
        code=location.short_code,
        lang=html_lang(language),
    )


# ---------------------------------------------------------------------------------------------
# Account notices


@dataclass(frozen=True)
class PasswordPrompt:
    text: str
    reset: bool  # an administrator reset the password; else this is a new account's first sign-in


def password_prompt(user) -> PasswordPrompt:
    """Why someone must choose a password now: they are new, or an administrator reset theirs.

    Both set must_change_password; the audit log tells them apart (a reset is always recorded).
    """
    if was_recorded("user.password_reset", user):
        return PasswordPrompt(gettext("Your password was reset. Choose a new one to continue."), reset=True)
    return PasswordPrompt(
        gettext("Welcome, %(name)s. Choose your own password to start.", name=user.display_name), reset=False
    )


TEMPLATE_FILTERS = {
    "task_title": task_title,
    "finding_title": finding_title,
    "describe_recurrence": describe_recurrence,
    "describe_locations": describe_locations,
    "describe_responsible": describe_responsible,
    "weekday_names": weekday_names,
    "audit_action": audit_action,
    "audit_details": audit_details,
    "password_prompt": password_prompt,
    "visit_title": visit_title,
    "visit_due": visit_due,
}
