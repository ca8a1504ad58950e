"""QR codes for the documents: reportlab's encoder, with a fast choice of mask.

reportlab's encoder picks the mask the way the standard says, by scoring each of the
eight masked symbols (`QRUtil.getLostPoint`), but its scoring walks lists of booleans
module by module and was most of a receipt's drawing time. `qr_modules` builds the same
symbol — same version, same data and error correction, same mask, so every module is
what reportlab's `make()` gives (tests/test_qr.py compares them) — and scores the masks
on rows held as strings and integers instead. Two pure computations reportlab redoes
for every code are kept per version instead: the Reed-Solomon generator polynomial of a
block size (`QRUtil.getErrorCorrectPolynomial`, wrapped in a cache once, here) and where
the data modules go.
"""

import re
from functools import lru_cache

from reportlab.graphics.barcode import qrencoder

_RUNS = re.compile("0{5,}|1{5,}")

if not hasattr(qrencoder.QRUtil.getErrorCorrectPolynomial, "cache_info"):
    # A pure function of the block's error-correction length, which its callers only read.
    qrencoder.QRUtil.getErrorCorrectPolynomial = staticmethod(
        lru_cache(maxsize=64)(qrencoder.QRUtil.getErrorCorrectPolynomial)
    )


class _Code(qrencoder.QRCode):
    """reportlab's QRCode, its data modules' places kept per version."""

    def dataPosIterator(self) -> list[tuple[int, int]]:  # noqa: N802 (reportlab's name)
        return _positions(self.version, self)


def _positions(version: int, code: qrencoder.QRCode) -> list[tuple[int, int]]:
    known = _POSITIONS.get(version)
    if known is None:
        known = _POSITIONS[version] = list(code._dataPosIterator())
    return known


_POSITIONS: dict[int, list[tuple[int, int]]] = {}


def qr_modules(payload: str) -> list[list[bool]]:
    """The payload in byte mode, error correction level M, as rows of modules (True dark)."""
    code = _Code(None, qrencoder.QRErrorCorrectLevel.M)
    # Byte mode explicitly: reportlab would otherwise try Kanji mode on non-ASCII text.
    code.addData(qrencoder.QR8bitByte(payload))
    code.version = code.calculate_version()
    code.makeImpl(True, 0)  # the symbol as scored: format areas light, data under mask 0
    size = code.moduleCount
    places = _data_places(code)
    # Each row as an integer, column 0 the highest bit: the function patterns, and the
    # data bits before any mask (what mask 0 hides, shown again).
    fixed = [_row_bits(row) & ~places[number] for number, row in enumerate(code.modules)]
    data = [
        _row_bits(row) ^ pattern
        for row, pattern in zip(code.modules, _mask_rows(size, 0), strict=True)
    ]
    best_mask, best_score = 0, 0
    for mask in range(8):
        rows = [
            fixed[number] | ((data[number] ^ pattern) & places[number])
            for number, pattern in enumerate(_mask_rows(size, mask))
        ]
        score = _score([format(row, f"0{size}b") for row in rows])
        if mask == 0 or score < best_score:
            best_mask, best_score = mask, score
    code.makeImpl(False, best_mask)
    return code.modules


def lost_points(modules: list[list[bool]]) -> int:
    """`QRUtil.getLostPoint` of reportlab's encoder, the same figure computed faster."""
    return _score(["".join("1" if dark else "0" for dark in row) for row in modules])


def _score(rows: list[str]) -> int:
    columns = ["".join(column) for column in zip(*rows, strict=True)]
    size = len(rows)
    score = 0
    for line in rows + columns:
        # Rule 1: a run of five or more modules of one colour, 3 + (length - 5).
        score += sum(len(run) - 2 for run in _RUNS.findall(line))
    # Rule 3 in rows only: reportlab compares each column's slice (a tuple) with a list,
    # which is never equal, so its columns never score.
    score += 40 * sum(_finder_count(line, size) for line in rows)
    score += 3 * _same_blocks(rows, size)
    dark = sum(line.count("1") for line in rows)
    return score + 10 * (abs(100 * dark // (size * size) - 50) // 5)


def _row_bits(row: list[bool]) -> int:
    return int("".join("1" if dark else "0" for dark in row), 2)


def _data_places(code: qrencoder.QRCode) -> tuple[int, ...]:
    """Where the data modules of the code's version are, a row's as an integer."""
    known = _DATA_PLACES.get(code.version)
    if known is None:
        size = code.moduleCount
        rows = [0] * size
        for column, row in _positions(code.version, code):
            rows[row] |= 1 << (size - 1 - column)
        known = _DATA_PLACES[code.version] = tuple(rows)
    return known


_DATA_PLACES: dict[int, tuple[int, ...]] = {}


@lru_cache(maxsize=8 * 64)
def _mask_rows(size: int, mask: int) -> tuple[int, ...]:
    """The modules a mask pattern turns over, over the whole symbol, a row an integer."""
    flips = qrencoder.QRUtil.getMask(mask)
    return tuple(
        sum(1 << (size - 1 - column) for column in range(size) if flips(row, column))
        for row in range(size)
    )


def _finder_count(line: str, size: int) -> int:
    """Rule 3 as reportlab counts it: non-overlapping, left to right, never starting at
    the last possible place (its loop stops one short)."""
    found, start, last = 0, 0, size - 11
    while True:
        at = line.find("10111010000", start)
        if at < 0 or at >= last:
            return found
        found += 1
        start = at + 11


def _same_blocks(rows: list[str], size: int) -> int:
    """Rule 2: 2×2 blocks of one colour (overlapping ones each counted)."""
    full = (1 << (size - 1)) - 1
    values = [int(line, 2) for line in rows]
    count = 0
    for upper, lower in zip(values, values[1:], strict=False):
        same_vertically = ~(upper ^ lower)
        same_horizontally = ~(upper ^ (upper >> 1))
        count += (same_vertically & (same_vertically >> 1) & same_horizontally & full).bit_count()
    return count
