"""`carefund user …`: list, deactivate and reactivate, reset password, unlock, tokens,
revoke and rotate, each audited, with clear messages for bad input."""

from pathlib import Path

from carefund import audit
from carefund.access import users
from carefund.errors import Unauthenticated
from carefund.storage.database import Database
from tests.test_cli import carefund


def test_user_administration_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'books.db'}"
    assert carefund("init", url=url).returncode == 0
    added = carefund("user", "add", "zhang", "--role", "clerk", "--display-name", "张三", url=url)
    assert added.returncode == 0, added.stderr
    first = added.stdout.strip().splitlines()[-1]
    listed = carefund("user", "list", url=url)
    assert "zhang" in listed.stdout and "张三" in listed.stdout
    database = Database.open(url)
    try:
        assert users.user_for_token(database, first).display_name == "张三"
        assert carefund("user", "deactivate", "zhang", url=url).returncode == 0
        assert "已停用" in carefund("user", "list", url=url).stdout
        try:
            users.user_for_token(database, first)
            raise AssertionError("a deactivated user's token still works")
        except Unauthenticated:
            pass
        assert carefund("user", "reactivate", "zhang", url=url).returncode == 0
        tokens = carefund("user", "tokens", "zhang", url=url)
        token_id = tokens.stdout.split()[0]
        rotated = carefund("user", "rotate", "zhang", token_id, url=url)
        assert rotated.returncode == 0, rotated.stderr
        second = rotated.stdout.strip().splitlines()[-1]
        assert second.startswith("cf_") and second != first
        assert users.user_for_token(database, second).username == "zhang"
        again = carefund("user", "revoke", "zhang", token_id, url=url)
        assert again.returncode == 2 and "已吊销" in again.stderr
        short = carefund("user", "reset-password", "zhang", "--password", "short", url=url)
        assert short.returncode == 2 and "8" in short.stderr and "Traceback" not in short.stderr
        reset = carefund("user", "reset-password", "zhang", "--password", "long-enough", url=url)
        assert reset.returncode == 0 and "须改密码" in reset.stdout
        assert carefund("user", "unlock", "zhang", url=url).returncode == 0
        missing = carefund("user", "deactivate", "nobody", url=url)
        assert missing.returncode == 2 and "nobody" in missing.stderr

        def actions(session):  # type: ignore[no-untyped-def]
            user = users.get_user(session, "zhang")
            return [(row.actor, row.action) for row in audit.history(session, "user", user.id)]

        assert database.read(actions) == [
            ("cli", "user.created"),
            ("cli", "user.deactivated"),
            ("cli", "user.reactivated"),
            ("cli", "token.revoked"),
            ("cli", "token.issued"),
            ("cli", "user.password_reset"),
            ("cli", "user.unlocked"),
        ]
    finally:
        database.dispose()
