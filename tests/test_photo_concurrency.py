"""A photo being processed holds no database lock: other people keep saving, and the same picture
uploaded twice at once is stored once.

Each phone runs in a thread of its own with its own test client, so every request gets its
own app context, session and connection, as in a threaded server. The decode is held on an
Event (not a timer) to make the interleaving deterministic; waits have generous timeouts that
only stop a hung test.
"""

from __future__ import annotations

import threading
import time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, insert, select, text

from patrol.extensions import db
from patrol.inspections import photos as evidence
from patrol.models import Location, Photo, User, answer_photos
from patrol.photos.processing import PixelLimits, process_photo
from tests import factories
from tests.conftest import Browser
from tests.phone import answer, failed_item_awaiting_photo, noisy_jpeg, scan, stored, text_of, upload

HUNG = 30  # seconds: only ever reached when something deadlocked


class InThread(threading.Thread):
    """Runs one request in a thread and keeps its response (or the exception) for the test."""

    def __init__(self, request):
        super().__init__(daemon=True)
        self.request, self.response, self.error = request, None, None

    def run(self):
        try:
            self.response = self.request()
        except BaseException as error:  # noqa: BLE001 - handed to the test, which re-raises it
            self.error = error

    def result(self):
        self.join(HUNG)
        assert not self.is_alive(), "the request never finished"
        if self.error is not None:
            raise self.error
        return self.response


def signed_in(app, username: str) -> Browser:
    phone = Browser(app.test_client())
    assert phone.login(username).status_code in (302, 303)
    return phone


def person_on_site(app, scene, username: str) -> str:
    with app.app_context():
        site = db.session.get(Location, scene.location_id).site
        return factories.user("butler", sites=[site], username=username, locale="en").username


class HeldDecode:
    """Every photo decode notes whether a transaction is open, says it started, and waits to be let go."""

    def __init__(self, decode):
        self.decode, self.started, self.release = decode, threading.Semaphore(0), threading.Event()
        self.open_transactions: list[bool] = []

    def __call__(self, *args, **kwargs):
        self.open_transactions.append(db.session().in_transaction())
        self.started.release()
        assert self.release.wait(HUNG), "the test never let the decode go"
        return self.decode(*args, **kwargs)

    def wait_until_started(self) -> None:
        assert self.started.acquire(timeout=HUNG), "the upload never reached its decode"


@pytest.fixture
def held_decode(monkeypatch) -> HeldDecode:
    held = HeldDecode(evidence.process_photo)
    monkeypatch.setattr(evidence, "process_photo", held)
    return held


def test_another_persons_answer_saves_while_a_photo_is_being_processed(app, butler, scene, held_decode):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    colleague = signed_in(app, person_on_site(app, scene, "colleague"))
    colleague_form = scan(colleague, scene)
    uploading = InThread(lambda: upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg"))
    uploading.start()
    held_decode.wait_until_started()

    # The upload is mid-decode now. Holding SQLite's write lock, it made these wait 5 s and fail.
    saved = answer(colleague, scene, colleague_form, scene.item_ids[1], "pass")
    newcomer = person_on_site(app, scene, "newcomer")
    signing_in = Browser(app.test_client()).login(newcomer)

    assert saved.status_code == 200
    assert signing_in.status_code == 303
    assert held_decode.open_transactions == [False]  # not even a read was left open
    assert uploading.is_alive() and stored(app)["photos"] == 0  # still being processed
    held_decode.release.set()
    assert uploading.result().status_code == 200
    assert stored(app)["photos"] == 1


def test_same_picture_uploaded_to_two_drafts_at_once_is_stored_once(app, butler, scene, held_decode):
    form, item_id = failed_item_awaiting_photo(butler, scene)
    colleague = signed_in(app, person_on_site(app, scene, "colleague"))
    colleague_form, _ = failed_item_awaiting_photo(colleague, scene)
    picture = noisy_jpeg()
    uploads = [
        InThread(lambda: upload(butler, scene, form, item_id, picture, "door.jpg")),
        InThread(lambda: upload(colleague, scene, colleague_form, item_id, picture, "door.jpg")),
    ]
    for thread in uploads:
        thread.start()
    for _ in uploads:  # both have read and checked, and are decoding: their inserts come together
        held_decode.wait_until_started()

    held_decode.release.set()

    assert [thread.result().status_code for thread in uploads] == [200, 200]
    after = stored(app)
    assert (after["photos"], after["answer_photos"], len(after["files"])) == (1, 2, 2)


class LockWatch:
    """Tells when one thread has run the statement that must wait for another transaction's lock.

    On SQLite that is its BEGIN IMMEDIATE (the other holds the database's write lock); on
    PostgreSQL the statement given, and then pg_locks shows the wait itself.
    """

    def __init__(self, engine, postgres_statement: str):
        self.engine, self.thread, self.started = engine, None, threading.Event()
        self.postgres = engine.dialect.name == "postgresql"
        self.marker = postgres_statement if self.postgres else "BEGIN IMMEDIATE"

    def _note(self, _conn, _cursor, statement, *_args):
        if threading.current_thread() is self.thread and self.marker in statement:
            self.started.set()

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._note)

    def start(self, thread: threading.Thread) -> None:
        self.thread = thread
        thread.start()

    def wait_until_blocked(self) -> None:
        assert self.started.wait(HUNG), "the thread never reached the statement"
        if not self.postgres:
            return  # SQLite waits inside BEGIN IMMEDIATE: nothing to watch from outside
        with self.engine.connect() as watcher:
            for _ in range(HUNG * 20):
                if watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid IN "
                        "(SELECT pid FROM pg_stat_activity WHERE datname = current_database())"
                    )
                ).scalar():
                    return
                watcher.rollback()
                time.sleep(0.05)
        raise AssertionError("the thread never waited for the other transaction's lock")


