"""QR codes for the documents: the symbol reportlab's encoder makes, built faster.

reportlab's encoder (`QRCode.make()`) was most of a receipt's drawing time: it divides
polynomials one list at a time for the error correction, places every bit through
generators and scores the eight masks (the standard's choice) module by module on lists
of booleans. `qr_rows` builds the same symbol — same version, same data and error
correction, same mask, so every module is what `make()` gives (tests/test_qr.py compares
them on many payloads) — from reportlab's own tables (block sizes, versions, function
patterns, where the data goes), with three things done differently:

- the error-correction bytes come from `error_correction`, a remainder by table lookups
  in GF(256) instead of `QRPolynomial.mod`;
- the whole symbol is one integer, bit `row * size + column` a module (1 dark), so that
  placing the data is one permutation and masking is one XOR;
- the masks are scored on that integer with a few shifts and bit counts per rule
  (`score`), the same figure as reportlab's `QRUtil.getLostPoint`.
"""

from dataclasses import dataclass
from functools import lru_cache
from itertools import zip_longest
from operator import itemgetter

from reportlab.graphics.barcode import qrencoder

LEVEL = qrencoder.QRErrorCorrectLevel.M
PAD_BYTES = (0xEC, 0x11)
"""The standard's padding codewords, alternating."""
FINDER_LIKE = "10111010000"
"""Rule 3's pattern, as reportlab looks for it (in rows only, one orientation)."""

_EXP = [0] * 512
"""α^i in GF(256) modulo x^8 + x^4 + x^3 + x^2 + 1, doubled so that sums of logs need no
modulo."""
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _EXP[_power + 255] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D


def gf_multiply(left: int, right: int) -> int:
    """The product of two elements of GF(256), by their logarithms."""
    if left == 0 or right == 0:
        return 0
    return _EXP[_LOG[left] + _LOG[right]]


@lru_cache(maxsize=32)
def generator(length: int) -> tuple[int, ...]:
    """The Reed-Solomon generator polynomial (x - α^0)…(x - α^(length-1)), its
    coefficients from the highest power down (the first is 1)."""
    coefficients = [1]
    for power in range(length):
        factor = _EXP[power]
        product = coefficients + [0]
        for index, coefficient in enumerate(coefficients):
            product[index + 1] ^= gf_multiply(coefficient, factor)
        coefficients = product
    return tuple(coefficients)


@lru_cache(maxsize=32)
def _multiples(length: int) -> tuple[int, ...]:
    """For each byte b, b × the generator (less its leading 1), `length` bytes packed into
    one integer, the highest power first: the remainder then takes one lookup a byte."""
    tail = generator(length)[1:]
    return tuple(
        int.from_bytes(bytes(gf_multiply(factor, coefficient) for coefficient in tail), "big")
        for factor in range(256)
    )


def error_correction(data: bytes | list[int], length: int) -> list[int]:
    """The `length` error-correction codewords of a block: the remainder of data(x)·x^length
    divided by the generator, by long division one byte at a time (what reportlab's
    `QRPolynomial.mod` computes)."""
    multiples = _multiples(length)
    shift = 8 * (length - 1)
    keep = (1 << shift) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder & keep) << 8) ^ multiples[(remainder >> shift) ^ byte]
    return list(remainder.to_bytes(length, "big"))


