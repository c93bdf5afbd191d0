"""A calendar month on a site's clock: its days, its bounds in UTC, its neighbours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
YEARS = (2000, 2999)  # what a link may ask for; anything else is not a month of this app's records


@dataclass(frozen=True, order=True)
class Month:
    first: date  # its first day

    @classmethod
    def parse(cls, text: str | None) -> Month | None:
        """ "2026-03" as a month, or None for anything else."""
        match = MONTH.fullmatch(text or "")
        if match is None:
            return None
        year, month = int(match.group(1)), int(match.group(2))
        if not (YEARS[0] <= year <= YEARS[1] and 1 <= month <= 12):
            return None
        return cls(date(year, month, 1))

    @classmethod
    def of(cls, moment: datetime, zone: ZoneInfo) -> Month:
        """The month `moment` falls in on this clock."""
        return cls(moment.astimezone(zone).date().replace(day=1))

    @property
    def next(self) -> Month:
        return Month((self.first + timedelta(days=31)).replace(day=1))

    @property
    def previous(self) -> Month:
        return Month((self.first - timedelta(days=1)).replace(day=1))

    @property
    def last(self) -> date:
        return self.next.first - timedelta(days=1)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: from local midnight of its first day to local midnight of the next month's."""
        return _midnight(self.first, zone), _midnight(self.next.first, zone)

    def __str__(self) -> str:
        return self.first.strftime("%Y-%m")


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
