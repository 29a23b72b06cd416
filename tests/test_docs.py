"""The docs and the CLI say the same (as sqlite-utils keeps them): docs/cli.md is what the CLI itself
lists, and every command and option a page shows exists in ``--help``."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("make_cli_docs", ROOT / "scripts" / "make_cli_docs.py")
assert _spec is not None and _spec.loader is not None
make_cli_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_cli_docs)

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _known() -> dict[str, set[str]]:
    """Command name → every option spelling it accepts."""
    known: dict[str, set[str]] = {}
    for name, command in make_cli_docs.commands():
        known[name] = {flag for p in make_cli_docs.options(command) if p.param_type_name == "option"
                       for flag in (*p.opts, *p.secondary_opts)} | {"--help"}
    return known


def _invocations(page: Path) -> list[tuple[int, list[str]]]:
    """Each ``ecozone …`` command line shown on ``page`` (in code blocks or inline code), as words."""
    found = []
    fenced = False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        code = [line] if fenced else re.findall(r"`([^`]+)`", line)
        for match in (m for part in code for m in re.finditer(
                r"(?:^|[\s(&;])(?:\.venv/bin/)?ecozone ((?:[a-z][\w-]*)(?:[^#\n&;|)（]*))", part)):
            text = match.group(1).strip()
            try:
                words = shlex.split(text)
            except ValueError:
                words = text.split()
            found.append((number, words))
    return found


def _command_of(words: list[str], known: dict[str, set[str]]) -> str | None:
    for size in (2, 1):
        name = " ".join(words[:size])
        if name in known:
            return name
    return None


def test_the_command_reference_is_generated_from_the_cli() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == make_cli_docs.render(), \
        "docs/cli.md is stale: run python scripts/make_cli_docs.py"


def test_every_command_is_in_the_reference_with_every_option() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, flags in _known().items():
        assert f"## `ecozone {name}`" in reference, name
        for flag in flags - {"--help"}:
            assert f"`{flag}`" in reference, (name, flag)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_and_option_a_page_shows_exists(page: Path) -> None:
    known = _known()
    wrong = []
    for number, words in _invocations(page):
        command = _command_of(words, known)
        if command is None:
            wrong.append(f"{page.name}:{number}: 没有命令「ecozone {' '.join(words[:2])}」")
            continue
        for word in words:
            flag = word.split("=", 1)[0]
            if flag.startswith("-") and flag not in known[command] and not re.fullmatch(r"-\d.*", flag):
                wrong.append(f"{page.name}:{number}: ecozone {command} 没有选项 {flag}")
    assert wrong == []
