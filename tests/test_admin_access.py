"""Every setup URL, walked as every role: only administrators change setup; supervisors may read
schedules and checklists; butlers and stewards get nothing."""

import re

import pytest

from patrol.extensions import db
from patrol.models import Schedule
from patrol.setup.catalogue import passfail
from patrol.setup.checklists import assign_checklist

READABLE_BY_SUPERVISORS = ("admin.", "admin_checklists.", "admin_schedules.")
PARAM = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


@pytest.fixture
def site_with_records(make):
    from datetime import time

    site = make.site()
    people = {
        role: make.user(role, [site], username=f"walk-{role}") for role in ("butler", "steward", "supervisor", "admin")
    }
    location = make.location(site)
    version = make.checklist([passfail("消防通道无堵塞")])
    assignment = assign_checklist(version.checklist, location_id=location.id)
    schedule = Schedule(
        site_id=site.id,
        name="每小时巡楼",
        checklist_id=version.checklist_id,
        location_kind="floor",
        recurrence="daily",
        start_time=time(9),
        weekdays=[],
    )
    db.session.add(schedule)
    db.session.commit()
    ids = {
        "site": site.id,
        "location": location.id,
        "checklist": version.checklist_id,
        "version": version.id,
        "item": version.items[0].id,
        "assignment": assignment.id,
        "schedule": schedule.id,
        "user": people["butler"].id,
        "person": people["butler"].id,
        "event": 1,
    }
    return people, ids


def setup_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def url_for_rule(rule, ids) -> str:
    def fill(match):
        converter, arguments, name = match.groups()
        if converter == "any":  # e.g. <any(archive, restore):action>: the first of the choices
            return arguments.split(",")[0].strip().strip("'\"")
        if converter in (None, "string", "path") and not name.endswith("_id"):
            return "x"
        return str(ids.get(name.removesuffix("_id"), 1))

    return PARAM.sub(fill, rule.rule)


@pytest.mark.parametrize("role", ["butler", "steward", "supervisor", "admin"])
def test_every_setup_url_answers_each_role_as_it_should(app, browser, site_with_records, role):
    people, ids = site_with_records
    browser.login(people[role].username)
    checked = 0
    for rule, method in setup_rules(app):
        url = url_for_rule(rule, ids)
        response = browser.get(url) if method == "GET" else browser.post(url, data={})
        status = response.status_code
        response.close()
        # Supervisors read lists and details; the forms that change things are not theirs.
        is_form = any(part in ("new", "edit") or part.startswith("edit") for part in rule.rule.split("/"))
        reads = method == "GET" and rule.endpoint.startswith(READABLE_BY_SUPERVISORS) and not is_form
        if role in ("butler", "steward"):
            expected_denied = True
        elif role == "supervisor":
            expected_denied = not reads
        else:
            expected_denied = False
        if expected_denied:
            assert status == 403, f"{role} {method} {url} → {status}"
        else:
            assert status not in (401, 403, 500), f"{role} {method} {url} → {status}"
        checked += 1
    assert checked >= 20  # the walk really covered the setup area
