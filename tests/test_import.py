"""Importing the roll from CSV and XLSX: encodings, Chinese headers, all or nothing, limits."""

import io
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.app import create_app
from carefund import imports, sheets
from carefund.audit import history
from carefund.errors import ImportRejected, ImportTooLarge, InvalidInput
from carefund.models import Event, Recipient
from tests.builders import make_recipient, make_staff, make_token, valid_id_number

ID_1, ID_2, ID_3 = valid_id_number(1), valid_id_number(2), valid_id_number(3)
BAD_ID = ID_1[:17] + ("0" if ID_1[17] != "0" else "1")

CHINESE_CSV = (
    "编号,姓名,类别,支部,身份证号,电话,地址\n"
    f"D001,王建国,生活困难党员,城关街道第一党支部,{ID_1},13812345678,城关街道幸福路 1 号\n"
    f"D002,欧阳秀英,老党员及离退休职工党员,城关街道第二党支部,{ID_2},0531-87654321,\n"
    "D003,李明,农民（社区）党员,东关村党支部,,,\n"
)


def do_import(database, clerk, data: bytes):
    return database.write(
        lambda session: imports.import_recipients(session, data=data, actor=clerk).public()
    )


def roll(database) -> dict[str, Recipient]:
    return database.read(lambda session: {r.member_no: r for r in session.exec(select(Recipient))})


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def staff(database):
    return make_staff(database)


def test_good_csv_with_api_field_names_and_a_bom(database, staff) -> None:
    data = (
        "\ufeffmember_no,name,category,branch,phone\n"
        "A1,张三,hardship,第一党支部,13800000001\n"
        "A2,李四,cadre,第二党支部,\n"
    ).encode("utf-8")
    assert do_import(database, staff["clerk"], data) == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "ignored_columns": [],
    }
    stored = roll(database)
    assert stored["A1"].name == "张三" and stored["A1"].phone == "13800000001"
    assert stored["A2"].category == "cadre" and stored["A2"].phone is None

    def read(session: Session) -> Any:
        created = session.exec(select(func.count()).where(Event.type == "recipient.created")).one()
        assert created == 2
        assert history(session, "recipient", stored["A1"].id)[0].action == "recipient.created"

    database.read(read)


def test_chinese_headers_and_category_names(database, staff) -> None:
    result = do_import(database, staff["clerk"], CHINESE_CSV.encode("utf-8"))
    assert result["created"] == 3
    stored = roll(database)
    assert stored["D001"].category == "hardship"
    assert stored["D001"].id_number == ID_1
    assert stored["D002"].category == "retired" and stored["D002"].phone == "0531-87654321"
    assert stored["D003"].category == "rural_community"
    assert stored["D003"].branch == "东关村党支部"


def test_gb18030_csv_as_excel_writes_it(database, staff) -> None:
    result = do_import(database, staff["clerk"], CHINESE_CSV.encode("gb18030"))
    assert result["created"] == 3
    assert roll(database)["D002"].name == "欧阳秀英"


def test_utf16_tab_separated_text_as_excel_saves_unicode_text(database, staff) -> None:
    data = CHINESE_CSV.replace(",", "\t").encode("utf-16")
    assert do_import(database, staff["clerk"], data)["created"] == 3
    assert roll(database)["D001"].name == "王建国"


def test_xlsx_with_a_title_row_and_numbers_in_cells(database, staff) -> None:
    data = xlsx(
        [
            ["城关街道关爱对象名册（2026 年）"],
            ["党员编号", "姓名*", "党员类别", "所在支部", "联系电话", "备注"],
            [1001, "赵卫东", "流动党员", "城关街道第三党支部", 13900000002, "外出务工"],
            ["1002", "钱晓红", "non_public", "", None, None],
        ]
    )
    result = do_import(database, staff["clerk"], data)
    assert result == {"created": 2, "updated": 0, "unchanged": 0, "ignored_columns": ["备注"]}
    stored = roll(database)
    assert stored["1001"].phone == "13900000002" and stored["1001"].category == "mobile"
    assert stored["1002"].category == "non_public"

    # Row numbers are the sheet's own: the title is row 1, the header row 2.
    bad = xlsx(
        [["名册"], ["编号", "姓名", "类别"], ["1003", "孙丽", "流动党员"], ["1004", "", "流动党员"]]
    )
    with pytest.raises(ImportRejected) as caught:
        do_import(database, staff["clerk"], bad)
    assert caught.value.errors == [{"row": 4, "field": "name", "msg": "不能为空"}]


