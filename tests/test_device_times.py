"""The phone's times (patrol/inspections/visit_times.py): an inspection sent late keeps when it happened
on the phone; a phone's clock off by more than the allowed skew is corrected and marked; times that
cannot be true are marked, never a 500; a phone that sends no times gets the server's, marked so.

The server's clock is moved by hand (visit_times.server_now): the outbox sends hours later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from patrol.extensions import db
from patrol.inspections import visit_times
from patrol.models import Answer, Inspection
from tests.phone import answer, submit, text_of

# Served: when the test scans; the butler opens the page a minute later, answers, completes ten
# minutes after the scan, and the outbox sends it all two hours after that.
OPENED = timedelta(minutes=1)
ANSWERED = timedelta(minutes=3)
COMPLETED = timedelta(minutes=11)
SENT = timedelta(hours=2, minutes=11)


@pytest.fixture
def server_clock(monkeypatch):
    """The server's clock, set by the test."""
    clock = {"now": None}
    monkeypatch.setattr(visit_times, "server_now", lambda: clock["now"])
    return clock


def ms(at: datetime) -> str:
    return str(int(at.timestamp() * 1000))


def scanned(butler, scene) -> tuple[dict[str, str], datetime]:
    """The checklist as the server serves it, and when (to the second: the stamp's precision)."""
    served = datetime.now(UTC).replace(microsecond=0)
    page = butler.get(f"/c/{scene.token}")
    assert page.status_code == 200
    form = dict(client_id=_field(page, "client_id"), opened=_field(page, "opened"))
    return form, served


def _field(page, name: str) -> str:
    html = page.get_data(as_text=True)
    start = html.index(f'name="{name}" value="') + len(f'name="{name}" value="')
    return html[start : html.index('"', start)]


def sent_late(butler, scene, server_clock, served: datetime, form: dict, *, phone_behind=timedelta(0), **times):
    """The whole round sent by the outbox two hours later: one answer, then the submit.

    `phone_behind`: how far the phone's clock is behind the server's. `times` overrides the phone's
    times given to the server (None leaves a field out, as an old page would).
    """
    door, bins, lights = scene.item_ids
    on_phone = {
        "scanned_at": served + OPENED - phone_behind,
        "answered_at": served + ANSWERED - phone_behind,
        "completed_at": served + COMPLETED - phone_behind,
        "sent_at": served + SENT - phone_behind,
        **times,
    }
    fields = {name: ms(at) if isinstance(at, datetime) else at for name, at in on_phone.items() if at is not None}
    server_clock["now"] = served + SENT
    shared = {**form, **{k: fields[k] for k in ("scanned_at", "sent_at") if k in fields}}
    answered = {"answered_at": fields["answered_at"]} if "answered_at" in fields else {}
    assert answer(butler, scene, shared, door, "pass", seq=1, **answered).status_code == 200
    server_clock["now"] = served + SENT + timedelta(seconds=2)
    completed = {"completed_at": fields["completed_at"]} if "completed_at" in fields else {}
    sent = submit(butler, scene, {**shared, **completed}, {bins: "pass", lights: "pass"}, seq=2)
    assert sent.status_code == 200, sent.get_data(as_text=True)
    return sent.json["url"]


def stored(app, item_id: int) -> tuple[Inspection, Answer]:
    with app.app_context():
        inspection = db.session.scalar(select(Inspection))
        answer = db.session.scalar(select(Answer).where(Answer.item_id == item_id))
        db.session.expunge_all()
        return inspection, answer


def test_a_round_sent_late_keeps_the_phone_s_times_within_the_skew(app, butler, scene, server_clock):
    form, served = scanned(butler, scene)
    url = sent_late(butler, scene, server_clock, served, form, phone_behind=timedelta(minutes=4))

    inspection, answer = stored(app, scene.item_ids[0])
    # Four minutes off is within the skew: the phone's times as they are.
    behind = timedelta(minutes=4)
    assert inspection.scanned_at == served + OPENED - behind
    assert inspection.submitted_at == served + COMPLETED - behind
    assert inspection.duration_seconds == 10 * 60
    assert inspection.received_at == served + SENT + timedelta(seconds=2)
    assert answer.answered_at == served + ANSWERED - behind
    assert (inspection.clock_flag, inspection.clock_offset_seconds) == (None, 4 * 60 + 2)
    page = text_of(butler.get(url))
    assert "Took</dt><dd data-visit-duration>10 min 0 s" in page
    assert "Reached the server" in page and "data-clock-note" not in page


def test_a_clock_off_beyond_the_skew_is_corrected_by_its_offset_and_marked(app, butler, scene, server_clock):
    form, served = scanned(butler, scene)
    url = sent_late(butler, scene, server_clock, served, form, phone_behind=timedelta(hours=3))

    inspection, answer = stored(app, scene.item_ids[0])
    assert inspection.scanned_at == served + OPENED
    assert inspection.submitted_at == served + COMPLETED + timedelta(seconds=2)  # the submit's own offset
    assert answer.answered_at == served + ANSWERED
    assert inspection.received_at == served + SENT + timedelta(seconds=2)
    assert (inspection.clock_flag, inspection.clock_offset_seconds) == ("corrected", 3 * 3600 + 2)
    page = text_of(butler.get(url))
    assert "This phone's clock was 3 h 0 min behind. The times shown are corrected." in page


def test_a_phone_that_sends_no_times_gets_the_server_s_marked_as_such(app, butler, scene, server_clock):
    form, served = scanned(butler, scene)
    none = dict.fromkeys(("scanned_at", "answered_at", "completed_at", "sent_at"))
    url = sent_late(butler, scene, server_clock, served, form, **none)

    inspection, answer = stored(app, scene.item_ids[0])
    # The scan is the stamp the page carried; the completion, when the submit arrived.
    assert served <= inspection.scanned_at <= served + timedelta(seconds=2)
    assert inspection.submitted_at == inspection.received_at == served + SENT + timedelta(seconds=2)
    assert answer.answered_at == served + SENT
    assert (inspection.clock_flag, inspection.clock_offset_seconds) == ("server", None)
    page = text_of(butler.get(url))
    assert "These are the server's times: this phone did not send its own." in page
    assert "cannot be right" not in page


@pytest.mark.parametrize(
    "times",
    [
        {"scanned_at": "SERVED+1d"},  # in the future
        {"scanned_at": "SERVED-3h"},  # before the page was served
        {"completed_at": "SERVED-0h"},  # before the scan: a negative duration
        {"scanned_at": "99999999999999999", "completed_at": "junk"},  # not a time at all
    ],
)
def test_times_that_cannot_be_true_are_marked_not_a_500(app, butler, scene, server_clock, times):
    form, served = scanned(butler, scene)
    shifts = {"SERVED+1d": timedelta(days=1), "SERVED-3h": -timedelta(hours=3), "SERVED-0h": timedelta(0)}
    given = {name: served + shifts[value] if value in shifts else value for name, value in times.items()}
    url = sent_late(butler, scene, server_clock, served, form, **given)

    inspection, _answer = stored(app, scene.item_ids[0])
    assert inspection.clock_flag == "implausible"
    assert served <= inspection.scanned_at <= inspection.submitted_at <= inspection.received_at
    assert inspection.duration_seconds >= 0
    page = text_of(butler.get(url))
    assert "This phone sent times that cannot be right (check its date and time)." in page
