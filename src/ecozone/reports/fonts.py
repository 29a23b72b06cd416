"""The CJK font every renderer names explicitly: without it Chinese renders as boxes.

WenQuanYi Zen Hei (Debian fonts-wqy-zenhei) is used because it makes WeasyPrint about 7×
faster than Noto Sans CJK (stack-notes.md). HTML and PDF embed a subset holding only the
characters of the page, so the HTML file is self-contained and small.
"""

from __future__ import annotations

import base64
import io
import logging
import shutil
import subprocess
from functools import cache
from pathlib import Path

from ecozone.errors import Location, UsageError

__all__ = ["FONT_FAMILY", "embedded_font_css", "font_path", "use_in_matplotlib"]

FONT_FAMILY = "WenQuanYi Zen Hei"
_KNOWN = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",)


@cache
def font_path() -> Path:
    for known in _KNOWN:
        if Path(known).exists():
            return Path(known)
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", FONT_FAMILY], capture_output=True, text=True,
                               check=False).stdout.strip()
        if found and "zenhei" in found.lower():
            return Path(found)
    raise UsageError("找不到中文字体「文泉驿正黑」，报告中的中文会显示为方框", Location(field="font"),
                     expected="安装 Debian 软件包 fonts-wqy-zenhei（apt-get install fonts-wqy-zenhei）")


@cache
def use_in_matplotlib() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(font_path()))
    matplotlib.rcParams["font.family"] = FONT_FAMILY
    matplotlib.rcParams["axes.unicode_minus"] = False  # the minus sign is not in every CJK font
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # "weight 500" is fine


def embedded_font_css(text: str) -> str:
    """An @font-face rule with the font subset to ``text``'s characters, as a data: URI."""
    from fontTools.subset import Options, Subsetter

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # bitmap tables are dropped, as intended
    from fontTools.ttLib import TTCollection

    font = TTCollection(str(font_path())).fonts[0]
    options = Options()
    options.name_IDs = ["*"]
    subsetter = Subsetter(options)
    subsetter.populate(text=text + "0123456789.%-–—·（），。：；、")
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f"@font-face {{ font-family: 'ecozone-cjk'; "
            f"src: url(data:font/ttf;base64,{data}) format('truetype'); }}")
