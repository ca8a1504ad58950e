"""Which Chinese font a document is set in.

reportlab's built-in `STSong-Light` needs no font file and works everywhere, but it is not
embedded: the reader's PDF viewer substitutes its own Song face. Statements are kept for
thirty years, so where a TrueType CJK font is available (configured with
`CAREFUND_FONT_PATH`, or found where Debian and others install one) it is embedded
(subset), and then the document renders the same on any machine. Every statement says
which font it used.
"""

import logging
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from carefund.settings import get_settings

log = logging.getLogger("carefund.receipts")

BUILTIN_FONT = "STSong-Light"
"""reportlab's built-in Adobe-GB1 CID font: always available, never embedded."""
EMBEDDED_FONT = "CarefundCJK"
"""The name an embedded TrueType font is registered under."""
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/google-droid/DroidSansFallbackFull.ttf",
    "/usr/local/share/fonts/wqy-microhei.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/simsun.ttc",
)
"""Common places of TrueType (not CFF-outlined OpenType, which reportlab cannot embed)
CJK fonts, tried in order when none is configured."""
_PROBE_TEXT = "收款收据党内关爱基金壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整"
"""Characters a usable font must have."""


@dataclass(frozen=True)
class DocumentFont:
    """A registered font and how a document describes it."""

    name: str
    """The name reportlab knows it by."""
    embedded: bool
    description: str
    """What the statement prints, e.g. 嵌入字体 WenQuanYi Micro Hei（…/wqy-microhei.ttc）."""


def document_font(path: str | None = None) -> DocumentFont:
    """The font to use: `path`, else CAREFUND_FONT_PATH, else a common system font, else
    the built-in STSong-Light. A configured font that cannot be used is logged and skipped."""
    configured = path if path is not None else get_settings().font_path
    return _choose(configured or "")


@lru_cache(maxsize=8)
def _choose(configured: str) -> DocumentFont:
    candidates = ([configured] if configured else []) + [
        candidate for candidate in FONT_CANDIDATES if candidate != configured
    ]
    for candidate in candidates:
        if not Path(candidate).is_file():
            if candidate == configured:
                log.warning("configured font %s does not exist; looking elsewhere", candidate)
            continue
        font = _embed(candidate)
        if font is not None:
            return font
    return builtin_font()


def builtin_font() -> DocumentFont:
    """The built-in STSong-Light, registered once."""
    if BUILTIN_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(BUILTIN_FONT))
    return DocumentFont(BUILTIN_FONT, False, "内置字体 STSong-Light（未嵌入，由阅读器替换显示）")


@lru_cache(maxsize=8)
def _embed(path: str) -> DocumentFont | None:
    # One registered name per file, so that two configured fonts never overwrite each other.
    name = f"{EMBEDDED_FONT}-{zlib.crc32(path.encode()):08x}"
    try:
        font = TTFont(name, path, subfontIndex=0)
        missing = [char for char in _PROBE_TEXT if ord(char) not in font.face.charToGlyph]
        if missing:
            log.warning("font %s lacks %s; not using it", path, "".join(missing[:10]))
            return None
        pdfmetrics.registerFont(font)
    except Exception as exc:  # noqa: BLE001 (any unreadable or CFF font: use another)
        log.warning("font %s cannot be embedded (%s); not using it", path, exc)
        return None
    family = font.face.familyName
    family_text = family.decode("utf-8", "replace") if isinstance(family, bytes) else str(family)
    return DocumentFont(name, True, f"嵌入字体 {family_text}（{path}）")
