"""What a kind of export is, the registry create_app hands over, and reading rows a chunk at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import current_app
from sqlalchemy import Select

from patrol.extensions import db
from patrol.models import User
from patrol.paging import Keyset

REGISTRY = "patrol.export_kinds"
CHUNK = 500  # rows read at once; the identity map holds one chunk (they are let go once written)


@dataclass
class Table:
    """One sheet of an .xlsx (one .csv file): its title and header in the reader's language, and its rows.

    A row's cells are text, whole numbers, decimals, naive local datetimes or None."""

    title: str
    header: list[str]
    rows: Iterable[list]


class Kind(Protocol):
    """A kind of export: one small module of patrol.presenters and one entry in its KINDS."""

    # What the person must be allowed (a key of patrol.access.PERMISSIONS), or None: anyone signed in.
    permission: str | None
    formats: tuple[str, ...]

    def read_params(self, args: Mapping, user: User) -> dict:
        """The filter asked for, as far as this person may ask it (raises Refused when they may not):
        what is stored, and read again with this when the export is built."""

    def file_stem(self, params: dict, user: User, now: datetime) -> str:
        """The download's name without its extension, in the reader's language."""

    def tables(self, params: dict, user: User, now: datetime, fmt: str) -> Iterator[Table]:
        """The tables, in order; their rows are read lazily, a chunk at a time."""


def use_kinds(app, kinds: Mapping[str, Kind]) -> None:
    app.extensions[REGISTRY] = dict(kinds)


def kinds() -> dict[str, Kind]:
    return current_app.extensions[REGISTRY]


def in_chunks(query: Select, key: Keyset, size: int | None = None) -> Iterator[list]:
    """The rows of `query` in `key`'s order, a list of at most `size` at a time: each chunk continues
    after the last row of the one before (one indexed query a chunk, however deep), and its rows leave
    the session once the next is asked for."""
    size = size or CHUNK
    last = None
    while True:
        page = query if last is None else query.where(key.beyond(last))
        rows = list(db.session.scalars(page.order_by(*key.order()).limit(size)).unique())
        if not rows:
            return
        yield rows
        last = tuple(getattr(rows[-1], column.key) for column in key.columns)
        for row in rows:
            db.session.expunge(row)
        if len(rows) < size:
            return