def engine_of(app):
    with app.app_context():
        return db.engine


def test_a_row_another_upload_inserts_meanwhile_is_used_not_refused(app, butler, scene):
    """The PostgreSQL UniqueViolation: their insert of the same hash commits while ours waits on it."""
    form, item_id = failed_item_awaiting_photo(butler, scene)
    picture = noisy_jpeg()
    photo = process_photo(picture, zone=ZoneInfo("Asia/Shanghai"), max_bytes=10**7, pixels=PixelLimits(10**8, 10**7))
    with app.app_context():
        uploader = db.session.scalar(select(User.id).where(User.username == scene.username))
        db.session.remove()
    engine = engine_of(app)
    with engine.connect() as other, LockWatch(engine, "INSERT INTO photos") as watch:
        transaction = other.begin()
        other.execute(
            insert(Photo).values(
                sha256=photo.sha256,
                width=photo.width,
                height=photo.height,
                byte_size=len(photo.full),
                uploaded_by_id=uploader,
            )
        )
        uploading = InThread(lambda: upload(butler, scene, form, item_id, picture, "door.jpg"))
        watch.start(uploading)
        watch.wait_until_blocked()
        transaction.commit()  # the other upload's row lands while ours waits to insert the same hash
        response = uploading.result()

    assert response.status_code == 200, text_of(response)
    after = stored(app)
    assert (after["photos"], after["answer_photos"], len(after["files"])) == (1, 1, 2)


def test_a_release_racing_an_attach_of_the_same_picture_leaves_it_whole(app, butler, scene, monkeypatch):
    """A photo nothing links is being released just as someone attaches the same picture again."""
    form, item_id = failed_item_awaiting_photo(butler, scene)
    upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")
    with app.app_context():
        photo_id = db.session.scalar(select(Photo.id))
        db.session.execute(answer_photos.delete())  # unlinked, as a cleared answer leaves it
        db.session.commit()
        db.session.remove()
    claimed, release = threading.Event(), threading.Event()
    original = evidence.keep_photo

    def held(*args, **kwargs):
        kept = original(*args, **kwargs)  # the row is locked for this attach now
        claimed.set()
        assert release.wait(HUNG), "the test never let the attach go"
        return kept

    def release_it():
        with app.app_context():
            try:
                return evidence.release_photos([photo_id], app.config["PATROL_PHOTO_DIR"])
            finally:
                db.session.remove()

    monkeypatch.setattr(evidence, "keep_photo", held)
    attaching = InThread(lambda: upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg"))
    attaching.start()
    assert claimed.wait(HUNG), "the attach never claimed the photo"
    with LockWatch(engine_of(app), "FOR UPDATE") as watch:
        releasing = InThread(release_it)
        watch.start(releasing)
        watch.wait_until_blocked()
        release.set()
        assert attaching.result().status_code == 200
        assert releasing.result() == []  # it waited for the attach, then found the photo in use

    after = stored(app)
    assert (after["photos"], after["answer_photos"], len(after["files"])) == (1, 1, 2)


def test_upload_when_every_decode_slot_stays_taken_is_answered_busy(app, butler, scene, monkeypatch):
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setitem(app.extensions, "patrol.photo_decodes", slots)
    monkeypatch.setitem(app.config, "PATROL_PHOTO_DECODE_WAIT", 0)
    form, item_id = failed_item_awaiting_photo(butler, scene)
    slots.acquire()  # another upload is being decoded

    response = upload(butler, scene, form, item_id, noisy_jpeg(), "door.jpg")

    slots.release()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json["title"] == "The server is busy"
    assert response.json["message"].endswith("Wait a few seconds and send this photo again.")
    after = stored(app)
    assert (after["photos"], after["answer_photos"], after["files"]) == (0, 0, [])
