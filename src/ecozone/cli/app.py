"""The command-line application: the Typer app, its consoles, shared options and output helpers.

Each command module (``standards``, ``evaluate``, ``excel``, ``store``, ``national``, ``demo``)
registers its commands here; a command parses its arguments, calls the public API, and prints.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecozone._files import write_text_atomic
from ecozone.errors import EcozoneError, ScopeError

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["app", "emit", "emit_json", "err", "main", "out", "run", "write_output"]

app = typer.Typer(
    help="ecozone：生态文明建设示范区指标评估（标准即数据，逐项判定并说明理由）。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: the rich renderer (markdown_it, rich.markdown) doubles --help's time
)

class _LazyConsole:
    """rich's Console, made on first use: `ecozone --help` answers without importing rich (20–45 ms)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._made: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.made(), name)

    def made(self) -> Any:
        if self._made is None:
            from rich.console import Console

            self._made = Console(**self._options)
        return self._made


def real(console: Console) -> Console:
    """The Console itself, for rich's own classes (a progress bar enters it as a context manager)."""
    made: Console = console.made() if isinstance(console, _LazyConsole) else console
    return made


# piped or redirected output has no terminal width: give tables room instead of 80 columns
# Both consoles read no markup: what they print quotes data (names, paths, cells, pack titles) that may hold "[…]";
# colour is given as a style (``style=``, ``Text.assemble``, ``printing.plain_row``), never written into the text.
out: Console = _LazyConsole(width=None if sys.stdout.isatty() else 160, markup=False)  # type: ignore[assignment]
# Messages name files and cells: never wrap them, a broken path cannot be copied.
err: Console = _LazyConsole(stderr=True, soft_wrap=True, markup=False,  # type: ignore[assignment]
                            width=None if sys.stderr.isatty() else 160)


class Format(StrEnum):
    table = "table"
    json = "json"


class Mode(StrEnum):
    apply = "apply"
    monitor = "monitor"


SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="假设：[地区代码:]统计量=数值[@年份]，统计量可写编号或中文名称，可多次给出，"
                               "如 urban_sewage_treatment_rate=88"),
]
StandardOption = Annotated[str | None, typer.Option(
    "--standard", "-s", help="标准编号（省略时：工作簿记录的标准，否则按评价年度从适用规则文件选择并说明理由）")]
YearOption = Annotated[int | None, typer.Option("--year", "-y", help="评价年度")]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="输出格式")]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="写入文件")]


def main() -> None:
    """The command line, after the package registered every command (``run`` is the installed program): user
    errors become a Chinese message and exit status 1; ends by raising SystemExit, as click does."""
    try:
        app()
    except ScopeError as exc:  # the store's permission check, with its reason
        _say_error("无权操作：", exc.message)
        sys.exit(1)
    except EcozoneError as exc:
        _say_error("错误：", exc.message)
        sys.exit(1)


def run() -> None:
    """The ``ecozone`` program (the console script and ``python -m ecozone.cli``): ``main``, then leave.

    Tearing the interpreter down frees every object of polars, pydantic and rich one by one: 90–120 ms of a
    0.6 s ``ecozone assess`` (decision 0018). Once a command is done nothing of that is needed, so the process
    runs the exit handlers (logging, finalizers), flushes its output and ends. A command that opened the store
    (SQLite checkpoints its WAL when the last connection closes) or left a thread running exits the usual way."""
    try:
        main()
        code: str | int | None = 0
    except SystemExit as done:
        code = done.code
    if isinstance(code, str) or "sqlalchemy" in sys.modules or threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # the reader went away (`ecozone assess … | head`): nothing left to say to it
        pass
    os._exit(code or 0)


def _say_error(label: str, message: str) -> None:
    """A message quotes the user's own text (a cell, a path): shown as written, whatever brackets it holds."""
    from rich.text import Text

    err.print(Text.assemble((label, "bold red"), message), highlight=False)


def write_output(path: Path, text: str) -> None:
    """Write a result file whole or not at all (a path that cannot be written is an OutputError)."""
    write_text_atomic(path, text)


def emit(console: Console, output: Path | None) -> None:
    """Write what ``console`` recorded to ``output`` (when given)."""
    if output is not None:
        write_output(output, console.export_text())
        err.print(f"已写入 {output}")


def emit_json(document: Any, output: Path | None) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    if output is None:
        typer.echo(text)
    else:
        write_output(output, text)
        err.print(f"已写入 {output}")


def fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)
