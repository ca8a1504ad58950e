"""Opaque cursors: the position a page of records ends at, as a short base64 token.

A cursor names the last record a reader has seen (an id, or a journal `seq`), so pages
stay stable while records are added: nothing is skipped or shown twice. Readers must treat
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
        return base64.urlsafe_b64encode(f"{self.prefix}{position}".encode()).decode().rstrip("=")

    def decode(self, value: str | None) -> int:
        """The position a cursor points after; 0 for none (the first page)."""
        if not value:
            return 0
        position = -1
        if len(value) <= self.length_max:
            try:
                text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
                if text.startswith(self.prefix):
                    position = int(text.removeprefix(self.prefix))
            except (binascii.Error, UnicodeDecodeError, ValueError):
                position = -1
        if not 0 <= position <= self.position_max:
            raise InvalidInput(self.message, field=self.field)
        return position
