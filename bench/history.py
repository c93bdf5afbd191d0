"""A generated history to measure lists against: N inspections over two years, with answers and tasks.

    python bench/history.py --inspections 1000000 --database sqlite:////tmp/history-1m.sqlite3
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/patrol_h2 python bench/history.py -n 100000

The database is emptied and built by the migrations of the `patrol` package that is imported
(PYTHONPATH=/tmp/before measures an older tree on the same kind of data). Setup is small and
inserted row by row; inspections, answers, tasks, their events and the audit log are inserted
with SQLAlchemy Core executemany in chunks, with ids given here so nothing is read back.

What it makes, per 1,000,000 inspections: 5,000 locations on 20 sites, about 10.5 M answers,
about 1 % of them findings, each a task (closed after a few days unless raised in the last
month), 50,000 audit entries, and one "hot" location with 300 open tasks (the scan page's
worst case). Rounds: an hourly schedule per site and kind of location; each inspection in the
first 45 minutes of an hour is that hour's visit (on time in the first 30, late after), and one
visit in twenty more was missed (some explained, some excused).
`bench/lists.py` reads what it needs from the database, not from this script.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from werkzeug.security import generate_password_hash

CHUNK = 5_000  # inspections per batch: about 52,000 answers
YEARS = 2
SITES = 20
LOCATIONS = 5_000
HOT_TASKS = 300
PASSWORD = "bench-history-password"
ADMIN = "bench-admin"
# Kinds with their share of locations and their checklist: (prompt, item type, severity).
FLOOR = [
    ("走廊/楼梯灯正常", "passfail", "medium"),
    ("疏散指示灯常亮", "passfail", "high"),
    ("防火门常闭、未上锁", "passfail", "high"),
    ("消防栓完好无滴漏", "passfail", "high"),
    ("灭火器无漏气、未过期、封条完好", "passfail", "high"),
    ("消防通道无堵塞", "passfail", "high"),
    ("地面/墙面/天花洁净", "rating", "low"),
    ("垃圾桶已清理", "passfail", "low"),
    ("公共区域无杂物堆放", "passfail", "medium"),
    ("给排水管无滴漏", "passfail", "medium"),
    ("电梯运行、照明、通风正常", "passfail", "medium"),
]
RENOVATION = [
    ("装修许可证张贴", "passfail", "medium"),
    ("施工人员佩戴施工证", "passfail", "low"),
    ("灭火器≥2具", "passfail", "high"),
    ("现场无吸烟", "passfail", "high"),
    ("无私拉乱接电线", "passfail", "high"),
    ("无明火/动火有证", "passfail", "high"),
    ("无易燃易爆物品存放", "passfail", "high"),
    ("工作时段无高噪音作业", "passfail", "medium"),
    ("材料垃圾未占公共区域", "passfail", "low"),
    ("未拆改承重结构/燃气/烟道", "passfail", "high"),
    ("现场整洁", "rating", "low"),
]
VACANT = [
    ("门窗完好关牢", "passfail", "medium"),
    ("无进水漏水", "passfail", "high"),
    ("下水地漏畅通", "passfail", "medium"),
    ("物品电线与交付一致", "passfail", "medium"),
    ("通风无异味", "passfail", "low"),
    ("卫生整洁", "rating", "low"),
]
MODEL_ROOM = [
    ("地面无脚印", "passfail", "low"),
    ("寝具平整", "passfail", "low"),
    ("家私无浮灰", "passfail", "low"),
    ("镜面光亮", "passfail", "low"),
    ("物品齐全、摆放如初", "passfail", "high"),
    ("灭火器封条完好", "passfail", "high"),
    ("照明正常", "passfail", "medium"),
    ("整体洁净", "rating", "low"),
]
KINDS = {
    "floor": (0.85, "巡楼检查", FLOOR),
    "renovation": (0.08, "装修巡查", RENOVATION),
    "vacant_unit": (0.05, "空置房巡查", VACANT),
    "model_room": (0.02, "样板间检查", MODEL_ROOM),
}
FINDING_RATE = 0.01
DUE_HOURS = {"high": 4, "medium": 24, "low": 72}
WINDOW, GRACE = timedelta(minutes=30), timedelta(minutes=15)
MISSED_SHARE = 0.05
SHANGHAI = ZoneInfo("Asia/Shanghai")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--inspections", type=int, default=10_000)
    parser.add_argument(
        "--database", default=os.environ.get("DATABASE_URL"), help="SQLAlchemy URL (default: $DATABASE_URL)"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not args.database:
        parser.error("give --database or set DATABASE_URL")
    started = time.perf_counter()
    app = _app(args.database)
    with app.app_context():
        _rebuild(app)
        history = History(random.Random(args.seed), datetime.now(UTC).replace(microsecond=0))
        history.setup()
        history.inspections(args.inspections)
        history.hot_location()
        history.missed_visits(int(args.inspections * MISSED_SHARE))
        history.audit_log(args.inspections // 20)
        history.finish()
        print(
            f"{args.inspections:,} inspections, {history.visit_id:,} expected visits, "
            f"{history.answer_id:,} answers, {history.task_id:,} tasks, "
            f"{history.audit_id:,} audit entries in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )


def _app(url: str):
    from patrol import create_app

    os.environ.setdefault("PATROL_INSTANCE_PATH", "/tmp/patrol-bench-instance")
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-" + "x" * 40,
            "SQLALCHEMY_DATABASE_URI": url,
            "PATROL_BASE_URL": "https://patrol.bench",
            "PATROL_PASSWORD_HASH": "pbkdf2:sha256:1000",
        }
    )


def _rebuild(app) -> None:
    """An empty database at the newest migration of the imported tree."""
    from flask_migrate import upgrade

    from patrol.extensions import db

    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.session.remove()
        engine.dispose()
        path = Path(engine.url.database)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    upgrade()


class History:
    """Writes the rows; ids are counted here, so every insert is a plain executemany."""

    def __init__(self, rng: random.Random, now: datetime):
        from patrol.extensions import db

        self.db, self.rng, self.now = db, rng, now
        self.tables = db.metadata.tables
        self.answer_id = self.task_id = self.event_id = self.audit_id = self.inspection_id = self.visit_id = 0
        self.slots: set[tuple[int, datetime]] = set()  # (location, due): one visit per round
        self.sites: list[int] = []
        self.locations: list[tuple[int, int, str]] = []  # id, site id, kind
        self.butlers: dict[int, list[int]] = {}
        self.supervisors: list[int] = []
        self.versions: dict[str, tuple[int, list[tuple[int, str, str, str]]]] = {}  # kind: version, items

    def _insert(self, table: str, rows: list[dict]) -> None:
        if rows:
            with self.db.engine.begin() as connection:
                connection.execute(insert(self.tables[table]), rows)

    def setup(self) -> None:
        """Sites, people, checklists and locations: small, but what every list joins to."""
        start = self.now - timedelta(days=365 * YEARS + 30)
        self._insert(
            "sites",
            [
                {"id": n, "name": f"基准小区 {n:02d}", "timezone": "Asia/Shanghai", "created_at": start}
                for n in range(1, SITES + 1)
            ],
        )
        self.sites = list(range(1, SITES + 1))
        password = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
        users = [{"id": 1, "username": ADMIN, "display_name": "基准管理员", "role": "admin", "locale": "en"}]
        links = []
        for site in self.sites:
            for role, count in (("butler", 5), ("supervisor", 1)):
                for _ in range(count):
                    user_id = len(users) + 1
                    users.append(
                        {
                            "id": user_id,
                            "username": f"{role}-{user_id}",
                            "display_name": f"{role} {user_id}",
                            "role": role,
                            "locale": None,
                        }
                    )
                    links.append({"user_id": user_id, "site_id": site})
                    (self.butlers.setdefault(site, []) if role == "butler" else self.supervisors).append(user_id)
        self._insert(
            "users",
            [
                {**user, "password_hash": password, "active": True, "must_change_password": False, "created_at": start}
                for user in users
            ],
        )
        self._insert("user_sites", links)
        self._checklists(start)
        self._locations(start)
        self._schedules(start)

    def _schedules(self, start: datetime) -> None:
        """An hourly round, 08:00–20:00, per site and kind of location, given to the butlers."""
        from datetime import time as clock

        rows, versions = [], []
        for site in self.sites:
            for number, kind in enumerate(KINDS, start=1):
                schedule_id = self.schedule_of(site, kind)
                common = {
                    "checklist_id": number,
                    "location_kind": kind,
                    "recurrence": "hourly",
                    "every_hours": 1,
                    "start_time": clock(8),
                    "end_time": clock(20),
                    "weekdays": [],
                    "window_minutes": 30,
                    "grace_minutes": 15,
                    "responsible_role": "butler",
                    "created_at": start,
                }
                rows.append({"id": schedule_id, "site_id": site, "name": f"每小时巡查 {kind}", **common})
                versions.append({"id": schedule_id, "schedule_id": schedule_id, "effective_from": start, **common})
        self._insert("schedules", rows)
        self._insert("schedule_versions", versions)

    @staticmethod
    def schedule_of(site: int, kind: str) -> int:
        return (site - 1) * len(KINDS) + list(KINDS).index(kind) + 1

    def _checklists(self, start: datetime) -> None:
        item_id = 0
        for number, (kind, (_share, name, items)) in enumerate(KINDS.items(), start=1):
            self._insert("checklists", [{"id": number, "name": name, "created_at": start}])
            self._insert(
                "checklist_versions",
                [{"id": number, "checklist_id": number, "number": 1, "name": name, "published_at": start}],
            )
            self._insert("checklist_assignments", [{"id": number, "checklist_id": number, "location_kind": kind}])
            rows = []
            for position, (prompt, item_type, severity) in enumerate(items, start=1):
                item_id += 1
                rows.append(
                    {
                        "id": item_id,
                        "version_id": number,
                        "position": position,
                        "prompt": prompt,
                        "item_type": item_type,
                        "required": True,
                        "help_text": "",
                        "unit": "",
                        "threshold": 3 if item_type == "rating" else None,
                        "choices": [],
                        "failing_choices": [],
                        "default_severity": severity,
                        "photo_required_on_fail": False,
                    }
                )
            self._insert("checklist_items", rows)
            self.versions[kind] = (
                number,
                [(row["id"], row["prompt"], row["item_type"], row["default_severity"]) for row in rows],
            )

    def _locations(self, start: datetime) -> None:
        kinds, weights = list(KINDS), [share for share, _name, _items in KINDS.values()]
        rows = []
        for location_id in range(1, LOCATIONS + 1):
            site = self.sites[(location_id - 1) % SITES]
            kind = "floor" if location_id == 1 else self.rng.choices(kinds, weights)[0]
            building, floor = f"{self.rng.randint(1, 12)}栋", f"{self.rng.randint(1, 33)}F"
            unit = f"{floor[:-1]}0{self.rng.randint(1, 8)}" if kind != "floor" else ""
            rows.append(
                {
                    "id": location_id,
                    "site_id": site,
                    "kind": kind,
                    "building": building,
                    "floor": floor,
                    "unit": unit,
                    "name": f"{building} {unit or floor}",
                    "qr_token": f"bench{location_id:07d}",
                    "short_code": f"B{location_id:05d}",
                    "qr_issued_at": start,
                    "active": True,
                    "permit_number": "",
                    "contractor": "",
                    "created_at": start,
                }
            )
            self.locations.append((location_id, site, kind))
        self._insert("locations", rows)

    def inspections(self, count: int) -> None:
        span = timedelta(days=365 * YEARS).total_seconds()
        for first in range(0, count, CHUNK):
            batch = Batch()
            for _ in range(min(CHUNK, count - first)):
                location = self.rng.choice(self.locations)
                when = self.now - timedelta(seconds=self.rng.uniform(3600, span))
                self._inspection(batch, location, when, failing=None)
            self.write(batch)
            if (first // CHUNK) % 20 == 0:
                print(f"  {first + CHUNK:,} inspections", file=sys.stderr)

    def hot_location(self) -> None:
        """Location 1 gets 30 recent rounds with ten findings each: 300 open tasks at one place."""
        batch = Batch()
        for round_number in range(HOT_TASKS // 10):
            when = self.now - timedelta(hours=4 * round_number + 1)
            self._inspection(batch, self.locations[0], when, failing=10)
        self.write(batch)

    def _inspection(self, batch: Batch, location: tuple[int, int, str], when: datetime, failing: int | None) -> None:
        location_id, site, kind = location
        version_id, items = self.versions[kind]
        self.inspection_id += 1
        inspector = self.rng.choice(self.butlers[site])
        duration = self.rng.randint(60, 900)
        batch.inspections.append(
            {
                "id": self.inspection_id,
                "client_id": f"bench-{self.inspection_id}",
                "status": "submitted",
                "location_id": location_id,
                "checklist_version_id": version_id,
                "inspector_id": inspector,
                "scanned_at": when - timedelta(seconds=duration),
                "submitted_at": when,
                "duration_seconds": duration,
                "updated_at": when,
            }
        )
        self._visit(batch, location, when - timedelta(seconds=duration), self.inspection_id)
        for position, (item_id, prompt, item_type, severity) in enumerate(items):
            self.answer_id += 1
            finding = position < failing if failing is not None else self.rng.random() < FINDING_RATE
            batch.answers.append(
                {
                    "id": self.answer_id,
                    "inspection_id": self.inspection_id,
                    "item_id": item_id,
                    "value_text": None if item_type == "rating" else ("fail" if finding else "pass"),
                    "value_number": (2.0 if finding else 4.0) if item_type == "rating" else None,
                    "is_finding": finding,
                    "note": "",
                    "severity": None,
                    "answered_at": when,
                }
            )
            if finding:
                self._task(batch, location, inspector, prompt, severity, when, keep_open=failing is not None)

    def _task(
        self, batch: Batch, location, inspector: int, prompt: str, severity: str, when: datetime, keep_open: bool
    ) -> None:
        location_id, site, _kind = location
        self.task_id += 1
        age = self.now - when
        closed = not keep_open and (age > timedelta(days=30) or self.rng.random() < 0.6)
        status = "closed" if closed else self.rng.choice(("open", "assigned", "fixed"))
        hours_open = self.rng.uniform(1, min(240, age.total_seconds() / 3600))
        closed_at = when + timedelta(hours=hours_open) if closed else None
        supervisor = self.supervisors[(site - 1) % len(self.supervisors)]
        batch.tasks.append(
            {
                "id": self.task_id,
                "site_id": site,
                "location_id": location_id,
                "inspection_id": self.inspection_id,
                "answer_id": self.answer_id,
                "title": f"{prompt}：不合格",
                "detail": "",
                "severity": severity,
                "status": status,
                "assignee_id": supervisor if status != "open" else None,
                "raised_by_id": inspector,
                "due_at": when + timedelta(hours=DUE_HOURS[severity]),
                "created_at": when,
                "closed_at": closed_at,
            }
        )
        self.event_id += 1
        batch.events.append(
            {
                "id": self.event_id,
                "task_id": self.task_id,
                "kind": "created",
                "actor_id": inspector,
                "note": "",
                "created_at": when,
            }
        )
        if closed:
            self.event_id += 1
            batch.events.append(
                {
                    "id": self.event_id,
                    "task_id": self.task_id,
                    "kind": "recheck_passed",
                    "actor_id": supervisor,
                    "note": "",
                    "created_at": closed_at,
                }
            )

    def _visit(self, batch: Batch, location, scanned: datetime, inspection_id: int | None) -> None:
        """The round this visit counts toward (none when it came after the hour's grace: an extra)."""
        location_id, site, kind = location
        due = scanned.astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)
        local = due.hour
        if not 8 <= local <= 20 or (location_id, due) in self.slots:
            return
        if inspection_id is None:
            status = self.rng.choice(("missed", "missed", "missed", "explained", "excused"))
        elif scanned - due < WINDOW:
            status = "on_time"
        elif scanned - due < WINDOW + GRACE:
            status = "late"
        else:
            return
        self.slots.add((location_id, due))
        self.visit_id += 1
        schedule_id = self.schedule_of(site, kind)
        noted = status in ("explained", "excused")
        batch.visits.append(
            {
                "id": self.visit_id,
                "site_id": site,
                "schedule_id": schedule_id,
                "schedule_version_id": schedule_id,
                "location_id": location_id,
                "checklist_id": list(KINDS).index(kind) + 1,
                "local_day": due.date(),
                "due_at": due.astimezone(UTC),
                "window_end": (due + WINDOW).astimezone(UTC),
                "grace_end": (due + WINDOW + GRACE).astimezone(UTC),
                "responsible_role": "butler",
                "status": "missed" if status == "explained" else status,
                "inspection_id": inspection_id,
                "done_at": scanned if inspection_id else None,
                "missed_at": None if inspection_id else (due + WINDOW + GRACE).astimezone(UTC),
                "missed_alerted_at": None if inspection_id else (due + WINDOW + GRACE).astimezone(UTC),
                "note": "电梯维保，楼层封闭" if noted else "",
                "noted_by_id": self.supervisors[(site - 1) % len(self.supervisors)] if noted else None,
                "noted_at": (due + timedelta(hours=2)).astimezone(UTC) if noted else None,
                "created_at": (due - timedelta(days=1)).astimezone(UTC),
            }
        )

    def missed_visits(self, count: int) -> None:
        """Rounds nobody did, over the same two years (the visits' own rows: no inspection)."""
        span = timedelta(days=365 * YEARS).total_seconds()
        batch = Batch()
        for _ in range(count):
            when = self.now - timedelta(seconds=self.rng.uniform(3 * 3600, span))
            self._visit(batch, self.rng.choice(self.locations), when, None)
            if len(batch.visits) == 20_000:
                self.write(batch)
                batch = Batch()
        self.write(batch)

    def write(self, batch: Batch) -> None:
        for table, rows in (
            ("inspections", batch.inspections),
            ("answers", batch.answers),
            ("tasks", batch.tasks),
            ("task_events", batch.events),
            ("expected_visits", batch.visits),
        ):
            self._insert(table, rows)

    def audit_log(self, count: int) -> None:
        """Setup changes over the same two years, oldest first as they would have been written."""
        from patrol.vocabulary import AUDIT_ACTIONS

        actions = [action for action in AUDIT_ACTIONS if action.startswith(("location.", "qr.", "site.updated"))]
        span = timedelta(days=365 * YEARS).total_seconds()
        times = sorted(self.now - timedelta(seconds=self.rng.uniform(60, span)) for _ in range(count))
        rows = []
        for when in times:
            self.audit_id += 1
            location_id, site, _kind = self.rng.choice(self.locations)
            rows.append(
                {
                    "id": self.audit_id,
                    "actor_id": 1,
                    "action": self.rng.choice(actions),
                    "target_type": "Location",
                    "target_id": location_id,
                    "target_label": f"点位 {location_id}",
                    "site_id": site,
                    "details": {},
                    "created_at": when,
                }
            )
            if len(rows) == 20_000:
                self._insert("audit_events", rows)
                rows = []
        self._insert("audit_events", rows)

    def finish(self) -> None:
        """PostgreSQL's sequences catch up with the ids given here, and its planner gets statistics
        (autovacuum would gather them soon after such a load). SQLite is left as it is in production."""
        if self.db.engine.dialect.name != "postgresql":
            return
        with self.db.engine.begin() as connection:
            for table in (
                "sites",
                "users",
                "checklists",
                "checklist_versions",
                "checklist_items",
                "checklist_assignments",
                "locations",
                "inspections",
                "answers",
                "tasks",
                "task_events",
                "audit_events",
                "schedules",
                "schedule_versions",
                "expected_visits",
            ):
                top = connection.scalar(select(func.max(self.tables[table].c.id)))
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {top or 1})"))
        with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


class Batch:
    def __init__(self):
        self.inspections: list[dict] = []
        self.answers: list[dict] = []
        self.tasks: list[dict] = []
        self.events: list[dict] = []
        self.visits: list[dict] = []


if __name__ == "__main__":
    main()
