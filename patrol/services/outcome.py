"""The result a service hands back: a value, or errors keyed by the field they belong to."""

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
