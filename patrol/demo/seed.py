"""The demo estate: a residential site with a tower, renovation units, a model room and vacant units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from patrol.accounts.accounts import create_user
from patrol.database import utcnow
from patrol.demo.room_day import seed_room_day
from patrol.demo.tasks import fix_awaiting_recheck
from patrol.extensions import db
from patrol.inspections.answers import evaluate
from patrol.modelrooms.register import LineInput, start_register
from patrol.models import Answer, Checklist, ChecklistVersion, Inspection, Location, Schedule, Site, User
from patrol.passwords import hash_password
from patrol.rounds.planning import plan_visits
from patrol.setup import catalogue
from patrol.setup.checklist_editor import publish_new_checklist
from patrol.setup.checklists import assign_checklist, items_of
from patrol.tasks.raising import settle_answers
from patrol.tasks.workflow import ActionInput, act

DEMO_PASSWORD = "patrol-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str


# Plain personal names: the pages add the role next to a name wherever it helps ("张伟（管家）").
DEMO_ACCOUNTS = [
    DemoAccount("butler", "张伟", "butler"),
    DemoAccount("steward", "李娜", "steward"),
    DemoAccount("supervisor", "王强", "supervisor"),
    DemoAccount("admin", "陈静", "admin"),
    DemoAccount("guard", "赵刚", "guard"),
]
# The demo guard's PIN, for confirming a model room's handover on the steward's phone.
DEMO_GUARD_PIN = "7315"


def has_data() -> bool:
    return (db.session.scalar(select(func.count()).select_from(Site)) or 0) > 0


def seed_demo() -> list[DemoAccount]:
    """Create the demo estate, its checklists, one account per role and a little history."""
    garden = Site(name="星河湾花园", timezone="Asia/Shanghai")
    tower = Site(name="云栖大厦", timezone="Asia/Shanghai")
    db.session.add_all([garden, tower])
    db.session.flush()
    _garden_locations(garden)
    for floor in ("1F", "2F", "3F", "5F", "8F"):
        db.session.add(
            Location(site=tower, name=f"云栖大厦 {floor} 公共区域", kind="floor", building="A座", floor=floor)
        )
    _checklists(garden)
    users = {}
    for account in DEMO_ACCOUNTS:
        sites = [garden] if account.role in {"butler", "steward", "guard"} else [garden, tower]
        users[account.role] = create_user(
            account.username, DEMO_PASSWORD, display_name=account.display_name, role=account.role, sites=sites
        )
    users["guard"].pin_hash = hash_password(DEMO_GUARD_PIN)
    db.session.flush()
    _room_register(garden, users["supervisor"])
    _schedules(garden, users["steward"])
    seed_room_day(_model_room(garden), users["steward"], users["guard"])
    _history(garden, users["butler"], users["supervisor"])
    plan_visits(utcnow())  # the rounds of the next day are expected at once; the worker keeps them coming
    db.session.commit()
    fix_awaiting_recheck(garden, users["butler"], users["supervisor"])
    return DEMO_ACCOUNTS


def _garden_locations(site: Site) -> None:
    floors = ["B1"] + [f"{n}F" for n in range(1, 13)]
    for floor in floors:
        db.session.add(Location(site=site, name=f"1栋 {floor} 楼层", kind="floor", building="1栋", floor=floor))
    for floor, unit in (("8F", "802"), ("11F", "1103")):
        db.session.add(
            Location(site=site, name=f"1栋 {unit} 装修", kind="renovation", building="1栋", floor=floor, unit=unit)
        )
    for floor, unit in (("5F", "501"), ("9F", "902"), ("12F", "1201")):
        db.session.add(
            Location(site=site, name=f"1栋 {unit} 空置房", kind="vacant_unit", building="1栋", floor=floor, unit=unit)
        )
    db.session.add(
        Location(site=site, name="售楼处 样板间A（89㎡）", kind="model_room", building="售楼处", unit="A户型")
    )
    db.session.flush()


def _checklists(site: Site) -> None:
    for (name, items), kind in (
        (catalogue.FLOOR_PATROL, "floor"),
        (catalogue.RENOVATION, "renovation"),
        (catalogue.VACANT_UNIT, "vacant_unit"),
    ):
        version = publish_new_checklist(name, items)
        assign_checklist(version.checklist, location_kind=kind)
    room = _model_room(site)
    for name, items in catalogue.model_room_checklists("样板间A"):
        version = publish_new_checklist(name, items)
        assign_checklist(version.checklist, location_id=room.id)
    db.session.flush()


def _model_room(site: Site) -> Location:
    return db.session.scalar(select(Location).where(Location.site_id == site.id, Location.kind == "model_room"))


def _room_register(site: Site, supervisor: User) -> None:
    """Model room A's asset register, kept by the supervisor: what its counts are made against."""
    lines = [
        LineInput(zone, name, expected, unit, Decimal(value))
        for zone, name, expected, unit, value in catalogue.MODEL_ROOM_ASSETS
    ]
    start_register(_model_room(site), lines, supervisor)
    db.session.flush()


