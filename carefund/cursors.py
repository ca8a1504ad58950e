"""Opaque cursors: the position a page of records ends at, as a short base64 token.

A cursor names the last record a reader has seen (an id, a journal `seq`, or a pair such
as an event's transaction and id), so pages stay stable while records are added: nothing
is skipped or shown twice. Readers must treat
it as opaque; it is base64 so that nobody is tempted to compute one. Each kind of cursor
has its own prefix, so a cursor of one kind is refused by another.
"""

import base64
import binascii
from dataclasses import dataclass

from carefund.errors import InvalidInput


@dataclass(frozen=True)
class CursorKind:
    """One kind of cursor: its prefix inside the base64, and how a bad one is refused."""

    prefix: str
    field: str
    """The input field a bad cursor is reported on."""
    message: str
    position_max: int
    """The largest position a cursor of this kind may name."""
    length_max: int
    """Cursors of this kind are far shorter; longer ones are not decoded."""

    def encode(self, position: int) -> str:
        return _b64(f"{self.prefix}{position}")

    def encode_pair(self, first: int, second: int) -> str:
        """A cursor naming a position of two numbers, ordered by the first, then the second."""
        return _b64(f"{self.prefix}{first}.{second}")

    def decode(self, value: str | None) -> int:
        """The position a cursor points after; 0 for none (the first page)."""
        first, second = self.decode_pair(value)
        if first is not None:
            raise InvalidInput(self.message, field=self.field)
        return second

    def decode_pair(self, value: str | None) -> tuple[int | None, int]:
        """The position a cursor of `encode_pair` points after, as (first, second); a
        cursor of one number (`encode`) gives (None, it); none gives (None, 0)."""
        if not value:
            return None, 0
        numbers: list[int] = []
        if len(value) <= self.length_max:
            try:
                text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
                if text.startswith(self.prefix):
                    numbers = [int(part) for part in text.removeprefix(self.prefix).split(".")]
            except (binascii.Error, UnicodeDecodeError, ValueError):
                numbers = []
        if not 1 <= len(numbers) <= 2 or not all(0 <= n <= self.position_max for n in numbers):
            raise InvalidInput(self.message, field=self.field)
        return (None, numbers[0]) if len(numbers) == 1 else (numbers[0], numbers[1])


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
