"""What the app writes to disk is readable by its own account only, whatever umask it was started with."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from patrol import create_app
from patrol.extensions import db
from tests.phone import failed_item_awaiting_photo, noisy_jpeg, upload

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask():
    """The umask most servers start with: on its own it leaves new files readable by everyone."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_demo_s_instance_folder_secret_key_and_database_are_private(tmp_path, monkeypatch, usual_umask):
    instance = tmp_path / "instance"
    monkeypatch.setenv("PATROL_DEMO", "1")
    monkeypatch.setenv("PATROL_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    demo = create_app()
    with demo.app_context():
        with db.engine.begin() as connection:  # a write: SQLite opens its -wal and -shm files
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
            database = Path(db.engine.url.database)
            files = [instance / "secret_key", database, Path(f"{database}-wal"), Path(f"{database}-shm")]
            modes = {path.name: mode(path) for path in files}
        db.engine.dispose()

    assert mode(instance) == PRIVATE_DIR
    assert database.parent == instance
    assert modes == {path.name: PRIVATE_FILE for path in files}


def test_photos_and_their_folders_are_private(app, butler, scene, usual_umask):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    assert upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg").status_code == 200

    root = Path(app.config["PATROL_PHOTO_DIR"])
    stored = sorted(path for path in root.rglob("*") if path.is_file())
    assert len(stored) == 2  # the picture and its thumbnail
    assert {mode(path) for path in stored} == {PRIVATE_FILE}
    assert {mode(folder) for folder in (root, *{path.parent for path in stored})} == {PRIVATE_DIR}


def test_a_sheet_waiting_to_be_imported_is_private(app, browser, make, usual_umask):
    site = make.site("花园")
    make.user("admin", username="boss", locale="en")
    browser.login("boss")
    sheet = "building,floor,unit,name,kind,checklist\n1栋,1,,1栋 1F,floor,\n".encode()
    uploaded = browser.post(
        "/admin/locations/import", data={"site_id": str(site.id), "file": (io.BytesIO(sheet), "a.csv")}
    )
    assert uploaded.status_code == 303

    upload_id = uploaded.location.rstrip("/").rsplit("/", 1)[-1]
    folder = Path(app.instance_path) / "imports"
    kept = sorted(folder.glob(f"{upload_id}.*"))
    assert [path.suffix for path in kept] == [".json", ".upload"]  # who uploaded it for which site; the sheet
    assert mode(folder) == PRIVATE_DIR and {mode(path) for path in kept} == {PRIVATE_FILE}
