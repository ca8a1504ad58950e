"""Reading a long JSON document one value at a time, with the standard library alone.

`json.load` holds the whole document; an exported journal of a large book is better read
entry by entry. `JsonStream` lets the caller walk an object's keys and an array's items,
decoding each value with the standard decoder from a buffer refilled as it runs short.
The JSON it accepts is I-JSON (RFC 7493), what JCS canonicalises: no key twice in an
object, no NaN or Infinity.
"""

import json
from collections.abc import Iterator
from typing import IO, Any


class BadJson(ValueError):
    """The text is not (I-)JSON, or not of the shape the caller walks."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # JCS works on I-JSON (RFC 7493): an object with a key twice has no one meaning.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise BadJson(f"对象中的键 {key!r} 出现了两次")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise BadJson(f"{name} 不是合规的 JSON")


class JsonStream:
    """A JSON text read piece by piece: the standard decoder takes one value at a time
    from a buffer that is refilled from the file as it runs short."""

    CHUNK = 1 << 20

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self._buffer = ""
        self._pos = 0
        self._eof = False
        self._decoder = json.JSONDecoder(
            object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant
        )

    def _fill(self) -> bool:
        """Read more of the file; False at its end."""
        if self._eof:
            return False
        chunk = self._handle.read(self.CHUNK)
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        self._eof = not chunk
        return bool(chunk)

    def peek(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._buffer) or not self._fill():
                return self._buffer[self._pos : self._pos + 1]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = self.peek() or "文件结尾"
            raise BadJson(f"不是合规的 JSON：应为 {char!r}，实为 {found!r}")
        self._pos += 1

    def value(self) -> Any:
        """The next JSON value, however many reads it takes."""
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                if self._fill():
                    continue
                raise BadJson(f"不是合规的 JSON：{exc.msg}") from exc
            # A number at the buffer's end may go on in the next chunk.
            if end == len(self._buffer) and self._fill():
                continue
            self._pos = end
            return value

    def array_items(self) -> Iterator[Any]:
        self.expect("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value()
            if self.peek() == "]":
                self._pos += 1
                return
            self.expect(",")

    def object_keys(self) -> Iterator[str]:
        """Each key of an object; the caller reads its value before asking for the next."""
        self.expect("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise BadJson("不是合规的 JSON：对象的键应为字符串")
            self.expect(":")
            yield key
            if self.peek() == "}":
                self._pos += 1
                return
            self.expect(",")

    def finish(self) -> None:
        """Nothing but white space may follow the value read."""
        if self.peek():
            raise BadJson("不是合规的 JSON：值之后还有多余的内容")
