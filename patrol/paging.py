"""One page of a list, and the two ways services fetch one: by offset, or after a key (keyset).

Every list page returns a `Page`, and `templates/_pager.html` turns it into previous/next links.

- `offset_page` suits lists that stay small (sites, people, checklists, schedules, locations):
  it counts the rows, so the pager can say "page 2 of 7".
- `keyset_page` suits lists that grow without end (closed tasks, the audit log): a link carries
  the sort key of the row it continues from, so page 100 costs what page 1 costs. A page number
  without a key (an old bookmark) still works, by offset.

Both fetch one row more than a page to know whether there is a next one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from math import ceil
from typing import Any, Generic, TypeVar

from sqlalchemy import DateTime, Select, func, select, tuple_

from patrol.extensions import db
from patrol.validation import MAX_ID

T = TypeVar("T")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A key is whole numbers joined by dots: a time as microseconds since 1970, then the row's id.
CURSOR = re.compile(r"-?[0-9]{1,19}(?:\.-?[0-9]{1,19}){0,3}")


@dataclass(frozen=True)
class Page(Generic[T]):
    """The rows of one page and what the pager needs to link to its neighbours."""

    rows: list[T]
    number: int = 1
    size: int = 30
    total: int | None = None  # rows in the whole list, when counting them is cheap
    has_prev: bool = False
    has_next: bool = False
    prev_cursor: str | None = None  # keyset lists: the key of the first row, to go back from
    next_cursor: str | None = None  # keyset lists: the key of the last row, to go on from

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, ceil(self.total / self.size))

    def link(self, to: str, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The query arguments of the previous ("prev") or next ("next") page, with the list's filters kept."""
        kept = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
        if to == "next":
            cursor = {"after": self.next_cursor} if self.next_cursor else {}
            return {**kept, "page": self.number + 1, **cursor}
        if self.number <= 2:  # the first page has one address, without a number or a key
            return kept
        cursor = {"before": self.prev_cursor} if self.prev_cursor else {}
        return {**kept, "page": self.number - 1, **cursor}

    def map(self, convert: Callable[[Any], Any]) -> Page:
        """The same page with each row converted (e.g. result tuples into a service's row objects)."""
        return replace(self, rows=[convert(row) for row in self.rows])

    def __iter__(self) -> Iterator[T]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


def count_rows(query: Select) -> int:
    """How many rows `query` returns (its order and loader options play no part)."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def fetch_scalars(query: Select) -> list:
    return list(db.session.scalars(query))


def fetch_rows(query: Select) -> list:
    return list(db.session.execute(query).all())


def offset_page(
    query: Select,
    *,
    number: int,
    size: int,
    count: bool | Select = True,
    fetch: Callable[[Select], Sequence] = fetch_scalars,
) -> Page:
    """Page `number` of an ordered query; a number past the end shows the last page.

    `count` may be a cheaper query with the same rows (without the joins that only add columns).
    `fetch` runs the limited query (`fetch_rows` for queries that select several things).
    """
    total = None if count is False else count_rows(query if count is True else count)
    if total is not None:
        number = min(number, max(1, ceil(total / size)))
    rows = list(fetch(query.limit(size + 1).offset((number - 1) * size)))
    return Page(rows[:size], number, size, total, has_prev=number > 1, has_next=len(rows) > size)


def page_of_list(items: Sequence[T], *, number: int, size: int) -> Page[T]:
    """A page of a list already in memory (or of ids, when the order is worked out in Python)."""
    total = len(items)
    number = min(number, max(1, ceil(total / size)))
    rows = list(items[(number - 1) * size : number * size])
    return Page(rows, number, size, total, has_prev=number > 1, has_next=number * size < total)


@dataclass(frozen=True)
class Keyset:
    """The order of a keyset list: columns that end with a unique one, all in the same direction.

    The columns must never be NULL in the rows listed, and hold times or whole numbers.
    """

    columns: tuple
    descending: bool = False

    def order(self, backwards: bool = False) -> list:
        down = self.descending != backwards
        return [column.desc() if down else column.asc() for column in self.columns]

    def beyond(self, values: tuple, backwards: bool = False):
        """The rows after `values` in this order (before them, `backwards`); one row-value comparison."""
        row, given = tuple_(*self.columns), tuple_(*values)
        return row < given if self.descending != backwards else row > given

    def encode(self, row) -> str:
        return ".".join(str(_as_number(getattr(row, column.key))) for column in self.columns)

    def decode(self, text: str | None) -> tuple | None:
        """The key in a link, or None for anything that is not one of ours (it is ignored, never a 500)."""
        if not text or not CURSOR.fullmatch(text):
            return None
        parts = [int(part) for part in text.split(".")]
        if len(parts) != len(self.columns):
            return None
        try:
            values = tuple(_from_number(column, part) for column, part in zip(self.columns, parts, strict=True))
        except (OverflowError, ValueError):
            return None
        return values


def _as_number(value) -> int:
    if isinstance(value, datetime):
        return (value - EPOCH) // timedelta(microseconds=1)
    return int(value)


def _from_number(column, number: int):
    kind = getattr(column.type, "impl_instance", column.type)  # what a TypeDecorator (UTCDateTime) stores as
    if isinstance(kind, DateTime):
        return EPOCH + timedelta(microseconds=number)
    if not 0 <= number <= MAX_ID:
        raise ValueError("not an id")
    return number


def keyset_page(
    query: Select,
    key: Keyset,
    *,
    number: int,
    size: int,
    after: str | None = None,
    before: str | None = None,
    total: int | None = None,
) -> Page:
    """Page `number` of `query` in `key`'s order, continuing after (or going back before) a row's key."""
    if total is not None:
        number = min(number, max(1, ceil(total / size)))
    if (after or before) and key.decode(after or before) is None:
        number = 1  # a key that is not one of ours: the list starts again
    if (values := key.decode(before)) is not None and number > 1:
        rows = fetch_scalars(
            query.where(key.beyond(values, backwards=True)).order_by(*key.order(backwards=True)).limit(size + 1)
        )
        if len(rows) > size:
            rows = rows[:size][::-1]
            return _keyset(key, rows, number, size, total, has_prev=True, has_next=True)
        number = 1  # back at the start: show the first page as its own link does
    elif (values := key.decode(after)) is not None:
        rows = fetch_scalars(query.where(key.beyond(values)).order_by(*key.order()).limit(size + 1))
        return _keyset(key, rows[:size], max(number, 2), size, total, has_prev=True, has_next=len(rows) > size)
    rows = fetch_scalars(query.order_by(*key.order()).limit(size + 1).offset((number - 1) * size))
    return _keyset(key, rows[:size], number, size, total, has_prev=number > 1, has_next=len(rows) > size)


def _keyset(
    key: Keyset, rows: list, number: int, size: int, total: int | None, *, has_prev: bool, has_next: bool
) -> Page:
    return Page(
        rows,
        number,
        size,
        total,
        has_prev=has_prev,
        has_next=has_next,
        prev_cursor=key.encode(rows[0]) if rows and has_prev else None,
        next_cursor=key.encode(rows[-1]) if rows and has_next else None,
    )
