"""The receipts' QR codes: `receipts.qr` chooses the mask fast, and every module is what
reportlab's own encoder (`QRCode.make()`, the reference) gives for the same payload."""

import random
import string

import pytest
from reportlab.graphics.barcode import qrencoder

from receipts.qr import lost_points, qr_modules


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


def test_the_kept_generator_polynomials_are_reportlabs() -> None:
    kept = qrencoder.QRUtil.getErrorCorrectPolynomial
    for length in (7, 10, 16, 18, 22, 26, 28, 30):
        assert kept(length).num == kept.__wrapped__(length).num
