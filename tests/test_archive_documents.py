"""Documents fit for the archive (会计档案): every font embedded, no server path anywhere,
long payers and memos wrapped in full, and a 公示 list of one row per person whose table
starts on page 1 and repeats its header only at the top of a page."""

import io
import re
from typing import Any

from pypdf import PdfReader
from pypdf.generic import IndirectObject
from sqlmodel import Session

import receipts
from carefund import incomes
from carefund.models import Income
from carefund.reports import documents, slips
from tests.builders import disburse, make_fund, make_recipient, make_staff, record
from tests.document_fixtures import care_quarter, compact, pdf_pages, pdf_text

LONG_PAYER = ("山东省济南市历下区某某街道某某社区党委暨辖区共建单位联合捐赠小组" * 7)[:200]
LONG_MEMO = "".join(
    f"第{number}笔：社区困难党员春节慰问专项资金，按街道党工委决定拨付。" for number in range(1, 80)
)[:2000]
PATH_MARKERS = ("/usr/", "site-packages", ".ttc", ".ttf", "paperang", "/tmp/", "/work/")


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def fonts_of(content: bytes) -> list[tuple[str, bool]]:
    """(name, embedded) of every font every page uses, descendant fonts included."""
    found = []
    for page in PdfReader(io.BytesIO(content)).pages:
        resources = _resolve(page.get("/Resources")) or {}
        stack = [_resolve(resources.get("/Font")) or {}]
        # Form XObjects (the page total) have fonts of their own.
        for xobject in (_resolve(resources.get("/XObject")) or {}).values():
            inner = _resolve(_resolve(xobject).get("/Resources")) or {}
            stack.append(_resolve(inner.get("/Font")) or {})
        for fonts in stack:
            for font in fonts.values():
                font = _resolve(font)
                for part in [font] + [_resolve(d) for d in font.get("/DescendantFonts", [])]:
                    if part.get("/Subtype") == "/Type0":
                        continue
                    descriptor = _resolve(part.get("/FontDescriptor")) or {}
                    embedded = any(
                        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
                    )
                    found.append((str(part.get("/BaseFont")), embedded))
    return found


def assert_archive_grade(content: bytes) -> None:
    fonts = fonts_of(content)
    assert fonts, "no fonts found"
    assert all(embedded for _name, embedded in fonts), fonts
    reader = PdfReader(io.BytesIO(content))
    metadata = " ".join(str(value) for value in (reader.metadata or {}).values())
    for marker in PATH_MARKERS:
        assert marker not in metadata, metadata
        assert marker.encode() not in content
        assert marker not in pdf_text(content)


def every_pdf(database) -> dict[str, bytes]:
    quarter = care_quarter(database)
    auditor = quarter.staff["auditor"]

    def read(session: Session) -> dict[str, bytes]:
        return {
            "receipt": receipts.render_receipt(
                slips.receipt_view(session, income_id=quarter.incomes[0].id, actor=auditor)
            ),
            "void receipt": receipts.render_receipt(
                slips.receipt_view(session, income_id=quarter.incomes[3].id, actor=auditor)
            ),
            "receipts": receipts.render_receipt_batch(
                slips.receipt_batch_view(
                    session,
                    fund_code="HC-CARE",
                    start="2026-01-01",
                    end="2026-12-31",
                    actor=auditor,
                )
            ),
            "voucher": receipts.render_voucher(
                slips.voucher_view(session, disbursement_id=quarter.paid[0].id, actor=auditor)
            ),
            "statement": receipts.render_statement(
                documents.statement_view(
                    session, fund_code="HC-CARE", period="2026-Q1", actor=auditor
                )
            ),
            "disclosure": receipts.render_disclosure(
                documents.disclosure_view(
                    session, fund_code="HC-CARE", period="2026-Q1", actor=auditor
                )
            ),
        }

    return database.read(read)


def test_every_pdf_embeds_every_font_and_names_no_path(database) -> None:
    for name, content in every_pdf(database).items():
        try:
            assert_archive_grade(content)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from error
    assert "嵌入字体WenQuanYiMicroHei（子集）" in compact(pdf_text(every_pdf_statement(database)))


def every_pdf_statement(database) -> bytes:
    auditor = next(iter(make_staff_cache(database)))
    return database.read(
        lambda session: receipts.render_statement(
            documents.statement_view(session, fund_code="HC-CARE", period="2026-Q1", actor=auditor)
        )
    )


def make_staff_cache(database):
    from sqlmodel import select

    from carefund.models import User

    return database.read(
        lambda session: list(session.exec(select(User).where(User.role == "auditor")))
    )


