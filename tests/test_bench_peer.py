"""`bench.peer` compares like with like: the hledger journal it writes from the books gives,
through `hledger balance`, the same year figures as carefund's statement; a difference is
reported; and without hledger the benchmark says it is skipped."""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import peer
from bench.province import ACTORS, BookSize, fund_code, generate
from carefund.access import users
from carefund.storage.database import Database
from carefund.storage.schema import upgrade

needs_hledger = pytest.mark.skipif(shutil.which(peer.HLEDGER) is None, reason="no hledger")


@pytest.fixture
def books(tmp_path: Path) -> Iterator[tuple[Database, users.User]]:
    database = Database.open(f"sqlite:///{tmp_path / 'peer.db'}")
    upgrade(database.engine)
    generate(database, BookSize(entries=400, funds=1), echo=lambda _line: None)
    auditor = database.read(lambda session: users.get_user(session, ACTORS["auditor"]))
    yield database, auditor
    database.dispose()


@needs_hledger
def test_hledger_balances_the_books_as_the_statement_does(
    books: tuple[Database, users.User], tmp_path: Path
) -> None:
    database, auditor = books
    journal = tmp_path / "books.journal"
    assert peer.hledger_journal(database, fund_code(0), journal) == 400
    statement = json.loads(peer._statement_json(database, auditor, fund_code(0), 2026))
    balances = peer.hledger_balances(journal, 2026)
    assert statement["reconciled"]
    assert peer.check_agreement(statement, balances) == []
    assert sum(balances.values()) == 0  # every transaction balanced
    # A fen off in one account is found.
    balances["assets:cash"] += 1
    assert peer.check_agreement(statement, balances) == [
        f"assets:cash: carefund {balances['assets:cash'] - 1} fen, "
        f"hledger {balances['assets:cash']} fen"
    ]


def test_without_hledger_the_benchmark_is_skipped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(peer, "HLEDGER", "hledger-not-installed-here")
    assert peer.measure(100, runs=1) == []
    assert "skipped, hledger is not installed" in capsys.readouterr().out
