"""The receipts' QR codes: `receipts.qr` builds them fast, and every module is what
reportlab's own encoder (`QRCode.make()`, the reference) gives for the same payload; its
Reed-Solomon bytes are those of reportlab's polynomial division, block by block."""

import io
import random
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.graphics.barcode import qrencoder
from reportlab.pdfgen.canvas import Canvas

from receipts.qr import codewords, error_correction, generator, gf_multiply, lost_points, qr_modules
from receipts.slip_form import draw_qr


def _reference(payload: str) -> qrencoder.QRCode:
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(qrencoder.QR8bitByte(payload))
    code.make()
    return code


def _payloads() -> list[str]:
    chosen = random.Random(16)
    alphabet = string.ascii_letters + string.digits + "/?&=.-_"
    made = [
        "https://carefund.example/receipts/HC-CARE/2026/000001?seq=2&h=" + "0f" * 32,
        "",
        "济南市历下区 关爱基金 收据 No.2026-000123",  # non-ASCII, in byte mode (UTF-8)
    ]
    made += [
        "".join(chosen.choice(alphabet) for _ in range(chosen.randint(1, 260))) for _ in range(40)
    ]
    return made


@pytest.mark.parametrize("payload", _payloads())
def test_every_module_is_reportlabs(payload: str) -> None:
    reference = _reference(payload)
    assert qr_modules(payload) == reference.modules


def test_the_mask_scores_are_reportlabs_for_every_mask() -> None:
    code = _reference("https://carefund.example/receipts/HC-CARE/2026/000042")
    for mask in range(8):
        code.makeImpl(True, mask)
        assert lost_points(code.modules) == qrencoder.QRUtil.getLostPoint(code)


def test_the_format_bits_name_level_m_and_the_chosen_mask() -> None:
    payload = "https://carefund.example/receipts/HC-CARE/2026/000042"
    modules = qr_modules(payload)
    size = len(modules)
    # The format information beside the top-left finder (rows 0–8 of column 8, skipping
    # the timing row), and its copy under the top-right finder: the same 15 bits.
    down = [modules[row][8] for row in (0, 1, 2, 3, 4, 5, 7, 8)]
    across = [modules[8][column] for column in range(size - 1, size - 9, -1)]
    assert down == across
    bits = qrencoder.QRUtil.getBCHTypeInfo(
        (qrencoder.QRErrorCorrectLevel.M << 3) | _reference(payload).getBestMaskPattern()
    )
    assert down == [bool((bits >> index) & 1) for index in range(8)]


def test_the_generator_polynomials_are_reportlabs() -> None:
    for length in range(1, 69):
        assert list(generator(length)) == qrencoder.QRUtil.getErrorCorrectPolynomial(length).num


@given(st.integers(0, 255), st.integers(0, 255))
def test_the_field_product_is_reportlabs(left: int, right: int) -> None:
    expected = 0
    if left and right:
        expected = qrencoder.QRMath.gexp(qrencoder.QRMath.glog(left) + qrencoder.QRMath.glog(right))
    assert gf_multiply(left, right) == expected


def _reference_error_correction(block: list[int], length: int) -> list[int]:
    """reportlab's `createBytes` for one block: polynomial long division by its lists."""
    divisor = qrencoder.QRUtil.getErrorCorrectPolynomial(length)
    remainder = qrencoder.QRPolynomial(list(block), length).mod(divisor)
    size = remainder.getLength()
    return [remainder.get(index) if index >= 0 else 0 for index in range(size - length, size)]


# Block sizes of level M (data 14–122 bytes, 10–28 error-correction bytes) and beyond,
# with blocks full of zeros and leading zeros, which reportlab's polynomials strip.
@given(
    st.lists(st.integers(0, 255), min_size=1, max_size=160)
    | st.lists(st.sampled_from([0, 0, 0, 1, 255]), min_size=1, max_size=40),
    st.sampled_from([7, 10, 13, 15, 16, 17, 18, 20, 22, 24, 26, 28, 30, 68]),
)
@settings(max_examples=300)
def test_the_error_correction_bytes_are_reportlabs(block: list[int], length: int) -> None:
    assert error_correction(block, length) == _reference_error_correction(block, length)


@given(st.text(max_size=300) | st.binary(max_size=400).map(lambda raw: raw.decode("latin-1")))
@settings(max_examples=150, deadline=None)
def test_the_codewords_are_reportlabs(payload: str) -> None:
    reference = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    reference.addData(qrencoder.QR8bitByte(payload))
    version = reference.calculate_version()
    expected = qrencoder.QRCode.createData(
        version, qrencoder.QRErrorCorrectLevel.M, reference.dataList
    )
    assert codewords(payload) == (version, expected)


@given(st.text(alphabet=string.printable + "关爱基金收据", max_size=200))
@settings(max_examples=60, deadline=None)
def test_every_module_is_reportlabs_for_any_text(payload: str) -> None:
    assert qr_modules(payload) == _reference(payload).modules


def test_the_mask_scores_are_reportlabs_at_many_versions() -> None:
    chosen = random.Random(7)
    for length in (0, 20, 60, 120, 200, 300, 500, 900):
        code = _reference("".join(chosen.choice(string.printable) for _ in range(length)))
        for mask in range(8):
            code.makeImpl(chosen.random() < 0.5, mask)
            assert lost_points(code.modules) == qrencoder.QRUtil.getLostPoint(code)


def test_the_drawn_code_is_the_symbol() -> None:
    """The rectangles `draw_qr` writes (in module units) cover exactly the dark modules."""
    payload = "https://carefund.example/receipts/HC-CARE/2026/000042?h=" + "ab" * 32
    canvas = Canvas(io.BytesIO(), pageCompression=0)
    draw_qr(canvas, payload, x=100, y=200)
    modules = qr_modules(payload)
    drawn = [[False] * len(modules) for _ in modules]
    for column, row, width in re.findall(
        r"^(\d+) -(\d+) (\d+) 1 re$", canvas.getpdfdata().decode("latin-1"), re.M
    ):
        for offset in range(int(width)):
            drawn[int(row) - 1][int(column) + offset] = True
    assert drawn == modules
