"""Receipts, vouchers, statements and the public list, read back from their PDFs."""

import re
import subprocess
import sys
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session

import receipts
from carefund import disbursements, incomes
from carefund.errors import Forbidden, InvalidInput, NotFound
from carefund.reports import documents, slips
from carefund.reports.statements import Check
from receipts.fonts import document_font
from tests.builders import make_fund, make_staff, record
from tests.document_fixtures import (
    QUARTER_CLOSING_FEN,
    QUARTER_DISBURSED_FEN,
    QUARTER_INCOME_FEN,
    care_quarter,
    compact,
    pdf_pages,
    pdf_text,
)


def test_a_receipt_says_who_paid_what_in_figures_and_capitals(database) -> None:
    quarter = care_quarter(database)
    donation = quarter.incomes[2]

    def read(session: Session) -> Any:
        view = slips.receipt_view(session, income_id=donation.id, actor=quarter.staff["clerk"])
        raw = pdf_text(receipts.render_receipt(view))
        text = compact(raw)
        return view, raw, text

    view, raw, text = database.read(read)

    assert view.receipt_no == "HC-CARE-2026-000003"
    assert view.amount.fen == 876_543
    for expected in (
        "收款收据",
        "No.HC-CARE-2026-000003",
        "中共某区委组织部",
        "某区党内关爱基金",
        "2026年01月15日",
        "机关第一党支部全体党员",
        "党员募捐",
        "捌仟柒佰陆拾伍元肆角叁分",
        "¥8,765.43",
        "记-202601-0003",
        "经办人：clerk",
        "收款单位（盖章）",
        view.entry_hash,
    ):
        assert expected in text, expected
    assert "本收据已作废" not in text and "作 废" not in raw  # neither the note nor the stamp

    # The QR code names the receipt and the entry, so anyone can check it in the journal.
    payload = urlsplit(view.qr_payload)
    assert payload.scheme == "carefund" and payload.path == "receipt"
    fields = {key: values[0] for key, values in parse_qs(payload.query).items()}
    assert fields == {
        "fund": "HC-CARE",
        "no": "HC-CARE-2026-000003",
        "seq": "3",
        "voucher": "记-202601-0003",
        "amount": "8765.43",
        "sha256": view.entry_hash,
    }
    assert view.qr_payload.isascii()


def test_a_reversed_income_s_receipt_is_void_and_its_number_never_comes_back(database) -> None:
    quarter = care_quarter(database)
    sponsorship = quarter.incomes[3]

    def read(session: Session) -> Any:
        view = slips.receipt_view(session, income_id=sponsorship.id, actor=quarter.staff["auditor"])
        raw = pdf_text(receipts.render_receipt(view))
        text = compact(raw)
        return view, raw, text

    view, raw, text = database.read(read)
    assert view.void and view.receipt_no == "HC-CARE-2026-000004"
    assert "作 废" in raw  # the stamp across the receipt
    assert "本收据已作废" in text
    assert "赞助协议撤销" in text
    assert "记-202603-0001" in text  # the reversal's voucher
    assert "叁万元整" in text

    later = record(database, quarter.staff["clerk"], "100.00", on="2026-03-20")
    assert later.receipt_no == "HC-CARE-2026-000005"


def test_a_voucher_shows_the_masked_id_and_who_did_each_step(database) -> None:
    quarter = care_quarter(database)
    paid = quarter.paid[5]  # 欧阳小华, 生活帮扶 1,200.50

    def read(session: Session) -> Any:
        view = slips.voucher_view(session, disbursement_id=paid.id, actor=quarter.staff["clerk"])
        text = compact(pdf_text(receipts.render_voucher(view)))
        return text

    text = database.read(read)
    masked = quarter.id_numbers[1][:3] + "*" * 11 + quarter.id_numbers[1][-4:]
    for expected in (
        "关爱资金领款签收单",
        "欧阳小华",
        masked,
        "老党员及离退休职工党员",
        "生活帮扶",
        "春节慰问",
        "壹仟贰佰元零伍角",
        "¥1,200.50",
        "经办人：clerk",
        "审批人：approver",
        "出纳：cashier",
        "领款人签字",
        "2026年02月10日",
        "已发放",
    ):
        assert expected in text, expected
    assert quarter.id_numbers[1] not in text
    assert quarter.phones[1] not in text


