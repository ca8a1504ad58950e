"""Which Chinese font a document is set in: always an embedded TrueType CJK subset.

Statements, receipts and vouchers are accounting archives (会计档案, kept thirty years), so
every PDF carries the glyphs it uses: a viewer without Chinese fonts shows the same page.
The font comes from `CAREFUND_FONT_PATH` when configured, else from the Python package
`paperang-p2-fonts-cjk` (WenQuanYi Micro Hei, a dependency, so `pip install` brings it),
else from where Debian and others install one. reportlab embeds only TrueType outlines
(not CFF-outlined .otf). A document names the font's family, never a file or a path.
"""

import logging
import zlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from carefund.settings import get_settings

log = logging.getLogger("carefund.receipts")

EMBEDDED_FONT = "CarefundCJK"
"""The prefix of the names an embedded TrueType font is registered under."""
PACKAGED_FONT = ("paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc")
"""The font the package dependency ships: (package, file inside it)."""
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/google-droid/DroidSansFallbackFull.ttf",
    "/usr/local/share/fonts/wqy-microhei.ttc",
)
"""Common places of TrueType CJK fonts, tried after the packaged one."""
_PROBE_TEXT = "收款收据党内关爱基金壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整"
"""Characters a usable font must have."""


class FontUnavailable(RuntimeError):
    """No TrueType CJK font could be embedded: documents are refused rather than made
    with a font the archive would not keep."""


@dataclass(frozen=True)
class DocumentFont:
    """A registered font and how a document describes it."""

    name: str
    """The name reportlab knows it by."""
    family: str
    """The font's family name, e.g. WenQuanYi Micro Hei."""

    @property
    def description(self) -> str:
        """What the statement prints: 嵌入字体 WenQuanYi Micro Hei（子集）. Never a path."""
        return f"嵌入字体 {self.family}（子集）"


def document_font(path: str | None = None) -> DocumentFont:
    """The font to use: `path`, else CAREFUND_FONT_PATH, else the packaged font, else a
    common system font. A configured font that cannot be used is logged and skipped;
    FontUnavailable when none can be embedded."""
    configured = path if path is not None else get_settings().font_path
    return _choose(configured or "")


def packaged_font_path() -> str | None:
    """Where the packaged font is installed, or None without the package."""
    package, name = PACKAGED_FONT
    try:
        return str(resources.files(package).joinpath(name))
    except ModuleNotFoundError:
        return None


@lru_cache(maxsize=8)
def _choose(configured: str) -> DocumentFont:
    packaged = packaged_font_path()
    candidates = ([configured] if configured else []) + [
        candidate
        for candidate in ([packaged] if packaged else []) + list(FONT_CANDIDATES)
        if candidate != configured
    ]
    for candidate in candidates:
        if not Path(candidate).is_file():
            if candidate == configured:
                log.warning("configured font %s does not exist; looking elsewhere", candidate)
            continue
        font = _embed(candidate)
        if font is not None:
            return font
    raise FontUnavailable(
        "找不到可嵌入的中文 TrueType 字体：请安装 paperang-p2-fonts-cjk（pip）"
        "或 fonts-wqy-microhei（apt），或以 CAREFUND_FONT_PATH 指定"
    )


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
        _keep_tables(font)
        pdfmetrics.registerFont(font)
    except Exception as exc:  # noqa: BLE001 (any unreadable or CFF font: use another)
        log.warning("font %s cannot be embedded (%s); not using it", path, exc)
        return None
    family = font.face.familyName
    family_text = family.decode("utf-8", "replace") if isinstance(family, bytes) else str(family)
    return DocumentFont(name, family_text)


def _keep_tables(font: TTFont) -> None:
    """Keep the font's tables once read: reportlab's subsetting copies the whole glyph
    table (megabytes, for a CJK font) out of the file for every document it embeds the
    font in, which was a third of the time of saving a receipt. The tables are immutable
    bytes, so sharing them between documents changes nothing in the PDFs."""
    face = font.face
    read = face.get_table
    kept: dict[str, bytes] = {}

    def get_table(tag: str) -> bytes:
        table = kept.get(tag)
        if table is None:
            table = kept[tag] = read(tag)
        return table

    face.get_table = get_table
