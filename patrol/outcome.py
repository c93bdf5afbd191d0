"""The result a service hands back: a value, or errors keyed by the field they belong to; or, raised,
a refusal with the words to tell the person and the HTTP status to answer with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    value: T | None = None
    errors: dict[str, str] = field(default_factory=dict)
    # The HTTP status a view should answer a failure with.
    status: int = 422

    @property
    def ok(self) -> bool:
        return not self.errors

    @classmethod
    def fail(cls, errors: dict[str, str], status: int = 422) -> Outcome[T]:
        return cls(errors=errors, status=status)


class Refused(Exception):
    """What a service will not do — an action on a task, a photo, a sheet — with `message`, the plain words
    to tell the person, and `status`, the HTTP status to answer with (422 unless said otherwise)."""

    def __init__(self, message, status: int = 422):
        # Not str(message): a lazy string is translated when shown, and translating picks the user's
        # language, which may read the database.
        super().__init__(message)
        self.message = message
        self.status = status