def test_rows_upsert_by_member_no(database, staff) -> None:
    do_import(database, staff["clerk"], CHINESE_CSV.encode("utf-8"))
    changed = CHINESE_CSV.replace("13812345678", "13987654321") + "D004,孙丽,流动党员,,,,\n"
    result = do_import(database, staff["clerk2"], changed.encode("utf-8"))
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 1, 2)
    stored = roll(database)
    assert stored["D001"].phone == "13987654321"
    # An empty optional cell leaves what is stored (D002's address was never given anyway,
    # D001's ID number stays when a later sheet leaves the column out).
    partial = "编号,姓名,类别\nD001,王建国,生活困难党员\n"
    assert do_import(database, staff["clerk"], partial.encode())["unchanged"] == 1
    assert roll(database)["D001"].id_number == ID_1
    changes = database.read(
        lambda session: [a.detail for a in history(session, "recipient", stored["D001"].id)]
    )
    assert changes[-1] == {"changes": {"phone": ["138****5678", "139****4321"]}}


def test_every_bad_row_is_reported_and_nothing_imported(database, staff) -> None:
    make_recipient(database, staff["clerk"], member_no="D001", name="原有党员")
    data = (
        "编号,姓名,类别,身份证号,电话\n"
        "D001,王建国,生活困难党员,,\n"  # row 2: fine (an update)
        f"D002,,党员干部,{BAD_ID},\n"  # row 3: no name, bad ID number
        "D003,李明,村民,,12345\n"  # row 4: unknown category, bad phone
        "D 4,周强,cadre,,\n"  # row 5: bad member number
        "\n"  # row 6: blank, skipped (numbering goes on)
        "D002,吴刚,cadre,,\n"  # row 7: D002 again
        "D008,郑洁,流动党员,,\n"  # row 8: fine
    ).encode()
    with pytest.raises(ImportRejected) as caught:
        do_import(database, staff["clerk"], data)
    assert sorted((e["row"], e["field"]) for e in caught.value.errors) == [
        (3, "id_number"),
        (3, "name"),
        (4, "category"),
        (4, "phone"),
        (5, "member_no"),
        (7, "member_no"),
    ]
    assert "与第 3 行重复" in next(e["msg"] for e in caught.value.errors if e["row"] == 7)
    assert "生活困难党员" in next(e["msg"] for e in caught.value.errors if e["row"] == 4)
    assert set(roll(database)) == {"D001"}
    assert roll(database)["D001"].name == "原有党员"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "空"),
        (b"  \r\n \n", "空"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "不是 CSV 或 XLSX"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "表头"),
        ("这是一封信，不是表格。\n第二行。\n".encode(), "表头"),
        (b"PK\x03\x04 this is no workbook", "XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xls"),
        ("编号,姓名,类别\n".encode(), "没有数据行"),
        ("编号,姓名,支部\nA1,张三,一支部\n".encode(), "缺少必需的列：category"),
        ("编号,党员编号,姓名,类别\n".encode(), "两次"),
        (b"GIF89a\x01\x00\x01\x00\x00\xff\x00,", "不是 CSV 或 XLSX"),
        (b"\xb0\xa1\xff\xfe\x80", "编码"),
    ],
)
def test_files_that_are_not_rolls_are_refused_clearly(database, staff, data, words) -> None:
    with pytest.raises(InvalidInput) as caught:
        do_import(database, staff["clerk"], data)
    assert words in caught.value.message
    assert caught.value.field == "file"
    assert roll(database) == {}


def test_files_over_the_limits_are_refused(database, staff, monkeypatch) -> None:
    monkeypatch.setattr(sheets, "IMPORT_ROWS_MAX", 2)
    with pytest.raises(ImportTooLarge, match="最多 2 行"):
        do_import(database, staff["clerk"], CHINESE_CSV.encode())
    monkeypatch.setattr(sheets, "IMPORT_BYTES_MAX", 100)
    with pytest.raises(ImportTooLarge, match="文件过大"):
        do_import(database, staff["clerk"], CHINESE_CSV.encode())
    assert roll(database) == {}


