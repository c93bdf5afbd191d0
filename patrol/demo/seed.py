"""The demo estate: a residential site with a tower, renovation units, a model room and vacant units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

from sqlalchemy import func, select

from patrol.accounts.accounts import create_user
from patrol.database import utcnow
from patrol.demo.tasks import fix_awaiting_recheck
from patrol.extensions import db
from patrol.inspections.answers import evaluate
from patrol.models import Answer, Checklist, ChecklistVersion, Inspection, Location, Schedule, Site, User
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
]


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
        sites = [garden] if account.role in {"butler", "steward"} else [garden, tower]
        users[account.role] = create_user(
            account.username, DEMO_PASSWORD, display_name=account.display_name, role=account.role, sites=sites
        )
    db.session.flush()
    _schedules(garden)
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
    room = db.session.scalar(select(Location).where(Location.site_id == site.id, Location.kind == "model_room"))
    for name, items in catalogue.model_room_checklists("样板间A"):
        version = publish_new_checklist(name, items)
        assign_checklist(version.checklist, location_id=room.id)
    db.session.flush()


def _schedules(site: Site) -> None:
    """The rounds from the source documents: floors hourly, renovations daily, vacant units weekly."""
    by_name = {c.name: c.id for c in db.session.scalars(select(Checklist))}
    room_hourly = next(checklist_id for name, checklist_id in by_name.items() if "每小时" in name)
    room = db.session.scalar(select(Location).where(Location.site_id == site.id, Location.kind == "model_room"))
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
            Schedule(
                site_id=site.id,
                name="样板间每小时清点",
                checklist_id=room_hourly,
                locations=[room],
                recurrence="hourly",
                every_hours=1,
                start_time=time(9),
                end_time=time(18),
                window_minutes=30,
                grace_minutes=10,
                responsible_role="steward",
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
