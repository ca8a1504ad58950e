"""Text at the edge: single-line fields refuse control, bidi and invisible-only text; multi-line
ones keep their line breaks and nothing else; the import lists every bad cell and writes
nothing."""

import io

import pytest
from openpyxl import Workbook
from sqlmodel import select

from carefund import imports
from carefund.errors import ImportRejected, InvalidInput
from carefund.models import Income, Recipient
from carefund.validation import clean_text
from tests.api_support import Api, problem_of
from tests.builders import make_fund, make_staff

RLO = "\u202e"
"""RIGHT-TO-LEFT OVERRIDE: `发票{RLO}fdp.exe` shows as `发票exe.pdf`."""

REFUSED_SINGLE_LINE = [
    "\u200b\u200b",  # zero-width spaces only
    "\ufeff\u2060",  # a BOM and a word joiner
    f"区财政{RLO}局",
    "区财\u2066政\u2069局",  # an isolate
    "区财政\r\n局",
    "区财政\n局",
    "区财政\t局",
    "区财\x85政",  # NEXT LINE, a C1 control
    "区财\u2028政",  # LINE SEPARATOR
]


@pytest.mark.parametrize("text", REFUSED_SINGLE_LINE)
def test_single_line_text_refuses_controls_bidi_and_invisible_only(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_text(text, field="payer")
    assert refused.value.field == "payer"


@pytest.mark.parametrize("text", ["区财政", "王\u200b小明", "  欧阳 秀英  ", "Zoë"])
def test_ordinary_text_passes(text: str) -> None:
    assert clean_text(text, field="name") == text.strip()


def test_multi_line_text_keeps_line_breaks_as_lf_and_nothing_else() -> None:
    assert clean_text("第一行\r\n第二行\r第三行\n", field="memo", multiline=True) == (
        "第一行\n第二行\n第三行"
    )
    for bad in ("第一行\t第二行", f"第一行\n{RLO}第二行", "\u200b\n\u200c", "a\x00b", "a\u2029b"):
        with pytest.raises(InvalidInput):
            clean_text(bad, field="memo", multiline=True)


def test_the_api_names_each_bad_field_and_records_nothing(api: Api) -> None:
    make_fund(api.database, api.staff["admin"])
    answer = api.post(
        "clerk",
        "/funds/HC-CARE/incomes",
        {
            "source": "member_donation",
            "payer": "\u200b",
            "amount": "10.00",
            "received_on": "2026-03-01",
            "method": "转账\r\n",
            "memo": f"捐款{RLO}",
        },
    )
    body = problem_of(answer, 422)
    assert {tuple(error["loc"]) for error in body["errors"]} == {
        ("body", "payer"),
        ("body", "memo"),
    }
    # The method's trailing CRLF is outer whitespace, stripped like spaces.
    assert api.database.read(lambda session: session.exec(select(Income)).all()) == []

    answer = api.post(
        "clerk",
        "/funds/HC-CARE/incomes",
        {
            "source": "member_donation",
            "payer": "区财政\n局",
            "amount": "10.00",
            "received_on": "2026-03-01",
        },
    )
    assert [error["loc"] for error in problem_of(answer, 422)["errors"]] == [["body", "payer"]]

    recorded = api.ok(
        api.post(
            "clerk",
            "/funds/HC-CARE/incomes",
            {
                "source": "member_donation",
                "payer": "区财政局",
                "amount": "10.00",
                "received_on": "2026-03-01",
                "memo": "第一行\r\n第二行",
            },
        ),
        201,
    )
    stored = api.database.read(lambda session: session.get(Income, recorded["id"]))
    assert stored is not None and stored.memo == "第一行\n第二行"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/funds", {"code": "HC-TWO", "name": f"基金{RLO}"}, "name"),
        ("/funds", {"code": "HC-TWO", "name": "基金", "org": "\u200b"}, "org"),
        ("/recipients", {"member_no": "A1", "name": "王\t明", "category": "cadre"}, "name"),
        (
            "/recipients",
            {"member_no": "A1", "name": "王明", "category": "cadre", "address": "幸福路\n1 号"},
            "address",
        ),
        (
            "/recipients",
            {"member_no": "A1", "name": "王明", "category": "cadre", "branch": "\u2066支部"},
            "branch",
        ),
    ],
)
def test_funds_and_recipients_refuse_bad_text(api: Api, path: str, body: dict, field: str) -> None:
    who = "admin" if path == "/funds" else "clerk"
    problem = problem_of(api.post(who, path, body), 422)
    assert [error["loc"][-1] for error in problem["errors"]] == [field]


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)  # type: ignore[union-attr]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_import_lists_every_bad_cell_and_imports_nothing(database) -> None:
    clerk = make_staff(database)["clerk"]
    data = _xlsx(
        [
            ["编号", "姓名", "类别", "支部", "地址"],
            ["A1", "张三", "cadre", "第一党支部", "幸福路 1 号"],
            ["A2", "\u200b\u200b", "cadre", f"第二{RLO}支部", ""],
            ["A3", "王五", "cadre", "", "幸福路\n3 号"],
        ]
    )
    with pytest.raises(ImportRejected) as refused:
        database.write(lambda session: imports.import_recipients(session, data=data, actor=clerk))
    assert [(error["row"], error["field"]) for error in refused.value.errors] == [
        (3, "name"),
        (3, "branch"),
        (4, "address"),
    ]
    assert database.read(lambda session: session.exec(select(Recipient)).all()) == []

    csv = f"member_no,name,category\nB1,李{RLO}四,cadre\nB2,赵六,cadre\n".encode()
    with pytest.raises(ImportRejected) as refused:
        database.write(lambda session: imports.import_recipients(session, data=csv, actor=clerk))
    assert [(error["row"], error["field"]) for error in refused.value.errors] == [(2, "name")]
    assert database.read(lambda session: session.exec(select(Recipient)).all()) == []