def test_only_clerks_and_systems_may_import(database, staff) -> None:
    from carefund.errors import Forbidden

    with pytest.raises(Forbidden):
        do_import(database, staff["auditor"], CHINESE_CSV.encode())


def test_import_through_the_api(database, staff, monkeypatch) -> None:
    client = TestClient(create_app(database))
    headers = {"Authorization": f"Bearer {make_token(database, staff['clerk'])}"}
    answer = client.post(
        "/api/v1/recipients/import",
        headers=headers,
        files={"file": ("roll.csv", CHINESE_CSV.encode("gb18030"), "text/csv")},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 3

    bad = "编号,姓名,类别\nX1,,cadre\nX2,张三,unknown\n".encode()
    answer = client.post(
        "/api/v1/recipients/import", headers=headers, files={"file": ("roll.csv", bad, "text/csv")}
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["status"] == 422
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "name"), (3, "category")]

    sheet = xlsx([["编号", "姓名", "类别"], ["X9", "孙丽", "mobile"]])
    answer = client.post(
        "/api/v1/recipients/import", headers=headers, files={"file": ("a.xlsx", sheet)}
    )
    assert answer.status_code == 200 and answer.json()["created"] == 1

    answer = client.post("/api/v1/recipients/import", headers=headers, json={"file": "x"})
    assert answer.status_code == 422 and "multipart" in answer.json()["detail"]

    monkeypatch.setattr(sheets, "IMPORT_BYTES_MAX", 10)
    answer = client.post(
        "/api/v1/recipients/import",
        headers=headers,
        files={"file": ("roll.csv", CHINESE_CSV.encode(), "text/csv")},
    )
    assert answer.status_code == 413 and "文件过大" in answer.json()["detail"]

    auditor = {"Authorization": f"Bearer {make_token(database, staff['auditor'])}"}
    answer = client.post(
        "/api/v1/recipients/import",
        headers=auditor,
        files={"file": ("roll.csv", CHINESE_CSV.encode(), "text/csv")},
    )
    assert answer.status_code == 403

    def read(session: Session) -> Any:
        assert session.exec(select(func.count(col(Recipient.id)))).one() == 4

    database.read(read)


def test_import_from_the_command_line(database_url, database, staff, tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from carefund.settings import get_settings
    from cli.main import app

    monkeypatch.setenv("CAREFUND_DATABASE_URL", database_url)
    get_settings.cache_clear()
    good = tmp_path / "roll.csv"
    good.write_bytes(CHINESE_CSV.encode("gb18030"))
    bad = tmp_path / "bad.csv"
    bad.write_text("编号,姓名,类别\nX1,,cadre\nX2,张三,unknown\n", encoding="utf-8")
    runner = CliRunner()
    try:
        answer = runner.invoke(app, ["import-recipients", str(good)])
        assert answer.exit_code == 0, answer.output
        assert "新增 3 人" in answer.output
        answer = runner.invoke(app, ["import-recipients", str(bad)])
        assert answer.exit_code == 1
        assert "第 2 行  name" in answer.output and "第 3 行  category" in answer.output
        answer = runner.invoke(app, ["import-recipients", str(tmp_path / "missing.csv")])
        assert answer.exit_code == 2
    finally:
        get_settings.cache_clear()
    assert set(roll(database)) == {"D001", "D002", "D003"}


def test_a_workbook_that_unzips_far_beyond_its_size_is_refused_before_it_is_read(
    monkeypatch,
) -> None:
    # A zip bomb: 64 MiB of zeros in a sheet, about 64 KiB on the wire (against a limit
    # lowered to 4 MiB, so that the test builds no gigabytes).
    monkeypatch.setattr(sheets, "XLSX_UNPACKED_BYTES_MAX", 4 * 1024 * 1024)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(64):
                sheet.write(b"0" * (1024 * 1024))
    assert len(bomb.getvalue()) < sheets.IMPORT_BYTES_MAX // 16
    with pytest.raises(ImportTooLarge, match="解压后过大") as caught:
        sheets.read_sheet(bomb.getvalue())
    assert caught.value.field == "file"
