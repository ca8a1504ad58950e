"""`carefund alerts scan` and the cross-district hash lists, through the command line."""

import json
from pathlib import Path

from sqlmodel import col, select

from carefund.models import Alert
from carefund.models.sealed import new_key_text
from carefund.storage.database import Database
from tests.builders import disburse, make_fund, make_recipient, make_staff, record, valid_id_number
from tests.test_cli import carefund


def alerts_in(database: Database) -> list[Alert]:
    return database.read(lambda s: list(s.exec(select(Alert).order_by(col(Alert.id)))))


def district(database: Database, aided: dict[int, str]) -> None:
    """A district whose members with ID numbers `serial` were paid `amount` in 2026."""
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "50000.00")
    for serial, amount in aided.items():
        member = make_recipient(
            database, staff["clerk"], id_number=valid_id_number(serial), name=f"对象{serial}"
        )
        disburse(database, staff, member, amount, on="2026-06-10")


def test_districts_compare_keyed_hashes_and_nothing_plain_leaves(
    database, database_url, tmp_path: Path
) -> None:
    district(database, {1: "600.00", 2: "800.00", 3: "300.00"})
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    assert carefund("init", url=other_url).returncode == 0
    other = Database.open(other_url)
    district(other, {2: "1200.00", 3: "100.00", 4: "900.00"})
    key_file = tmp_path / "city.key"
    key_file.write_text(new_key_text() + "\n", encoding="ascii")
    listed = tmp_path / "west.json"
    exported = carefund(
        "recipients",
        "export-hashes",
        "--key-file",
        str(key_file),
        "--year",
        "2026",
        "--district",
        "西区",
        "-o",
        str(listed),
        url=other_url,
    )
    assert exported.returncode == 0, exported.stderr
    text = listed.read_text(encoding="utf-8")
    for serial in (2, 3, 4):
        assert valid_id_number(serial) not in text and f"对象{serial}" not in text
    document = json.loads(text)
    assert document["district"] == "西区" and document["year"] == 2026
    assert sorted(item["aid"] for item in document["recipients"]) == ["100.00", "1200.00", "900.00"]

    wrong_key = tmp_path / "wrong.key"
    wrong_key.write_text(new_key_text() + "\n", encoding="ascii")
    refused = carefund(
        "recipients", "import-hashes", str(listed), "--key-file", str(wrong_key), url=database_url
    )
    assert refused.returncode == 2 and "密钥不符" in refused.stderr
    assert "Traceback" not in refused.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "carefund-district-hashes", "version": 1, "key_check": ', "utf-8")
    bad = carefund(
        "recipients", "import-hashes", str(broken), "--key-file", str(key_file), url=database_url
    )
    assert bad.returncode == 2 and "JSON" in bad.stderr
    assert alerts_in(database) == []

    imported = carefund(
        "recipients", "import-hashes", str(listed), "--key-file", str(key_file), url=database_url
    )
    assert imported.returncode == 0, imported.stderr
    assert "两区同年受助 2 人，新预警 2 条" in imported.stdout
    found = alerts_in(database)
    assert [a.rule_code for a in found] == ["cross_district"] * 2
    assert "本区受助 800.00 元，在西区受助 1200.00 元" in found[0].message
    assert "本区受助 300.00 元，在西区受助 100.00 元" in found[1].message
    again = carefund(
        "recipients", "import-hashes", str(listed), "--key-file", str(key_file), url=database_url
    )
    assert "新预警 0 条" in again.stdout
    other.dispose()


def test_the_nightly_scan_prints_what_it_raised(database, database_url) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "500.00", on="2026-10-05")
    scanned = carefund("alerts", "scan", url=database_url)
    assert scanned.returncode == 0, scanned.stderr
    # The command runs on the real calendar: October at least is a month past, unclosed.
    assert "逾期未结账（missing_seal）" in scanned.stdout and "按等级：B 级" in scanned.stdout
    assert "新预警 0 条" in carefund("alerts", "scan", url=database_url).stdout
