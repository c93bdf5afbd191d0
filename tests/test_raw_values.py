"""No raw internal value reaches a page: in Chinese, every page shows 管家 and 楼层, never `butler` or `floor`.

The walk covers each GET rule of the app's URL map (as tests/test_security_headers.py does, with its
sample ids from the demo demo_ids), signed in as an administrator, a supervisor and a butler, after a
round of setup changes so that the audit log has entries of every shape. Only visible text counts:
tags, attributes, scripts and styles are stripped first. The people are renamed first, because the
demo's user names are themselves role keys (a user name is the person's own data, not a code).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from patrol import presenters, vocabulary
from patrol.demo.seed import DEMO_PASSWORD, seed_demo
from patrol.extensions import db
from patrol.models import Checklist, Location, Schedule, Site, User
from patrol.setup import checklist_assignments, location_admin, people, schedules, sites
from patrol.setup.locations import reissue_code
from tests.route_walk import get_urls, sample_ids, upload_id

# What the code stores and the reader must never see as such.
RAW_VALUES = sorted(
    {
        *vocabulary.ROLES,
        *vocabulary.LOCATION_KINDS,
        *vocabulary.TASK_STATUSES,
        *vocabulary.SEVERITIES,
        *vocabulary.RECURRENCES,
        *vocabulary.ITEM_TYPES,
        "passfail",
        "model_room",
        "vacant_unit",
        "common_area",
        # The field names services store in audit entries.
        *presenters.FIELD_WORDS,
        *presenters.HIDDEN_FIELDS,
        "changes",
    }
)
# An underscored key also leaks with spaces ("display name"): the old audit log printed them so.
RAW_PATTERN = re.compile(
    r"(?<![A-Za-z0-9_])("
    + "|".join(
        sorted(
            {re.escape(value) for raw in RAW_VALUES for value in (raw, raw.replace("_", " "))}, key=len, reverse=True
        )
    )
    + r")(?![A-Za-z0-9_])"
)
# Input the reader is shown so as to type it: the column headings a location sheet may use ("floor · 楼层"),
# and a model room's asset sheet ("单位 · unit"), by the page's address.
TYPED_HERE = [
    (re.compile(r"/admin/locations/import$"), re.compile(r"^[a-z_]+ · ")),
    (re.compile(r"/rooms/\d+/register/import$"), re.compile(r"^\S+ · [a-z_]+$")),
]
# The demo's accounts get names that are not role keys.
NEW_NAMES = {
    "admin": "chenjing",
    "supervisor": "wangqiang",
    "butler": "zhangwei",
    "steward": "lina",
    "guard": "zhaogang",
}


class VisibleText(HTMLParser):
    """The text a reader sees: character data outside <script>, <style> and <template>."""

    HIDDEN = frozenset({"script", "style", "template"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in self.HIDDEN

    def handle_endtag(self, tag):
        self.hidden -= tag in self.HIDDEN and self.hidden > 0

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def raw_values_in(html: str, url: str = "") -> list[str]:
    """Each raw value on the page, with the line of visible text it stands in."""
    typed_here = next((text for address, text in TYPED_HERE if address.search(url)), None)
    return [
        f"{match.group(1)!r} in {line!r}"
        for line in visible_text(html).splitlines()
        if not (typed_here and typed_here.match(line))
        for match in RAW_PATTERN.finditer(line)
    ]


def _changes_of_every_kind(admin: User) -> None:
    """Setup changes through the services, so the audit log holds entries as the services word them."""
    garden = db.session.scalar(select(Site).where(Site.name == "星河湾花园"))
    ids = {garden.id}
    new = people.invite_person(
        admin,
        {"username": "zhaomin", "display_name": "赵敏", "role": "butler", "password": ""},
        [str(garden.id)],
        [garden],
    ).value.user
    people.update_person(
        admin, new, {"display_name": "赵敏", "role": "supervisor", "locale": "zh_Hant"}, [str(garden.id)], [garden]
    )
    people.reset_password(admin, new)
    location = location_admin.create_location(
        admin,
        {"site_id": str(garden.id), "name": "1栋 13F 楼层", "kind": "floor", "building": "1栋", "floor": "13F"},
        ids,
    ).value
    location_admin.update_location(
        admin, location, location_admin.form_values(location) | {"kind": "common_area", "floor": "14F"}, ids
    )
    reissue_code(location, actor=admin)
    schedule = db.session.scalar(select(Schedule).where(Schedule.name == "装修现场日检"))
    schedules.save_schedule(
        schedules.schedule_values(schedule)
        | {
            "location_kind": "vacant_unit",
            "recurrence": "weekly",
            "weekdays": ["0", "3"],
            "responsible_role": "steward",
        },
        actor=admin,
        site_ids=ids,
        schedule=schedule,
    )
    checklist = db.session.scalar(select(Checklist).where(Checklist.name == "巡楼检查"))
    checklist_assignments.assign_to_kind(admin, checklist, {"location_kind": "model_room", "site": ""}, ids)
    sites.update_site(admin, garden, sites.site_form_values(garden, "zh_Hans") | {"opens_at": "08:00"})


@pytest.fixture
def demo_ids(ctx):
    seed_demo()
    ids = sample_ids()
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    _changes_of_every_kind(admin)
    for user in db.session.scalars(select(User)):
        user.username = NEW_NAMES.get(user.username, user.username)
        user.locale = "zh_Hans"
    db.session.commit()
    assert db.session.scalar(select(Location.id).where(Location.id == ids["location_id"])) is not None
    return ids


@pytest.mark.parametrize("role", ["admin", "supervisor", "butler"])
def test_no_page_shows_a_raw_value_in_chinese(app, browser, demo_ids, role):
    assert browser.login(NEW_NAMES[role], DEMO_PASSWORD).status_code == 303
    ids = demo_ids | {
        "upload_id": upload_id(browser, demo_ids["site_id"], "名称,类型\n大堂,楼层\n".encode(), "点位表.csv")
        if role == "admin"
        else "x" * 32
    }
    problems, pages = [], 0
    for url in get_urls(app, ids) + ["/admin/audit/", "/tasks?filter=all"]:
        response = browser.get(url, headers={"Accept-Language": "zh-CN"})
        if response.mimetype == "text/html" and not 300 <= response.status_code < 400:  # a redirect is not read
            pages += response.status_code == 200
            problems += [f"{url}: {found}" for found in raw_values_in(response.get_data(as_text=True), url)]
        response.close()
    assert problems == [], "\n".join(problems)
    assert pages >= 5  # the walk saw real pages, not a wall of refusals


def test_the_audit_log_of_the_walk_has_entries_of_every_shape(browser, demo_ids):
    browser.login(NEW_NAMES["admin"], DEMO_PASSWORD)
    text = visible_text(browser.get("/admin/audit/").get_data(as_text=True))
    assert "角色：管家 → 主管" in text
    assert "类型：楼层 → 公共区域" in text and "点位类型：装修单元 → 空置房" in text
    assert "负责角色：管家 → 样板间管家" in text and "语言：跟随浏览器 → 繁體中文" in text


def test_the_check_sees_only_visible_text():
    page = (
        '<p class="floor" title="butler" data-kind="vacant_unit">管家 · 楼层</p>'
        '<script src="x.js"></script><script>var role = "supervisor";</script><style>.high{}</style>'
        "<ul><li>role: butler</li><li>类型：floor</li><li>display name</li><li>floors, highlight</li></ul>"
    )
    assert raw_values_in(page) == [
        "'role' in 'role: butler'",
        "'butler' in 'role: butler'",
        "'floor' in '类型：floor'",
        "'display name' in 'display name'",
    ]
