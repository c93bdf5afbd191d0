"""A model room's day for its steward (seed 000): the opening count from 08:00, the hourly count by
day, the closing count from 18:00 — three checklists at one room, each with its own schedule.

`model_room_day(make, opening=...)` takes the local times, so a browser test can set them around the
real clock; the service and view tests use the fixture day of tests/rounds_scene.
"""

from __future__ import annotations

from dataclasses import dataclass

from patrol.models import ChecklistVersion, Location, User
from patrol.setup.catalogue import passfail
from tests.rounds_scene import Scene, build

OPENING, HOURLY, CLOSING = "样板间 开馆清点", "样板间 每小时清点", "样板间 闭馆清点"


@dataclass
class ModelRoomDay:
    scene: Scene
    room: Location
    steward: User
    checklists: dict[str, ChecklistVersion]


def model_room_day(
    make, *, opening: str = "08:00", hourly: tuple[str, str] = ("09:00", "17:00"), closing: str = "18:00"
) -> ModelRoomDay:
    """The room, its steward, and the three schedules given to the stewards (an hour on time each,
    half an hour for the hourly count); the checklists are listed closing, hourly, opening."""
    scene = build(make, rooms=1)
    site = scene.site
    room = make.location(site, "model_room", name="样板间A", active_since=scene.rooms[0].active_since)
    steward = make.user("steward", [site], username=f"steward{site.id}")
    checklists = {
        name: make.checklist([passfail(f"{name}：物品齐全")], name=name, location=room)
        for name in (CLOSING, HOURLY, OPENING)
    }
    for name, start, end, recurrence, window in (
        (OPENING, opening, "", "daily", 60),
        (HOURLY, hourly[0], hourly[1], "hourly", 30),
        (CLOSING, closing, "", "daily", 60),
    ):
        scene.schedule(
            name=name,
            checklist=str(checklists[name].checklist_id),
            scope="picked",
            locations=[str(room.id)],
            recurrence=recurrence,
            start_time=start,
            end_time=end,
            window_minutes=window,
            responsible_role="steward",
        )
    return ModelRoomDay(scene, room, steward, checklists)
