"""The period a report covers: a day, an ISO week or a calendar month of a site's local days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

KINDS = ("day", "week", "month")


@dataclass(frozen=True)
class Period:
    kind: str
    first: date
    last: date

    @classmethod
    def around(cls, kind: str, day: date) -> Period:
        """The day, the week (Monday to Sunday) or the month holding `day`."""
        if kind == "week":
            first = day - timedelta(days=day.weekday())
            return cls(kind, first, first + timedelta(days=6))
        if kind == "month":
            first = day.replace(day=1)
            following = (first + timedelta(days=32)).replace(day=1)
            return cls(kind, first, following - timedelta(days=1))
        return cls("day", day, day)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as UTC instants: the site's local midnight opening the first day and closing the last."""
        start = datetime(self.first.year, self.first.month, self.first.day, tzinfo=zone)
        after = self.last + timedelta(days=1)
        end = datetime(after.year, after.month, after.day, tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def before(self) -> Period:
        return Period.around(self.kind, self.first - timedelta(days=1))

    def after(self) -> Period:
        return Period.around(self.kind, self.last + timedelta(days=1))
