"""Personal data sealed at rest: no plaintext ID number or phone in the database file, its
backup or PostgreSQL's columns; lookups by keyed hash; rotation; wrong keys; the migration.
"""

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from carefund import alerts, data_keys, imports, recipients
from carefund.access import admin
from carefund.errors import DataKeyError, ImportRejected
from carefund.models.sealed import new_key_text, write_key_file
from carefund.settings import get_settings
from carefund.storage.database import Database
from carefund.storage.engines import make_engine
from carefund.storage.schema import alembic_config, upgrade
from tests.builders import make_recipient, make_staff, valid_id_number

ID_NUMBER = valid_id_number(613)
MOBILE = "13912345678"
LANDLINE = "0531-88123456"
ADDRESS = "济南市历下区泉城路 1 号"


@pytest.fixture
def staff(database: Database) -> dict:
    return make_staff(database)


@pytest.fixture
def settings_from_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Change the data key settings within a test; the settings are read again after."""
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def use_key_file(patch: pytest.MonkeyPatch, path: Path) -> None:
    patch.delenv("CAREFUND_DATA_KEY")
    patch.setenv("CAREFUND_DATA_KEY_FILE", str(path))
    get_settings.cache_clear()


def use_key(patch: pytest.MonkeyPatch, key: str) -> None:
    patch.setenv("CAREFUND_DATA_KEY", key)
    get_settings.cache_clear()


def roll(database: Database, staff: dict, q: str | None = None) -> list[dict]:
    return database.read(
        lambda session: recipients.list_recipients(session, actor=staff["auditor"], q=q)
    )


def stored_personal_data(database: Database) -> list[tuple]:
    return database.read(
        lambda session: list(
            session.connection().execute(text("SELECT id_number, phone, address FROM recipient"))
        )
    )


def test_the_stored_columns_hold_no_plaintext(database: Database, staff: dict) -> None:
    make_recipient(database, staff["clerk"], id_number=ID_NUMBER, phone=MOBILE, address=ADDRESS)
    (row,) = stored_personal_data(database)
    for stored, plain in zip(row, (ID_NUMBER, MOBILE, ADDRESS), strict=True):
        assert stored.startswith("k1:") and plain not in stored
        assert ID_NUMBER[-8:] not in stored and MOBILE[-8:] not in stored
    # The model still reads plaintext, and presenters mask as before.
    found = database.read(
        lambda session: recipients.recipient_row(
            session, roll(database, staff)[0]["id"], actor=staff["clerk"]
        )
    )
    assert (found.id_number, found.phone, found.address) == (ID_NUMBER, MOBILE, ADDRESS)
    assert roll(database, staff)[0]["phone_masked"] == "139****5678"


def _sqlite_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


def test_the_sqlite_file_and_its_backup_hold_no_plaintext(
    database: Database, staff: dict, tmp_path: Path
) -> None:
    if not database.is_sqlite:
        pytest.skip("the raw file is SQLite's")
    for serial in range(20):
        make_recipient(
            database,
            staff["clerk"],
            id_number=valid_id_number(serial),
            phone=f"1391234{serial:04d}",
            address=f"{ADDRESS}{serial}室",
        )
    path = Path(database.engine.url.database or "")
    copy = tmp_path / "backup.db"
    made = subprocess.run(
        [sys.executable, "-m", "cli", "backup", str(copy)],
        env={**os.environ, "CAREFUND_DATABASE_URL": f"sqlite:///{path}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    database.dispose()
    for raw in (_sqlite_bytes(path), copy.read_bytes()):
        assert b"k1:" in raw
        for serial in range(20):
            assert valid_id_number(serial).encode() not in raw
            assert f"1391234{serial:04d}".encode() not in raw
            # Nor the address, in the roll, the events feed or the audit log.
            address = f"{ADDRESS}{serial}室"
            assert address.encode() not in raw
            assert json.dumps(address)[1:-1].encode() not in raw  # as JSON copies hold it


def test_a_full_id_number_or_phone_finds_the_member(database: Database, staff: dict) -> None:
    member = make_recipient(database, staff["clerk"], id_number=ID_NUMBER, phone=LANDLINE)
    make_recipient(database, staff["clerk"], id_number=valid_id_number(7), phone=MOBILE)
    for q in (ID_NUMBER, ID_NUMBER.lower(), LANDLINE, LANDLINE.replace("-", "")):
        assert [row["id"] for row in roll(database, staff, q=q)] == [member.id], q
    assert roll(database, staff, q=valid_id_number(8)) == []
    assert roll(database, staff, q=ID_NUMBER[:10]) == []  # no partial match on sealed data


def refused_cells(database: Database, staff: dict, rows: str) -> list[tuple]:
    sheet = f"编号,姓名,类别,身份证号\n{rows}".encode()
    with pytest.raises(ImportRejected) as refused:
        database.write(
            lambda session: imports.import_recipients(session, data=sheet, actor=staff["clerk"])
        )
    return [(error["row"], error["field"], error["msg"]) for error in refused.value.errors]


def test_the_import_refuses_an_id_number_already_on_the_roll_or_repeated(
    database: Database, staff: dict
) -> None:
    make_recipient(database, staff["clerk"], member_no="D001", id_number=ID_NUMBER)
    rows = f"D001,甲,hardship,{ID_NUMBER}\nD002,乙,hardship,{ID_NUMBER[:-1]}\n"
    assert refused_cells(database, staff, rows)[0][:2] == (3, "id_number")  # bad check digit
    rows = f"D001,甲,hardship,{ID_NUMBER}\nD002,乙,hardship,{ID_NUMBER}\n"
    assert refused_cells(database, staff, rows) == [(3, "id_number", "身份证号与第 2 行重复")]
    rows = f"D003,丙,hardship,{valid_id_number(9)}\nD004,丁,hardship,{ID_NUMBER}\n"
    assert refused_cells(database, staff, rows) == [
        (3, "id_number", "身份证号已属于名册中的党员 D001")
    ]
    assert len(roll(database, staff)) == 1


def test_rotation_reseals_every_row_and_the_old_key_can_then_be_retired(
    database: Database, staff: dict, settings_from_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file = tmp_path / "data.key"
    write_key_file(key_file, [new_key_text()])
    use_key_file(settings_from_env, key_file)
    for serial in range(1, 8):
        make_recipient(database, staff["clerk"], id_number=valid_id_number(serial), phone=MOBILE)
    (old_key,) = database.read(data_keys.keys_in_use)
    seen: list[tuple[int, int]] = []
    rotation = data_keys.rotate_keys(
        database, progress=lambda done, total: seen.append((done, total))
    )
    assert rotation.recipients == 7 and seen[-1] == (7, 7)
    assert database.read(data_keys.keys_in_use) == {rotation.new_key_id: 7 + 7}
    assert len(data_keys.key_texts_in_file(key_file)) == 2  # the old key is still there
    assert data_keys.retire_keys(database) == [old_key]
    assert len(data_keys.key_texts_in_file(key_file)) == 1
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [
        row["id_number_masked"][-4:] for row in roll(database, staff, q=valid_id_number(3))
    ] == [valid_id_number(3)[-4:]]
    assert len(roll(database, staff, q=MOBILE)) == 7


def test_a_wrong_key_gives_a_clear_error_not_garbage(
    database: Database, staff: dict, settings_from_env: pytest.MonkeyPatch
) -> None:
    make_recipient(database, staff["clerk"], id_number=ID_NUMBER)
    use_key(settings_from_env, new_key_text())
    with pytest.raises(DataKeyError, match="没有这把密钥"):
        roll(database, staff)
    # A key that claims the right id but is another (or data changed) fails the tag check.
    stored = stored_personal_data(database)[0][0]
    forged = stored[:-6] + ("AAAA==" if not stored.endswith("AAAA==") else "BBBB==")
    database.write(
        lambda session: session.connection().execute(
            text("UPDATE recipient SET id_number = :forged"), {"forged": forged}
        )
    )
    settings_from_env.undo()
    get_settings.cache_clear()
    with pytest.raises(DataKeyError, match="无法解密"):
        roll(database, staff)
    with pytest.raises(DataKeyError, match="格式不正确"):
        use_key(settings_from_env, "not a key")
        roll(database, staff)


def test_the_migration_seals_existing_rows_and_needs_the_key(
    settings_from_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0004")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO recipient (member_no, name, category, branch, id_number, phone,"
                " address, active, created_at, updated_at) VALUES ('D1', '王某', 'hardship', '',"
                " :id_number, :phone, :address, true, '2026-01-01', '2026-01-01')"
            ),
            {"id_number": ID_NUMBER, "phone": MOBILE, "address": ADDRESS},
        )
    use_key_file(settings_from_env, tmp_path / "missing.key")
    with pytest.raises(DataKeyError, match="没有数据密钥"):
        upgrade(engine)
    settings_from_env.undo()
    get_settings.cache_clear()
    upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM recipient")).mappings().one()
    assert all(row[name].startswith("k1:") for name in ("id_number", "phone", "address"))
    assert row["id_number_hash"] and row["phone_hash"]
    database = Database(engine)
    staff = make_staff(database)
    assert [r["member_no"] for r in roll(database, staff, q=ID_NUMBER)] == ["D1"]
    command.downgrade(alembic_config(engine), "0004")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id_number FROM recipient")).scalar() == ID_NUMBER
    database.dispose()


def carefund(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_init_creates_the_key_file_and_keys_rotate_reseals(tmp_path: Path) -> None:
    database_file = tmp_path / "books.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREFUND_")}
    env["CAREFUND_DATABASE_URL"] = f"sqlite:///{database_file}"
    made = carefund("init", env=env)
    assert made.returncode == 0, made.stderr
    key_file = tmp_path / "books.db.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "备份" in made.stdout
    sheet = tmp_path / "roll.csv"
    sheet.write_text(f"编号,姓名,类别,身份证号,电话\nD1,王某,hardship,{ID_NUMBER},{MOBILE}\n")
    imported = carefund("import-recipients", str(sheet), env=env)
    assert imported.returncode == 0, imported.stderr
    assert ID_NUMBER.encode() not in _sqlite_bytes(database_file)
    rotated = carefund("keys", "rotate", env=env)
    assert rotated.returncode == 0, rotated.stderr
    assert len(data_keys.key_texts_in_file(key_file)) == 2
    retired = carefund("keys", "retire", env=env)
    assert retired.returncode == 0 and "已从" in retired.stdout, retired.stderr
    listed = carefund("keys", "list", env=env)
    assert listed.returncode == 0 and "加密  2 项" in listed.stdout, listed.stdout + listed.stderr
    # Lost key file: init refuses to make a new key that could not open the roll.
    key_file.unlink()
    again = carefund("init", env=env)
    assert again.returncode == 2 and "已有加密的个人信息" in again.stderr


def test_rotation_reseals_staff_identities_and_the_rules_still_compare_them(
    database: Database, staff: dict, settings_from_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file = tmp_path / "data.key"
    write_key_file(key_file, [new_key_text()])
    use_key_file(settings_from_env, key_file)
    database.write(
        lambda session: admin.set_identity(
            session, actor=staff["admin"], username="cashier", id_number="", phone=MOBILE
        )
    )
    (old_key,) = database.read(data_keys.keys_in_use)
    rotation = data_keys.rotate_keys(database)
    assert database.read(data_keys.keys_in_use) == {rotation.new_key_id: 1}
    assert data_keys.retire_keys(database) == [old_key]
    shown = database.read(
        lambda session: admin.read_user(session, actor=staff["admin"], username="cashier")
    )
    assert shown["phone_masked"] == MOBILE[:3] + "****" + MOBILE[-4:]
    make_recipient(database, staff["clerk"], phone=MOBILE)
    found = database.read(lambda session: alerts.list_alerts(session, actor=staff["auditor"]))
    assert [alert["rule"] for alert in found] == ["identity_staff"]
