"""A model room's whole day on a phone (390×844, issue 17), driven as the steward, the supervisor and night
security do it: the night handover taken back with the guard's PIN; the opening count; two hourly counts, the
second with a cushion gone, still gone at the third, which gives one case and one task; the supervisor fills
the loss record and prints it on one A4 page; the closing count; the room handed to the guard, who confirms on
their own phone.

The counts happen now, on the real clock: what is checked is their order and what they found, never the
hour (the test may run at any time of day, across midnight in Asia/Shanghai too).

Screenshots (count sheet, case, loss record on screen and printed, the room's history): /tmp/shots/day/.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from patrol.database import utcnow
from patrol.extensions import db
from patrol.modelrooms.register import lines_of
from patrol.models import Handover, LossCase, LossSighting, RegisterLine, Task
from patrol.passwords import hash_password
from patrol.setup.catalogue import MODEL_ROOM_ASSETS, model_room_checklists
from tests.browser_steps import follow, sign_in
from tests.outbox_steps import SUBMITTED, outbox_drained

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/day")
PIN = "2580"
(OPENING, _), (HOURLY, _), (CLOSING, _) = model_room_checklists("样板间A")
LINES = len(MODEL_ROOM_ASSETS)
WORDS = {
    "zh_Hans": {
        "took": "您已从夜间安保接管样板间。",
        "all counted": f"{LINES} / {LINES}",
        "short": "实点 5 / 应有 6，缺少 1",
        "case": "客厅 抱枕 缺少 1 个",
        "seen twice": "2 次清点发现短缺",
        "record": "样板间资产丢失损坏备案表",
        "guard took": "您已接管样板间A。",
        "with the guard": "起由夜间安保（王强）保管",
        "cases": "丢失损坏案件",
        "record form": "丢失损坏备案表",
    },
    "en": {
        "took": "You took the room over from night security.",
        "all counted": f"{LINES} of {LINES}",
        "short": "counted 5 of 6, 1 missing",
        "case": "客厅 抱枕: 1 个 missing",
        "seen twice": "Seen short by 2 counts",
        "record": "Model room asset loss/damage record",
        "guard took": "You took over 样板间A.",
        "with the guard": "With night security (王强) since",
        "cases": "Loss cases",
        "record form": "Loss/damage record",
    },
}


@dataclass(frozen=True)
class Room:
    id: int
    token: str
    cushion: int  # the asset counted short
    guard_id: int


def model_room(make, language: str) -> Room:
    """Model room A with the seed's register and its three counts; 李娜 its steward, 王强 night security
    (who took the room over last night), 周敏 the supervisor — all reading `language`."""
    site = make.site("滨江壹号")
    site.language = language  # the loss record prints in the site's language
    room = make.location(site, kind="model_room", name="样板间A")
    people = {}
    for role, username, name in (
        ("steward", "lina", "李娜"),
        ("guard", "wang", "王强"),
        ("supervisor", "zhou", "周敏"),
    ):
        people[role] = make.user(role, sites=[site], username=username, locale=language)
        people[role].display_name = name
    people["guard"].pin_hash = hash_password(PIN)
    version = make.register(
        room, [(zone, item, expected) for zone, item, expected, *_ in MODEL_ROOM_ASSETS], people["supervisor"]
    )
    units = {(zone, item): (unit, Decimal(value)) for zone, item, _, unit, value in MODEL_ROOM_ASSETS}
    for line in db.session.scalars(select(RegisterLine).where(RegisterLine.version_id == version.id)):
        line.unit, line.unit_value = units[(line.zone, line.name)]
    for name, items in model_room_checklists("样板间A"):
        make.checklist(items, name=name, location=room)
    db.session.add(  # last night's closing handover: the room is with night security this morning
        Handover(
            client_id=str(uuid.uuid4()),
            site_id=site.id,
            location_id=room.id,
            kind="to_night",
            from_user_id=people["steward"].id,
            to_user_id=people["guard"].id,
            handed_at=utcnow() - timedelta(hours=13),
            confirmed_by="pin",
        )
    )
    cushion = next(line.asset_id for line in lines_of(version.id) if line.zone == "客厅" and line.name == "抱枕")
    found = Room(room.id, room.qr_token, cushion, people["guard"].id)
    db.session.commit()  # and nothing read after: the live server's requests write, the test holds no transaction
    return found


def phone(chromium) -> Page:
    return chromium.new_page(chromium.PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


def shot(page: Page, name: str, language: str, *, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{language}.png"), full_page=full_page, caret="initial")


def count(page: Page, room: Room, checklist: str, *, cushions_gone: int = 0, language: str = "") -> int:
    """Scans the room's sticker, picks the checklist, counts every zone with All present (the cushions
    stepped down by `cushions_gone`), passes every check and submits; the submitted count's id."""
    page.goto(f"/c/{room.token}")
    page.locator("main a.button.big", has_text=checklist).click()
    expect(page.locator("[data-count-sheet][data-count-ready]")).to_have_count(1)
    expect(page.locator("#checklist .checklist-head h2")).to_contain_text(checklist)
    for zone in page.locator("details[data-zone]").all():
        zone.locator("[data-all-present]").tap()
    # Each line is "saved" only once the server acknowledged it; the cushions' last change, once it holds it.
    expect(page.locator("li[data-line][data-save=saved]")).to_have_count(LINES)
    cushion = page.locator(f'li[data-line="{room.cushion}"]')
    for _ in range(cushions_gone):
        cushion.locator('[data-step="-1"]').tap()
    if cushions_gone:
        expect(cushion).to_have_attribute("data-acked", str(6 - cushions_gone))
        expect(cushion).to_have_class(re.compile(r"\bis-short\b"))
        if language:
            cushion.scroll_into_view_if_needed()
            shot(page, "count-sheet", language, full_page=False)
    for answer in page.locator("#checklist label.opt-pass").all():
        answer.tap()
    outbox_drained(page)
    page.locator("#checklist .submit-bar button[type=submit]").tap()
    expect(page).to_have_url(SUBMITTED, timeout=20_000)
    return int(page.url.rsplit("/", 1)[1])


