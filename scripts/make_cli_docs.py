"""Write docs/cli.md, the command reference, from the CLI itself (every command, argument and option).

tests/test_docs.py fails when docs/cli.md differs from what this prints, so the reference cannot drift
from ``--help``: after changing a command, run ``python scripts/make_cli_docs.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

TARGET = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def commands() -> list[tuple[str, Any]]:
    """Every command by its full name (``standards show``), in the order ``--help`` lists them."""
    from ecozone.cli import app

    root = typer.main.get_command(app)
    found: list[tuple[str, Any]] = []

    def walk(prefix: str, command: Any) -> None:  # typer's groups and commands (click's shape)
        if hasattr(command, "list_commands"):
            if prefix and command.invoke_without_command:
                found.append((prefix, command))
            context = typer.Context(command)
            for name in sorted(command.list_commands(context)):
                walk(f"{prefix} {name}".strip(), command.get_command(context, name))
        else:
            found.append((prefix, command))

    walk("", root)
    return found


def options(command: Any) -> list[Any]:
    return [p for p in command.params if p.name != "help" and not getattr(p, "hidden", False)]


def render() -> str:
    lines = ["# 命令参考", "",
             "本页由 `python scripts/make_cli_docs.py` 从命令行程序本身生成（`tests/test_docs.py` 检查两者一致），",
             "列出全部命令、参数和选项；各命令的用法示例见 README。", ""]
    for name, command in commands():
        lines += [f"## `ecozone {name}`", "", (command.help or "").strip().split("\n\n")[0], ""]
        params = options(command)
        if params:
            lines += ["| 参数 / 选项 | 说明 |", "|---|---|"]
            for param in params:
                if param.param_type_name == "option":
                    flags = "、".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
                    text = (param.help or "").replace("|", "\\|")
                else:
                    flags = f"`{(param.name or '').upper()}`"
                    text = (getattr(param, "help", None) or "").replace("|", "\\|") + \
                        ("（位置参数）" if param.required else "（位置参数，可省略）")
                lines.append(f"| {flags} | {text} |")
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET}\n")
