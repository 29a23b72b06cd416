"""Write files so that a failure never leaves a half-written file where the user looks.

A target that cannot be written (no such folder and no right to make it, a read-only disk,
a folder where a file was asked for) is the user's :class:`~ecozone.errors.OutputError` in
Chinese, naming the path — never a traceback.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ecozone.errors import Location, OutputError

__all__ = ["atomic_path", "write_text_atomic"]


def _refused(target: Path, exc: OSError) -> OutputError:
    return OutputError(f"无法写入：{exc.strerror or exc}", Location(file=str(target)),
                       expected="一个可写文件夹中的文件名（文件夹不存在时须有权新建）")


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """A temporary path beside ``target``; on success it replaces ``target`` (mode 0644).

    A target that exists and is no regular file (``-o /dev/null``, ``/dev/stdout``, a named pipe) is written
    through instead, never replaced: renaming a file onto ``/dev/null`` as root turns the machine's /dev/null into
    a plain file, and every program that writes to it then fails or spins."""
    target = Path(target)
    if target.is_dir():
        raise OutputError("这是一个文件夹，不是文件", Location(file=str(target)), expected="文件名，如 结果.xlsx")
    if target.exists() and not target.is_file():
        with _written_through(target) as tmp:
            yield tmp
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix)
    except OSError as exc:
        raise _refused(target, exc) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(0o644)  # mkstemp makes 0600: a report must be readable like any saved file
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise _refused(target, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def _written_through(target: Path) -> Iterator[Path]:
    """A temporary file elsewhere (not in /dev), copied into ``target`` once complete."""
    fd, name = tempfile.mkstemp(prefix=".ecozone-", suffix=target.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        try:
            with tmp.open("rb") as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)
        except OSError as exc:
            raise _refused(target, exc) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(target: Path | str, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