def cases_on_the_server() -> tuple[list[LossCase], int, int]:
    """The room's loss cases (detached), the tasks raised for losses and the sightings, as the server has them."""
    db.session.rollback()  # a fresh look at what the live server wrote
    cases = list(db.session.scalars(select(LossCase)))
    tasks = db.session.scalar(select(func.count(Task.id)).where(Task.source == "loss"))
    sightings = db.session.scalar(select(func.count(LossSighting.id)))
    db.session.expunge_all()
    db.session.rollback()
    return cases, tasks, sightings


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_a_model_rooms_day_from_the_morning_handover_to_the_night_one(make, chromium, language):
    words = WORDS[language]
    room = model_room(make, language)
    steward = phone(chromium)

    # Morning: the steward takes the room back from night security, the guard typing their PIN on her phone.
    sign_in(steward, "lina")
    follow(steward, steward.locator(".room-card .actions a"), "样板间A")
    handover = steward.locator("#handover")
    expect(handover.locator("input[name=kind]")).to_have_value("to_day")
    expect(handover.locator("select[name=guard]")).to_have_value(str(room.guard_id))
    handover.locator("input[name=pin]").fill(PIN)
    handover.locator("button[name=how][value=pin]").tap()
    expect(steward.locator("body")).to_contain_text(words["took"])

    opening = count(steward, room, OPENING)
    summary = steward.locator("#count-summary")
    expect(summary.locator("[data-count-counted]")).to_have_text(words["all counted"])
    expect(summary.locator("[data-count-short]")).to_have_text("0")

    hourly = [count(steward, room, HOURLY)]
    hourly.append(count(steward, room, HOURLY, cushions_gone=1, language=language))
    expect(summary.locator("[data-short-lines] li")).to_have_count(1)
    expect(summary.locator("[data-short-lines] li")).to_contain_text("抱枕")
    expect(summary.locator("[data-short-lines] li")).to_contain_text(words["short"])
    hourly.append(count(steward, room, HOURLY, cushions_gone=1))
    expect(summary.locator("[data-short-lines] li")).to_contain_text("抱枕")

    [case], tasks, sightings = cases_on_the_server()
    assert (case.asset_id, case.kind, case.status, case.quantity, case.expected) == (
        room.cushion,
        "missing",
        "open",
        1,
        6,
    )
    assert (case.last_complete_inspection_id, case.first_short_inspection_id) == (hourly[0], hourly[1])
    assert case.task_id is not None and tasks == 1 and sightings == 2

    # The supervisor, on her own phone, finds the case from the room's page and fills its record.
    boss = phone(chromium)
    sign_in(boss, "zhou")
    boss.goto(f"/rooms/{room.id}")
    follow(boss, boss.locator(".room-today dd a"), words["cases"])
    follow(boss, boss.locator(".case-list a.task-row"), words["case"])
    head = boss.locator(".case-head")
    expect(head.locator(f'a[href="/inspections/{hourly[0]}"]')).to_have_count(1)  # the last complete count
    expect(head.locator(f'a[href="/inspections/{hourly[1]}"]')).to_have_count(1)  # the first short one
    expect(boss.locator(".custodians .custodian")).to_have_count(1)
    expect(boss.locator(".custodians .custodian strong")).to_have_text("李娜")
    expect(boss.locator(".sightings h2")).to_have_text(words["seen twice"])
    expect(boss.locator(".sightings li")).to_have_count(2)
    shot(boss, "case", language)
    follow(boss, head.locator(".actions a"), words["record form"])
    boss.locator("label[for=f-cause-human]").tap()
    boss.locator("label[for=f-management_at_fault-no]").tap()
    boss.locator("#f-responsible_party").fill("参观客户 张先生")
    boss.locator("#f-compensation").fill("180")
    boss.locator("#f-note").fill("客户承认误带走一只抱枕，同意照价赔偿。")
    boss.locator("form.record-form button[type=submit]").tap()
    expect(boss.locator("#flashes .alert-success")).to_have_count(1)
    shot(boss, "record-form", language)
    boss.locator("main .record-head .actions a").tap()
    expect(boss.locator("h1")).to_have_text(words["record"])
    expect(boss.locator(".record")).to_contain_text("参观客户 张先生")
    expect(boss.locator(".record .custodian-cell")).to_contain_text("李娜")
    shot(boss, "record-sheet", language)
    boss.emulate_media(media="print")
    expect(boss.locator(".toolbar")).to_be_hidden()
    boss.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    shot(boss, "record-print", language)
    pdf = boss.pdf(format="A4", prefer_css_page_size=True)
    (SHOTS / f"record-{language}.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1

    # Evening: the closing count finds the cushion still gone (the one case sees it a third time).
    closing = count(steward, room, CLOSING, cushions_gone=1)
    assert opening < hourly[0] < hourly[1] < hourly[2] < closing
    expect(summary.locator("[data-count-counted]")).to_have_text(words["all counted"])
    expect(summary.locator("[data-short-lines] li")).to_have_count(1)
    [case], tasks, sightings = cases_on_the_server()
    assert (case.status, tasks, sightings) == ("open", 1, 3)

    # The room goes to night security: the steward sends it to the guard's phone, the guard confirms there.
    steward.goto(f"/rooms/{room.id}")
    handover = steward.locator("#handover")
    expect(handover.locator("input[name=kind]")).to_have_value("to_night")
    expect(handover).to_contain_text(CLOSING)  # the count the handover goes with
    handover.locator("select[name=guard]").select_option(str(room.guard_id))
    handover.locator("textarea[name=remarks]").fill("客厅抱枕少一只，已报案")
    handover.locator("button[name=how][value=account]").tap()
    expect(steward.locator("#handover .waiting")).to_be_visible()
    guard = phone(chromium)
    sign_in(guard, "wang")
    waiting = guard.locator(".handover-waiting")
    expect(waiting).to_contain_text("样板间A")
    expect(waiting).to_contain_text("客厅抱枕少一只，已报案")
    waiting.locator("button[type=submit]").tap()
    expect(guard.locator("body")).to_contain_text(words["guard took"])

    db.session.rollback()
    night = db.session.scalar(select(Handover).order_by(Handover.handed_at.desc()).limit(1))
    assert (night.kind, night.confirmed_by, night.to_user_id) == ("to_night", "account", room.guard_id)
    evening = night.handed_at.astimezone(night.location.site.zone).date()
    db.session.rollback()
    steward.goto(f"/rooms/{room.id}?day={evening.isoformat()}")
    expect(steward.locator("#handover p.muted").first).to_contain_text(words["with the guard"])
    expect(steward.locator("#day .handovers")).to_contain_text("李娜 → 王强")
    history = steward.locator("#history .count-row")
    expect(history).to_have_count(5)
    expect(history.first).to_contain_text(CLOSING)
    expect(history.first.locator(".seen")).to_contain_text("抱枕")
    expect(history.last).to_contain_text(OPENING)
    expect(history.last).to_have_class("count-row")  # complete
    shot(steward, "room", language)