def test_a_200_character_payer_and_a_2000_character_memo_wrap_in_full(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])

    def write(session: Session) -> Any:
        recorded = incomes.record_income(
            session,
            fund_code="HC-CARE",
            source="sponsorship",
            payer=LONG_PAYER,
            amount="1234.56",
            received_on="2026-03-05",
            memo=LONG_MEMO,
            actor=staff["clerk"],
        )
        return session.get_one(Income, recorded["id"])

    income = database.write(write)
    short = record(database, staff["clerk"], "10.00", payer="区财政局")
    view, short_view = database.read(
        lambda session: (
            slips.receipt_view(session, income_id=income.id, actor=staff["clerk"]),
            slips.receipt_view(session, income_id=short.id, actor=staff["clerk"]),
        )
    )
    content = receipts.render_receipt(view)
    assert_archive_grade(content)
    pages = [compact(page) for page in pdf_pages(content)]
    # The slip holds the whole payer; the memo starts there and continues on the 附页.
    assert len(LONG_PAYER) == 200 and LONG_PAYER in pages[0]
    assert "（全文见附页）" in pages[0]
    assert "收款收据（附页）" in pages[1]
    assert LONG_MEMO in "".join(pages[1:])
    assert "…" not in "".join(pages).replace("…（全文见附页）", "")
    # A short receipt stays one page, nothing continued.
    short_pages = pdf_pages(receipts.render_receipt(short_view))
    assert len(short_pages) == 1 and "附页" not in compact(short_pages[0])
    # In a batch, the 附页 follows its receipt, and the next receipt gets a page of its own.
    batch = database.read(
        lambda session: slips.receipt_batch_view(
            session,
            fund_code="HC-CARE",
            start="2026-01-01",
            end="2026-12-31",
            actor=staff["auditor"],
        )
    )
    batch_pages = [compact(page) for page in pdf_pages(receipts.render_receipt_batch(batch))]
    assert len(batch_pages) == len(pages) + 1
    assert "收款收据（附页）" in batch_pages[1] and "区财政局" in batch_pages[-1]
    for number, page in enumerate(batch_pages, start=1):
        assert f"第{number}页共{len(batch_pages)}页" in page


BRANCHES = ["第一党支部", "第二党支部", "机关党委第三联合党支部（含离退休干部党员和流动党员）" * 2]


def test_the_public_list_one_row_per_person_starting_on_page_1(database) -> None:
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "900000.00", on="2026-03-01")
    people = []
    for number in range(70):
        branch = BRANCHES[number % 3]
        # 王*明 three times: the branch tells them apart.
        name = "王小明" if number < 3 else f"张{'一二三四五六七八九十'[number % 10]}{number}"
        people.append(make_recipient(database, staff["clerk"], name=name, branch=branch))
    for number, person in enumerate(people):
        disburse(database, staff, person, "100.00", aspect="life_assistance", on="2026-03-10")
        if number % 2 == 0:
            disburse(database, staff, person, "50.00", aspect="spiritual_care", on="2026-03-11")
    view = database.read(
        lambda session: documents.disclosure_view(
            session, fund_code="HC-CARE", period="2026-03", actor=staff["auditor"]
        )
    )
    [group] = view.groups
    assert group.recipients == 70 == len(group.rows) == view.recipients
    assert group.total.fen == 70 * 10_000 + 35 * 5_000
    assert [(row.masked_name, row.branch) for row in group.rows[:3]] == [
        ("王*明", BRANCHES[0]),
        ("王*明", BRANCHES[1]),
        ("王*明", BRANCHES[2]),
    ]
    assert group.rows[0].aspects_zh == "精神关怀、生活帮扶"
    assert group.rows[1].aspects_zh == "生活帮扶"
    content = receipts.render_disclosure(view)
    assert_archive_grade(content)
    pages = [compact(page) for page in pdf_pages(content)]
    header = "序号姓名所在支部关爱方面金额（元）"
    # The table starts on page 1, under the introduction.
    assert "一、生活困难党员（70人" in pages[0] and header in pages[0]
    for page in pages:
        assert page.count(header) <= 1
    # On each later page the table goes on from the top: the header first, after the
    # running title, then row numbers going on from the page before.
    numbers: list[int] = []
    for page in pages:
        if header in page:
            rows = page.split(header, 1)[1]
            numbers += [int(n) for n in re.findall(r"(?:^|元）|\.\d\d)(\d{1,2})(?=王|张)", rows)]
    assert numbers == list(range(1, 71)), numbers
    # The long branch wraps rather than being cut.
    assert "…" not in "".join(pages)
    assert "小计（70人）" in "".join(pages)
