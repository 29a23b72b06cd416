"""The house keeps its shape: drawn from the imports themselves, no module takes part in an import circle,
and no area imports one above it (ARCHITECTURE.md, "The one road")."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ecozone"

# lowest first. Within the foundation (errors, the codebook, atomic files) and among the entry points an
# area may import its neighbours; elsewhere an area imports only lower layers.
LAYERS: list[set[str]] = [
    {"errors", "vocabulary", "_files", "_text"},
    {"regions"},
    {"catalogue"},
    {"dataset"},
    {"engine"},
    {"evaluation"},
    {"io", "reports"},
    {"api"},
    {"national", "store"},
    {"web", "cli", "__main__", "ecozone"},
]
OPEN_LAYERS = {0, len(LAYERS) - 1}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Every ``ecozone`` module each module imports, wherever the import statement stands (lazy ones too)."""
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                           for a in node.names]
            edges[name] |= {t for t in targets if t in modules and t != name}
    return edges


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "ecozone"


def _layer(area: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if area in layer)


def test_no_module_is_in_an_import_circle() -> None:
    edges = _imports(_modules())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for module in edges:
        if module not in index:
            visit(module)
    assert circles == []


def test_every_area_has_a_layer() -> None:
    areas = {_area(m) for m in _modules()}
    placed = set().union(*LAYERS)
    assert areas <= placed, areas - placed


def test_no_area_imports_one_above_it() -> None:
    upward = sorted(
        (module, target)
        for module, targets in _imports(_modules()).items()
        for target in targets
        if _area(module) != _area(target)
        and (_layer(_area(target)) > _layer(_area(module))
             or (_layer(_area(target)) == _layer(_area(module)) and _layer(_area(module)) not in OPEN_LAYERS))
    )
    assert upward == []


@pytest.mark.parametrize("entry", [["-m", "ecozone.cli", "batch", "--help"], ["-m", "ecozone", "batch", "--help"]])
def test_the_cli_runs_as_a_module(entry: list[str]) -> None:
    result = subprocess.run([sys.executable, *entry], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "批量评估" in result.stdout and "--profiles" in result.stdout


def test_the_command_line_loads_only_what_a_command_uses() -> None:
    """`ecozone --help` must answer at once: importing the CLI loads no data, spreadsheet or web library (each
    command imports what it needs when it runs). Not timed; what is imported is what costs."""
    import subprocess
    import sys

    probe = ("import sys, ecozone.cli; print(','.join(m for m in ('polars', 'openpyxl', 'fastapi', 'pydantic', "
             "'numpy', 'matplotlib', 'sqlalchemy', 'rich') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert loaded.stdout.strip() == ""


def test_assessing_a_data_folder_loads_no_spreadsheet_or_web_library(tmp_path: Path) -> None:
    """`ecozone assess` on CSV files (a county clerk's quick check) never pays for the workbook reader and writer,
    the reports or the web stack."""
    import subprocess
    import sys

    from tests.conftest import SAMPLE

    probe = (f"import sys; from ecozone.cli.app import main; sys.argv = ['ecozone', 'assess', {str(SAMPLE)!r}, "
             f"'-s', 'mee-2019', '-f', 'json', '-o', {str(tmp_path / 'a.json')!r}]\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(','.join(m for m in ('xlsxwriter', 'openpyxl', 'docx', 'fastapi', "
             "'sqlalchemy', 'matplotlib') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0 and "已写入" in loaded.stderr, loaded.stderr
    assert loaded.stdout.strip() == ""


def test_every_terminal_table_row_goes_through_plain_row() -> None:
    """A terminal table shows data (names, messages, file names): its rows are added by ``printing.plain_row``,
    where a cell's colour is a style, never markup in the text (the consoles read none), so a name holding "[…]"
    prints as written in every table."""
    cli = PACKAGE / "cli"
    direct = [f"{path.name}:{n}" for path in sorted(cli.glob("*.py"))
              for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
              if ".add_row(" in line and not (path.name == "printing.py" and "table.add_row(*(cell" in line)]
    assert direct == []


def test_the_terminal_reads_no_markup() -> None:
    """The CLI's consoles are made with markup off and no CLI source writes a rich tag: colour is a style, so a
    quoted cell, a path or a pack title holding "[…]" is printed as it is."""
    import re

    app = (PACKAGE / "cli" / "app.py").read_text(encoding="utf-8")
    assert app.count("markup=False") >= 2
    tag = re.compile(r"\[/\]|\[/?(bold|dim|red|green|yellow|cyan|magenta|italic)\b")
    tagged = [f"{path.name}:{n}" for path in sorted((PACKAGE / "cli").glob("*.py"))
              for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if tag.search(line)]
    assert tagged == []
