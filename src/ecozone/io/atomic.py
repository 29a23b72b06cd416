"""Write files so that a failure never leaves a half-written file where the user looks."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "write_text_atomic"]


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """A temporary path beside ``target``; on success it replaces ``target`` (mode 0644)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(0o644)  # mkstemp makes 0600: a report must be readable like any saved file
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(target: Path | str, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