def codewords(payload: str) -> tuple[int, list[int]]:
    """The version and the codewords (data then error correction, interleaved by block) of
    the payload in byte mode, level M: what reportlab's `QRCode.createData` gives."""
    data = payload.encode("utf-8")
    probe = qrencoder.QRCode(None, LEVEL)
    # Byte mode explicitly: reportlab would otherwise try Kanji mode on non-ASCII text.
    probe.addData(qrencoder.QR8bitByte(data))
    version = probe.calculate_version()
    blocks = qrencoder.QRRSBlock.getRSBlocks(version, LEVEL)
    capacity = 8 * sum(block.dataCount for block in blocks)
    length_bits = qrencoder.QR8bitByte.lengthbits[0 if version < 10 else 1]
    bits = (((4 << length_bits) | len(data)) << 8 * len(data)) | int.from_bytes(data, "big")
    count = 4 + length_bits + 8 * len(data)
    if count > capacity:
        raise ValueError(f"QR payload too long ({count} > {capacity} bits)")
    terminator = 4 if count + 4 <= capacity else 0
    padding = -(count + terminator) % 8
    count += terminator + padding
    stream = list((bits << (terminator + padding)).to_bytes(count // 8, "big"))
    stream += [PAD_BYTES[index % 2] for index in range(capacity // 8 - len(stream))]
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        data_blocks.append(stream[offset : offset + block.dataCount])
        offset += block.dataCount
        ec_blocks.append(error_correction(data_blocks[-1], block.totalCount - block.dataCount))
    interleaved = [
        byte
        for group in (zip_longest(*data_blocks), zip_longest(*ec_blocks))
        for column in group
        for byte in column
        if byte is not None
    ]
    return version, interleaved


def qr_rows(payload: str) -> tuple[int, int]:
    """The symbol of the payload (byte mode, level M) as (size, modules), modules an
    integer whose bit `row * size + column` is 1 where the module is dark."""
    version, words = codewords(payload)
    layout = _layout(version)
    bits = format(int.from_bytes(bytes(words), "big"), f"0{8 * len(words)}b") + "0"
    # The data bits in their modules, the last module first, then as an integer.
    placed = int("".join(layout.permutation(bits)), 2)
    scorer = _Scorer.of_size(layout.size)
    best_mask, best_score = 0, 0
    for mask in range(8):
        score = scorer.score(layout.scored | ((placed ^ layout.masks[mask]) & layout.data))
        if mask == 0 or score < best_score:
            best_mask, best_score = mask, score
    data = (placed ^ layout.masks[best_mask]) & layout.data
    return layout.size, layout.patterns[best_mask] | data


def qr_modules(payload: str) -> list[list[bool]]:
    """The payload in byte mode, error correction level M, as rows of modules (True dark),
    as reportlab's `QRCode.modules` holds them."""
    size, modules = qr_rows(payload)
    text = format(modules, f"0{size * size}b")[::-1]
    return [[char == "1" for char in text[row : row + size]] for row in range(0, len(text), size)]


def lost_points(modules: list[list[bool]]) -> int:
    """`QRUtil.getLostPoint` of reportlab's encoder, the same figure computed faster."""
    return _Scorer.of_size(len(modules)).score(_as_integer(modules))


class _Scorer:
    """The standard's mask penalty on symbols of one size held as integers."""

    def __init__(self, size: int) -> None:
        self.size = size
        cells = size * size
        first_column = sum(1 << (row * size) for row in range(size))
        self.not_last_column = ((1 << cells) - 1) & ~(first_column << (size - 1))
        self.not_last_row = (1 << (cells - size)) - 1
        # Rule 3 starts at columns 0 … size - 12 (reportlab's loop stops one short).
        self.finder_starts = first_column * ((1 << (size - 11)) - 1)

    @classmethod
    @lru_cache(maxsize=48)
    def of_size(cls, size: int) -> "_Scorer":
        return cls(size)

    def score(self, modules: int) -> int:
        """The penalty of a masked symbol, as `QRUtil.getLostPoint` counts it."""
        size = self.size
        across = ~(modules ^ (modules >> 1)) & self.not_last_column  # same as the right one
        down = ~(modules ^ (modules >> size)) & self.not_last_row  # same as the one below
        score = 0
        # Rule 1: a run of n ≥ 5 modules of one colour costs n - 2: four equal neighbour
        # pairs in a row mark each module of the run past its fourth, plus 2 a run.
        for same, step in ((across, 1), (down, size)):
            runs = same & (same >> step) & (same >> 2 * step) & (same >> 3 * step)
            score += runs.bit_count() + 2 * (runs & ~(runs << step)).bit_count()
        # Rule 2: 3 for each 2×2 block of one colour, overlapping ones each counted.
        score += 3 * (across & down & (across >> size)).bit_count()
        # Rule 3: 40 for each finder-like pattern in a row (it cannot overlap itself, and
        # reportlab's comparison of a column's tuple with its list never matches).
        found = self.finder_starts
        for offset, wanted in enumerate(FINDER_LIKE):
            found &= (modules if wanted == "1" else ~modules) >> offset
        score += 40 * found.bit_count()
        # Rule 4: 10 for each 5% the dark modules are away from half.
        dark = modules.bit_count()
        return score + 10 * (abs(100 * dark // (size * size) - 50) // 5)


@dataclass(frozen=True)
class _Layout:
    """What the symbols of one version share, each as an integer over the modules."""

    size: int
    data: int
    """The modules that carry data (and remainder bits)."""
    scored: int
    """The function patterns as reportlab scores a mask: format and version areas light."""
    patterns: tuple[int, ...]
    """The function patterns with each mask's format bits."""
    masks: tuple[int, ...]
    """The modules each mask turns over."""
    permutation: itemgetter
    """From the data stream's bits (and a final "0") to the modules, the last first."""


@lru_cache(maxsize=40)
def _layout(version: int) -> _Layout:
    code = qrencoder.QRCode(version, LEVEL)
    code.dataCache = []  # no data: reportlab then draws only the function patterns
    code.makeImpl(True, 0)
    size = code.moduleCount
    places = list(code._dataPosIterator())  # (column, row), in the order the bits go
    data = sum(1 << (row * size + column) for column, row in places)
    scored = _as_integer(code.modules) & ~data
    patterns, masks = [], []
    for mask in range(8):
        code.makeImpl(False, mask)
        patterns.append(_as_integer(code.modules) & ~data)
        flips = qrencoder.QRUtil.getMask(mask)
        cells = [(row, column) for row in range(size) for column in range(size)]
        masks.append(sum(1 << (row * size + column) for row, column in cells if flips(row, column)))
    # Each module shows the data stream's bit of its place, or the stream's final "0"
    # (no data there, or a remainder bit past the last codeword).
    blocks = qrencoder.QRRSBlock.getRSBlocks(version, LEVEL)
    stream = 8 * sum(block.totalCount for block in blocks)
    source = {row * size + column: index for index, (column, row) in enumerate(places)}
    picks = [min(source.get(cell, stream), stream) for cell in range(size * size - 1, -1, -1)]
    return _Layout(size, data, scored, tuple(patterns), tuple(masks), itemgetter(*picks))


def _as_integer(modules: list[list[bool]]) -> int:
    text = "".join("1" if dark else "0" for row in modules for dark in row)
    return int(text[::-1], 2)