def test_a_reversed_disbursement_s_voucher_is_stamped(database) -> None:
    quarter = care_quarter(database)
    view = database.read(
        lambda session: slips.voucher_view(
            session, disbursement_id=quarter.paid[0].id, actor=quarter.staff["clerk"]
        )
    )
    assert view.stamp == "已冲销"
    assert "重复发放" in compact(pdf_text(receipts.render_voucher(view)))


def test_the_quarter_statement_reconciles_on_paper(database) -> None:
    quarter = care_quarter(database)

    def read(session: Session) -> Any:
        view = documents.statement_view(
            session, fund_code="HC-CARE", period="2026-Q1", actor=quarter.staff["auditor"]
        )
        pages = pdf_pages(receipts.render_statement(view))
        return view, pages

    view, pages = database.read(read)
    text = compact("\n".join(pages))

    assert view.statement.income_total_fen == QUARTER_INCOME_FEN
    assert view.statement.disbursed_total_fen == QUARTER_DISBURSED_FEN
    assert view.statement.closing_fen == QUARTER_CLOSING_FEN
    for expected in (
        "某区党内关爱基金收支审计报表",
        "2026年第1季度",
        "中共某区委组织部",
        "生成人auditor",
        "期初余额0.00",
        "本期收入合计178,765.43",
        "其中：党费补贴50,000.00",
        "其中：社会赞助0.00",
        "本期支出合计11,503.00",
        "期末余额167,262.43",
        # The 6×3 matrix: a row, a column total and the grand total.
        "生活困难党员0.00300.001,200.501,500.50",
        "合计2,500.001,800.007,203.0011,503.00",
        # Every reconciliation check, passed.
        "期初余额＋本期收入－本期支出＝期末余额167,262.43167,262.43通过",
        "6×3矩阵合计＝支出科目合计11,503.0011,503.00通过",
        "按关爱对象合计＝6×3矩阵合计11,503.0011,503.00通过",
        "借方合计＝贷方合计",
        "各项核对全部通过",
        f"凭证笔数{view.statement.entry_count}笔",
        view.statement.head_hash,
        # The journal and the totals per recipient.
        "记-202601-0001",
        "记-202603-0002",
        "冲销记-202602-0001",
        "支出-生活帮扶-生活困难党员",
        "M0",
        "欧阳小华",
        "合计（6人）",
        view.generated_by,
        "字体",
    ):
        assert expected in text, expected
    assert "不通过" not in text
    assert view.statement.entry_count == 24
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"第\s*{number}\s*页\s*共\s*{len(pages)}\s*页", page), page[:200]


def test_a_failed_check_is_printed_as_failed(database) -> None:
    # Renderers take plain data: a statement whose books do not reconcile, made by hand.
    quarter = care_quarter(database)

    def read(session: Session) -> Any:
        view = documents.statement_view(
            session, fund_code="HC-CARE", period="2026-Q1", actor=quarter.staff["auditor"]
        )
        broken = replace(
            view,
            statement=replace(
                view.statement,
                checks=[*view.statement.checks[:3], Check("借方合计＝贷方合计", 1, 2)],
            ),
        )
        text = compact(pdf_text(receipts.render_statement(broken)))
        return text

    text = database.read(read)
    assert "借方合计＝贷方合计0.010.02不通过" in text
    assert "存在未通过的核对项" in text