def _room_schedules(site: Site, steward: User, by_name: dict[str, int]) -> list[Schedule]:
    """The model room's day (seed 002): opening at 08:30, a count every hour 09:00–18:00, closing at 19:00."""
    room = _model_room(site)
    plans = [
        ("样板间开馆清点", "开馆", "daily", time(8, 30), None, 30, 10),
        ("样板间每小时清点", "每小时", "hourly", time(9), time(18), 30, 10),
        ("样板间闭馆清点", "闭馆", "daily", time(19), None, 60, 15),
    ]
    return [
        Schedule(
            site_id=site.id,
            name=name,
            checklist_id=next(checklist_id for title, checklist_id in by_name.items() if word in title),
            locations=[room],
            recurrence=recurrence,
            every_hours=1 if recurrence == "hourly" else None,
            start_time=start,
            end_time=end,
            window_minutes=window,
            grace_minutes=grace,
            responsible_user_id=steward.id,
        )
        for name, word, recurrence, start, end, window, grace in plans
    ]


def _schedules(site: Site, steward: User) -> None:
    """The rounds from the source documents: floors hourly, renovations daily, vacant units weekly, and the
    model room's opening, hourly and closing counts."""
    by_name = {c.name: c.id for c in db.session.scalars(select(Checklist))}
    db.session.add_all(_room_schedules(site, steward, by_name))
    db.session.add_all(
        [
            Schedule(
                site_id=site.id,
                name="每小时巡楼",
                checklist_id=by_name["巡楼检查"],
                location_kind="floor",
                recurrence="hourly",
                every_hours=1,
                start_time=time(8),
                end_time=time(20),
                window_minutes=45,
                grace_minutes=15,
                responsible_role="butler",
            ),
            Schedule(
                site_id=site.id,
                name="装修现场日检",
                checklist_id=by_name["装修巡查"],
                location_kind="renovation",
                recurrence="daily",
                start_time=time(10),
                window_minutes=240,
                grace_minutes=60,
                responsible_role="butler",
            ),
            Schedule(
                site_id=site.id,
                name="空置房周检",
                checklist_id=by_name["空置房巡查"],
                location_kind="vacant_unit",
                recurrence="weekly",
                start_time=time(14),
                weekdays=[0],
                window_minutes=480,
                grace_minutes=120,
                responsible_role="butler",
            ),
        ]
    )


def _history(site: Site, butler: User, supervisor: User) -> None:
    """Two earlier floor patrols with findings, so the supervisor's screens are not empty."""
    floor_version = db.session.scalar(select(ChecklistVersion).where(ChecklistVersion.name == "巡楼检查"))
    items = items_of(floor_version.id)
    now = utcnow()
    plans = [
        ("1栋 3F 楼层", 30, {"疏散指示灯常亮": ("fail", "3F东侧安全出口指示灯不亮")}),
        ("1栋 7F 楼层", 2, {"消防通道无堵塞": ("fail", "消防通道堆放纸箱"), "地面/墙面/天花洁净": ("2", "地面有污渍")}),
    ]
    for name, hours_ago, failures in plans:
        location = db.session.scalar(select(Location).where(Location.site_id == site.id, Location.name == name))
        submitted = now - timedelta(hours=hours_ago)
        inspection = Inspection(
            client_id=f"00000000-0000-4000-8000-{hours_ago:012d}",
            location_id=location.id,
            checklist_version_id=floor_version.id,
            inspector_id=butler.id,
            scanned_at=submitted - timedelta(minutes=4),
            submitted_at=submitted,
            duration_seconds=240,
            status="submitted",
        )
        db.session.add(inspection)
        for item in items:
            raw, remark = failures.get(item.prompt, ("pass" if item.item_type == "passfail" else "4", ""))
            if item.item_type in {"text"}:
                continue
            value = evaluate(item, raw)
            answer = Answer(
                inspection=inspection,
                item_id=item.id,
                value_text=value.value_text,
                value_number=value.value_number,
                is_finding=value.is_finding,
                note=remark,
                severity=item.default_severity if value.is_finding else None,
            )
            db.session.add(answer)
        db.session.flush()
        tasks = settle_answers(inspection, location, items, checklist_id=floor_version.checklist_id, now=submitted)
        for task in tasks[:1]:
            act(
                task,
                supervisor,
                ActionInput("assign", task.version, note="请今天处理", assignee=butler),
                now=submitted + timedelta(minutes=20),
            )
