"""SQLite is set up for several phones writing at once; timestamps come back as UTC on any database."""

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text

from patrol import create_app
from patrol.database import insert_ignoring_duplicates, utcnow
from patrol.extensions import db
from patrol.models import Site
from tests.conftest import TEST_BASE_URL, TEST_SECRET


def sqlite_app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "PATROL_BASE_URL": TEST_BASE_URL,
            "PATROL_PHOTO_DIR": str(tmp_path / "p"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'own.sqlite3'}",
        }
    )
    with app.app_context():
        db.create_all()
    return app


def test_sqlite_runs_in_wal_with_a_busy_timeout_and_normal_sync(tmp_path):
    app = sqlite_app(tmp_path)
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
        db.engine.dispose()


def test_concurrent_writers_all_succeed_on_sqlite(tmp_path):
    """Each writer reads then writes; with a deferred BEGIN some would fail with 'database is locked'."""
    app = sqlite_app(tmp_path)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        with app.app_context():
            try:
                for i in range(15):
                    existing = db.session.scalar(select(func.count()).select_from(Site))
                    db.session.add(Site(name=f"w{n}-{i}-{existing}"))
                    db.session.commit()
            except BaseException as error:  # noqa: BLE001 - collected and asserted below
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert failures == []
        assert db.session.scalar(select(func.count()).select_from(Site)) == 60
        db.session.remove()
        db.engine.dispose()


def test_times_round_trip_as_aware_utc(make):
    site = make.site()
    moment = datetime(2026, 11, 24, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    site.created_at = moment
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Site, site.id).created_at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == moment


def test_an_insert_skipping_duplicates_counts_only_the_rows_it_inserted(make):
    def sites(*ids):
        return [{"id": i, "name": f"项目{i}", "timezone": "Asia/Shanghai", "created_at": utcnow()} for i in ids]

    first = make.site()
    assert insert_ignoring_duplicates(Site, sites(first.id + 1, first.id + 2), unique=["id"]) == 2
    assert insert_ignoring_duplicates(Site, sites(first.id, first.id + 2, first.id + 3), unique=["id"]) == 1
    assert insert_ignoring_duplicates(Site, sites(first.id + 3), unique=["id"]) == 0
