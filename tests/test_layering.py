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


def _carefund_imports(path: Path) -> set[str]:
    """The carefund modules a file imports, as dotted names (`carefund.ledger.posting`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("carefund"):
            names.update(
                f"{node.module}.{alias.name}" if node.module == "carefund" else node.module
                for alias in node.names
            )
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("carefund"))
    return names


# What the layers below the workflows may use: the ledger posts and checks entries and the
# storage runs units of work; neither knows a workflow (incomes, disbursements, …), so that
# every workflow posts through the one posting path and writes through the one Database.
FOUNDATIONS = (
    "carefund.clock",
    "carefund.errors",
    "carefund.limits",
    "carefund.money",
    "carefund.settings",
    "carefund.vocabulary",
    "carefund.models",
    "carefund.storage",
    "carefund.ledger",
)
LAYERS_BELOW_THE_WORKFLOWS = {
    "models": FOUNDATIONS[:6] + ("carefund.models",),
    "storage": FOUNDATIONS[:6] + ("carefund.storage",),
    "ledger": FOUNDATIONS,
}


def test_the_ledger_storage_and_tables_know_no_workflow() -> None:
    for package, allowed in LAYERS_BELOW_THE_WORKFLOWS.items():
        for path in (ROOT / "carefund" / package).rglob("*.py"):
            bad = {
                name
                for name in _carefund_imports(path)
                if not any(name == ok or name.startswith(ok + ".") for ok in allowed)
            }
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_no_module_is_longer_than_one_sitting() -> None:
    # STYLE: files small enough to read in one sitting; the migration's DDL is one script.
    for folder in ("carefund", "api", "receipts", "cli"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            lines = path.read_text(encoding="utf-8").count("\n")
            assert lines <= 420, f"{path.relative_to(ROOT)} has {lines} lines"
