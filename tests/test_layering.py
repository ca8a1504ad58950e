"""Imports go one way: api → carefund, receipts → carefund; carefund never imports back
(its command line, the composition root, may, inside `serve` and `statement`)."""

import ast
from pathlib import Path

FORBIDDEN = {"fastapi", "starlette", "reportlab", "api", "receipts", "uvicorn", "jinja2"}
ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_domain_imports_no_web_or_pdf_layer() -> None:
    for path in (ROOT / "carefund").rglob("*.py"):
        # The command line may import them inside its commands, never at module level.
        top_level_only = path.name == "cli.py"
        bad = imported_modules(path, top_level_only) & FORBIDDEN
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_receipts_render_without_the_database_or_the_web() -> None:
    for path in (ROOT / "receipts").rglob("*.py"):
        bad = imported_modules(path, False) & {"sqlmodel", "sqlalchemy", "fastapi", "api"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
