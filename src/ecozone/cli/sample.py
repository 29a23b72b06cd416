"""Where the bundled fictional sample (示例州) lives: inside the installed wheel, or in the source tree."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["sample_path"]


def sample_path() -> Path:
    """The bundled sample: inside the installed wheel, or in the source tree."""
    packaged = Path(str(resources.files("ecozone"))) / "_examples" / "shizhou"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "examples" / "shizhou"
