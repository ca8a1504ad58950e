"""Imports go one way: cli → api → carefund, receipts → carefund; carefund never imports
back. The command line (`cli/`) is the composition root and may import every layer."""

import ast
from pathlib import Path

FORBIDDEN = {"fastapi", "starlette", "reportlab", "api", "receipts", "uvicorn", "jinja2", "cli"}
ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_domain_imports_no_web_pdf_or_command_line_layer() -> None:
    for path in (ROOT / "carefund").rglob("*.py"):
        bad = imported_modules(path) & FORBIDDEN
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_receipts_render_without_the_database_or_the_web() -> None:
    for path in (ROOT / "receipts").rglob("*.py"):
        bad = imported_modules(path) & {"sqlmodel", "sqlalchemy", "fastapi", "api", "cli"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_web_layer_does_not_import_the_command_line() -> None:
    for path in (ROOT / "api").rglob("*.py"):
        assert "cli" not in imported_modules(path), f"{path.relative_to(ROOT)} imports cli"