def test_a_long_statement_repeats_its_headers_on_every_journal_page(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    for day in range(1, 29):
        for payer in range(4):
            record(
                database,
                staff["clerk"],
                f"{100 + payer}.00",
                on=f"2026-05-{day:02d}",
                payer=f"第{payer + 1}党支部",
            )

    def read(session: Session) -> Any:
        view = documents.statement_view(
            session, fund_code="HC-CARE", period="2026-05", actor=staff["admin"]
        )
        pages = pdf_pages(receipts.render_statement(view))
        return pages

    pages = database.read(read)
    journal_pages = [page for page in pages if "记-202605-" in page]
    assert len(journal_pages) >= 6  # 112 entries, 224 posting lines
    for page in journal_pages:
        assert "凭证号" in page and "借方（元）" in page
    text = compact("\n".join(pages))
    assert "记-202605-0112" in text
    assert "本期合计（112笔凭证）" in text
    assert re.search(rf"共\s*{len(pages)}\s*页", pages[-1])


def test_the_public_list_masks_names_and_shows_nothing_personal(database) -> None:
    quarter = care_quarter(database)

    def read(session: Session) -> Any:
        view = documents.disclosure_view(
            session, fund_code="HC-CARE", period="2026-Q1", actor=quarter.staff["clerk"]
        )
        text = compact(pdf_text(receipts.render_disclosure(view)))
        return view, text

    view, text = database.read(read)
    for expected in (
        "关爱资金发放情况公示",
        "王*明",
        "欧阳*华",
        "李*",
        "生活困难党员",
        "精神关怀、生活帮扶",
        "1,500.50",
        "2,000.50",
        "小计（1人）",
        "11,503.00",
        "壹万壹仟伍佰零叁元整",
        "姓名已作部分隐去",
    ):
        assert expected in text, expected
    for name, _category in (("王小明", 0), ("欧阳小华", 0), ("李明", 0)):
        assert name not in text
    for recipient in quarter.roll.values():
        assert recipient.member_no not in text
    assert view.total.fen == QUARTER_DISBURSED_FEN
    assert view.recipients == 6
    # 王小明's 工作激励 was reversed within the quarter: it is not on the list.
    hardship = next(group for group in view.groups if group.category == "hardship")
    assert [(row.masked_name, row.aspects_zh, row.amount.figures) for row in hardship.rows] == [
        ("王*明", "精神关怀、生活帮扶", "¥1,500.50")
    ]


def test_batch_receipts_cover_the_range_one_page_each(database) -> None:
    quarter = care_quarter(database)

    def read(session: Session) -> Any:
        view = slips.receipt_batch_view(
            session,
            fund_code="HC-CARE",
            start="2026-01-06",
            end="2026-01-31",
            actor=quarter.staff["auditor"],
        )
        pages = pdf_pages(receipts.render_receipt_batch(view))
        empty = slips.receipt_batch_view(
            session,
            fund_code="HC-CARE",
            start="2026-06-01",
            end="2026-06-30",
            actor=quarter.staff["auditor"],
        )
        empty_pages = pdf_pages(receipts.render_receipt_batch(empty))
        with pytest.raises(InvalidInput):
            slips.receipt_batch_view(
                session,
                fund_code="HC-CARE",
                start="2026-02-01",
                end="2026-01-01",
                actor=quarter.staff["auditor"],
            )
        return view, pages, empty_pages

    view, pages, empty_pages = database.read(read)
    assert [receipt.receipt_no[-6:] for receipt in view.receipts] == ["000002", "000003", "000004"]
    assert len(pages) == 3
    assert "HC-CARE-2026-000002" in pages[0] and "HC-CARE-2026-000004" in pages[2]
    assert "作" in pages[2] and "废" in pages[2]
    assert not any("HC-CARE-2026-000001" in page for page in pages)
    assert len(empty_pages) == 1 and "没有收款收据" in compact(empty_pages[0])


def test_no_pdf_ever_shows_a_full_id_number_or_phone(database) -> None:
    quarter = care_quarter(database)
    auditor = quarter.staff["auditor"]
    documents_pdf = database.read(
        lambda session: (
            [
                receipts.render_statement(
                    documents.statement_view(
                        session, fund_code="HC-CARE", period="2026", actor=auditor
                    )
                ),
                receipts.render_disclosure(
                    documents.disclosure_view(
                        session, fund_code="HC-CARE", period="2026", actor=auditor
                    )
                ),
                receipts.render_receipt_batch(
                    slips.receipt_batch_view(
                        session,
                        fund_code="HC-CARE",
                        start="2026-01-01",
                        end="2026-12-31",
                        actor=auditor,
                    )
                ),
            ]
            + [
                receipts.render_voucher(
                    slips.voucher_view(session, disbursement_id=paid.id, actor=auditor)
                )
                for paid in quarter.paid
            ]
        )
    )
    for content in documents_pdf:
        text = compact(pdf_text(content))
        for secret in quarter.id_numbers + quarter.phones:
            assert secret not in text
            # Nor the birth date or the middle of the phone number on their own.
            assert secret[6:14] not in text


def test_roles_and_missing_things(database) -> None:
    quarter = care_quarter(database)

    def read(session: Session) -> Any:
        with pytest.raises(Forbidden):
            documents.statement_view(
                session, fund_code="HC-CARE", period="2026", actor=quarter.staff["clerk"]
            )
        with pytest.raises(NotFound):
            slips.receipt_view(session, income_id=9_999, actor=quarter.staff["clerk"])
        with pytest.raises(NotFound):
            slips.voucher_view(session, disbursement_id=9_999, actor=quarter.staff["clerk"])
        with pytest.raises(InvalidInput):
            documents.disclosure_view(
                session, fund_code="HC-CARE", period="2026-Q5", actor=quarter.staff["clerk"]
            )

    database.read(read)


def test_a_later_reversal_shows_as_a_negative_line_in_its_own_period(database) -> None:
    quarter = care_quarter(database)
    database.write(
        lambda session: incomes.record_income(
            session,
            fund_code="HC-CARE",
            source="fiscal_support",
            payer="区财政局",
            amount="10.00",
            received_on="2026-04-01",
            actor=quarter.staff["clerk"],
        )
    )
    database.write(
        lambda session: disbursements.reverse_disbursement(
            session,
            disbursement_id=quarter.paid[4].id,
            reason="核实后退回",
            on="2026-04-02",
            actor=quarter.staff["approver"],
        )
    )

    def read(session: Session) -> Any:
        view = documents.disclosure_view(
            session, fund_code="HC-CARE", period="2026-04", actor=quarter.staff["clerk"]
        )
        text = compact(pdf_text(receipts.render_disclosure(view)))
        return view, text

    view, text = database.read(read)
    # 欧阳小华's February 精神关怀 (300.00) came back in April: April's list nets it out.
    assert view.total.fen == -30_000
    assert view.total.capitals == "负叁佰元整"
    assert "欧阳*华" in text and "-300.00" in text


def test_the_embedded_font_renders_readable_text_and_is_named_without_a_path(database) -> None:
    quarter = care_quarter(database)
    font = document_font()

    def read(session: Session) -> Any:
        view = slips.receipt_view(
            session, income_id=quarter.incomes[0].id, actor=quarter.staff["clerk"]
        )
        statement = documents.statement_view(
            session, fund_code="HC-CARE", period="2026-01", actor=quarter.staff["auditor"]
        )
        statement_text = compact(pdf_text(receipts.render_statement(statement, font)))
        return view, statement_text

    view, statement_text = database.read(read)
    assert "伍万元整" in compact(pdf_text(receipts.render_receipt(view, font)))
    assert "嵌入字体WenQuanYiMicroHei（子集）" in statement_text
    assert "/" not in font.description and ".tt" not in font.description


def test_an_unusable_configured_font_falls_back_to_the_packaged_one(tmp_path) -> None:
    bogus = tmp_path / "not-a-font.ttf"
    bogus.write_bytes(b"not a font")
    for path in (str(bogus), str(tmp_path / "missing.ttf")):
        font = document_font(path)
        assert font.family == "WenQuanYi Micro Hei"
        assert str(tmp_path) not in font.description


def test_without_any_embeddable_font_documents_are_refused(monkeypatch, tmp_path) -> None:
    from receipts import fonts

    monkeypatch.setattr(fonts, "PACKAGED_FONT", ("no_such_font_package", "x.ttc"))
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", ())
    fonts._choose.cache_clear()
    try:
        with pytest.raises(fonts.FontUnavailable, match="CAREFUND_FONT_PATH"):
            document_font(str(tmp_path / "missing.ttf"))
    finally:
        fonts._choose.cache_clear()


def test_statement_periods(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])

    def read(session: Session) -> Any:
        for period, start, end in (
            ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
            ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
            ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ):
            view = documents.statement_view(
                session, fund_code="HC-CARE", period=period, actor=staff["auditor"]
            )
            assert (view.period.start, view.period.end) == (start, end)
            assert "0.00" in pdf_text(receipts.render_statement(view))

    database.read(read)


def test_carefund_renders_nothing_itself() -> None:
    # Documents are data in carefund and bytes in receipts; imports go receipts → carefund.
    code = (
        "import pkgutil, importlib, sys, carefund\n"
        "for module in pkgutil.walk_packages(carefund.__path__, 'carefund.'):\n"
        "    if not module.name.startswith('carefund.migrations'):\n"
        "        importlib.import_module(module.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('reportlab', 'receipts', 'api', 'fastapi'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
