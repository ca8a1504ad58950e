"""QR codes for the documents: reportlab's encoder, with a fast choice of mask.

reportlab's encoder picks the mask the way the standard says, by scoring each of the
eight masked symbols (`QRUtil.getLostPoint`), but its scoring walks lists of booleans
module by module and was most of a receipt's drawing time. `qr_modules` builds the same
symbol — same version, same data and error correction, same mask, so every module is
what reportlab's `make()` gives (tests/test_qr.py compares them) — and scores the masks
on rows held as strings and integers instead.
"""

import re

from reportlab.graphics.barcode import qrencoder

_RUNS = re.compile("0{5,}|1{5,}")


def qr_modules(payload: str) -> list[list[bool]]:
    """The payload in byte mode, error correction level M, as rows of modules (True dark)."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    # Byte mode explicitly: reportlab would otherwise try Kanji mode on non-ASCII text.
    code.addData(qrencoder.QR8bitByte(payload))
    code.version = code.calculate_version()
    best_mask, best_score = 0, 0
    for mask in range(8):
        code.makeImpl(True, mask)
        score = lost_points(code.modules)
        if mask == 0 or score < best_score:
            best_mask, best_score = mask, score
    code.makeImpl(False, best_mask)
    return code.modules


def lost_points(modules: list[list[bool]]) -> int:
    """`QRUtil.getLostPoint` of reportlab's encoder, the same figure computed faster."""
    rows = ["".join("1" if dark else "0" for dark in row) for row in modules]
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
