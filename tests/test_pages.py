"""The clerks' pages without a browser: logging in, sessions, CSRF, roles, and each form
posting through to the books — on both backends.

Worked example: the district fund HC-CARE receives 1,234.56 from the district finance
bureau and pays 800.00 to one member in hardship, each step by its own person.
"""

import re
from typing import Any

import pytest
from sqlmodel import Session, select

from carefund import funds
from carefund.access import sessions, users
from carefund.models import Disbursement, Income, Recipient, User
from tests.builders import make_recipient, record, valid_id_number
from tests.clock_support import TESTS_TODAY
from tests.pages_support import (
    PASSWORD,
    Pages,
    cheap_password_hashing,
    field_error,
    make_pages,
)

TODAY = TESTS_TODAY.isoformat()


@pytest.fixture
def pages(database, monkeypatch) -> Pages:
    cheap_password_hashing(monkeypatch)
    return make_pages(database)


def _count(database, model) -> int:
    return database.read(lambda session: len(session.exec(select(model)).all()))


# ---------------------------------------------------------------------------------------
# Logging in


def test_every_page_but_login_needs_a_session(pages) -> None:
    client = pages.client()
    for path in ("/", "/incomes", "/recipients/1", "/books/reports", "/incomes/1/receipt.pdf"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login")
    assert client.get("/login").status_code == 200
    assert client.get("/static/carefund.css").status_code == 200
    # A POST without a session goes to the login too, and writes nothing.
    answer = client.post("/incomes/new", data={"payer": "x"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_login_sets_a_signed_http_only_lax_cookie_and_returns_to_the_page_asked(pages) -> None:
    client = pages.client()
    first = client.get("/incomes?source=sponsorship", follow_redirects=False)
    target = first.headers["location"]
    assert target == "/login?next=/incomes%3Fsource%3Dsponsorship"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(target).text).group(1)
    answer = client.post(
        "/login",
        data={
            "username": "clerk",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/incomes?source=sponsorship",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/incomes?source=sponsorship"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("carefund_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert client.get("/").status_code == 200


def test_login_never_sends_anyone_off_site(pages) -> None:
    client = pages.client()
    token = re.search(r'value="([^"]+)"', client.get("/login").text).group(1)
    answer = client.post(
        "/login",
        data={
            "username": "clerk",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_wrong_password_is_refused_and_five_lock_the_account(pages) -> None:
    for _attempt in range(5):
        answer = pages.log_in("clerk", "wrong-password")
        assert answer.status_code == 401
        assert "用户名或密码错误" in answer.text
        assert "carefund_session" not in answer.headers.get("set-cookie", "")
    # The failures were committed although each login failed: the account is now locked,
    # so even the right password is refused for a while.
    locked = pages.log_in("clerk", PASSWORD)
    assert locked.status_code == 401
    assert "已暂时锁定" in locked.text
    # Only the right password learns of the lock; to anyone else the name is just refused,
    # as a name that does not exist is.
    guessed = pages.log_in("clerk", "another-guess")
    assert guessed.status_code == 401 and "已暂时锁定" not in guessed.text
    assert "用户名或密码错误" in guessed.text

    def read(session: Session) -> Any:
        clerk = session.exec(select(User).where(User.username == "clerk")).one()
        assert clerk.locked_until is not None

    pages.database.read(read)
    # Another account is not affected.
    assert pages.log_in("clerk2", PASSWORD).status_code == 303


class CountingHasher:
    """The test's password hasher, counting the hashes it computes."""

    def __init__(self, hasher: object) -> None:
        self.hasher = hasher
        self.hashes = 0

    def hash(self, password: str) -> str:
        self.hashes += 1
        return self.hasher.hash(password)  # type: ignore[attr-defined]

    def verify(self, hashed: str, password: str) -> bool:
        return self.hasher.verify(hashed, password)  # type: ignore[attr-defined]


def test_unknown_user_and_login_form_without_its_token(pages, monkeypatch) -> None:
    counting = CountingHasher(users._hasher)
    monkeypatch.setattr(users, "_hasher", counting)
    assert pages.log_in("nobody").status_code == 401
    # An unknown name costs a password hash, as a wrong password does, so that the time
    # of the answer does not tell which names exist.
    assert counting.hashes == 1
    client = pages.client()
    answer = client.post(
        "/login", data={"username": "clerk", "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert "登录表单已过期" in answer.text


def test_forged_or_altered_session_cookies_are_not_sessions(pages) -> None:
    desk = pages.desk("clerk")
    cookie = desk.client.cookies["carefund_session"]
    payload, signature = cookie.split(".")
    for forged in (payload + ".AAAA", "x" + cookie, "", "a.b.c"):
        client = pages.client()
        client.cookies.set("carefund_session", forged)
        assert client.get("/", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_even_for_a_copied_cookie(pages) -> None:
    desk = pages.desk("clerk")
    copied = desk.client.cookies["carefund_session"]
    answer = desk.post("/logout")
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    thief = pages.client()
    thief.cookies.set("carefund_session", copied)
    assert thief.get("/", follow_redirects=False).status_code == 303
    # Logging in again works.
    assert pages.desk("clerk").page("/")


def test_a_deactivated_user_is_logged_out(pages) -> None:
    desk = pages.desk("cashier")

    def write(session: Session) -> Any:
        cashier = session.exec(select(User).where(User.username == "cashier")).one()
        cashier.active = False
        session.add(cashier)

    pages.database.write(write)
    assert desk.get("/").status_code == 303
    # The login form then shows itself, instead of sending the stale cookie back to "/".
    assert desk.get("/login").status_code == 200


def test_tickets_expire(pages) -> None:
    secret = b"k" * 32
    user = User(id=1, username="clerk", role="clerk", password_hash="h")
    cookie, ticket = sessions.issue_ticket(secret, user, now=1_000_000.0)
    assert sessions.read_ticket(secret, cookie, now=1_000_010.0) == ticket
    with pytest.raises(Exception, match="过期"):
        sessions.read_ticket(
            secret, cookie, now=1_000_000.0 + sessions.SESSION_LIFETIME_SECONDS + 1
        )
    with pytest.raises(Exception, match="无效"):
        sessions.read_ticket(b"other" * 8, cookie, now=1_000_010.0)


# ---------------------------------------------------------------------------------------
# CSRF


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(pages) -> None:
    desk = pages.desk("clerk")
    income = {
        "fund": "HC-CARE",
        "source": "fiscal_support",
        "payer": "区财政局",
        "amount": "100.00",
        "received_on": TODAY,
    }
    missing = desk.post("/incomes/new", income, csrf=False)
    assert missing.status_code == 403
    assert "CSRF" in missing.text
    wrong = desk.post("/incomes/new", income | {"csrf_token": "guess"}, csrf=False)
    assert wrong.status_code == 403
    # Another person's token is not this session's token either.
    other = pages.desk("clerk2")
    stolen = re.search(r'name="csrf_token" value="([^"]+)"', other.page("/")).group(1)
    assert desk.post("/incomes/new", income | {"csrf_token": stolen}, csrf=False).status_code == 403
    assert desk.post("/logout", csrf=False).status_code == 403
    assert _count(pages.database, Income) == 0


# ---------------------------------------------------------------------------------------
# Roles


def test_the_menu_and_the_pages_follow_the_role(pages) -> None:
    menus = {
        "clerk": {"收入", "关爱对象", "支出", "定期计划", "账簿"},
        "approver": {"待审批", "报表"},
        "cashier": {"待发放"},
        "auditor": {"报表"},
    }
    for who, shown in menus.items():
        nav = re.search(r'<nav class="mainnav".*?</nav>', pages.desk(who).page("/"), re.S).group(0)
        for label in shown:
            assert f">{label}<" in nav, (who, label)
    clerk_nav = re.search(r'<nav class="mainnav".*?</nav>', pages.desk("clerk").page("/"), re.S)
    assert ">待审批<" not in clerk_nav.group(0) and ">报表<" not in clerk_nav.group(0)
    # 结账 is for those who close months (admin, approver) and those who check them (auditor).
    for who, closes in {
        "cashier": False,
        "clerk": False,
        "approver": True,
        "auditor": True,
    }.items():
        nav = re.search(r'<nav class="mainnav".*?</nav>', pages.desk(who).page("/"), re.S).group(0)
        assert (">结账<" in nav) is closes, who

    forbidden = {
        "clerk": ["/disbursements/approvals", "/disbursements/payments", "/books/reports"],
        "cashier": ["/incomes/new", "/recipients/new", "/disbursements/approvals"],
        "auditor": ["/incomes/new", "/disbursements/new", "/plans/new", "/recipients/import"],
        "approver": ["/incomes/new", "/disbursements/payments"],
    }
    for who, paths in forbidden.items():
        desk = pages.desk(who)
        for path in paths:
            answer = desk.get(path)
            assert answer.status_code == 403, (who, path)
            assert "您的角色" in answer.text and "无权" in answer.text
            assert "read_statements" not in answer.text


def test_an_auditor_cannot_write_through_a_form(pages) -> None:
    auditor = pages.desk("auditor")
    answer = auditor.post(
        "/incomes/new",
        {
            "fund": "HC-CARE",
            "source": "sponsorship",
            "payer": "x",
            "amount": "1",
            "received_on": TODAY,
        },
    )
    assert answer.status_code == 403
    assert _count(pages.database, Income) == 0


# ---------------------------------------------------------------------------------------
# Incomes


def test_recording_an_income_lands_on_it_with_its_receipt(pages) -> None:
    clerk = pages.desk("clerk")
    answer = clerk.post(
        "/incomes/new",
        {
            "fund": "HC-CARE",
            "source": "fiscal_support",
            "payer": "区财政局",
            "amount": "1,234.56",
            "received_on": "2026-11-05",
            "method": "转账",
            "memo": "年度拨款",
        },
        form_page="/incomes/new",
    )
    assert answer.status_code == 303
    landing = answer.headers["location"]
    assert re.fullmatch(r"/incomes/\d+\?done=recorded", landing)
    page = clerk.page(landing)
    assert "HC-CARE-2026-000001" in page
    assert "¥1,234.56" in page and "2026年11月5日" in page and "财政支持" in page
    receipt = clerk.get(landing.split("?")[0] + "/receipt.pdf")
    assert receipt.status_code == 200
    assert receipt.headers["content-type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")

    def read(session: Session) -> Any:
        assert funds.find_fund(session, "HC-CARE").cash_fen == 123456

    pages.database.read(read)
    listing = clerk.page("/incomes")
    assert "HC-CARE-2026-000001" in listing and "¥1,234.56" in listing


def test_income_form_errors_stand_next_to_their_fields_and_nothing_is_written(pages) -> None:
    clerk = pages.desk("clerk")
    cases = [
        ({"amount": "12.345"}, "amount", "金额"),
        ({"amount": "1,5"}, "amount", "金额"),
        ({"amount": "-3"}, "amount", "金额"),
        ({"payer": "  "}, "payer", "不能为空"),
        ({"received_on": "2026-13-01"}, "received_on", "日期"),
        ({"source": "lottery"}, "source", "无效"),
    ]
    good = {
        "fund": "HC-CARE",
        "source": "member_donation",
        "payer": "第一支部",
        "amount": "50",
        "received_on": TODAY,
    }
    for change, field, words in cases:
        answer = clerk.post("/incomes/new", good | change, form_page="/incomes/new")
        assert answer.status_code == 422, change
        message = field_error(answer.text, field)
        assert message and words in message, (change, message)
        # What was typed stays in the form.
        assert 'value="第一支部"' in answer.text or field == "payer"
    assert _count(pages.database, Income) == 0


def test_an_empty_form_shows_every_mistake_at_once(pages) -> None:
    clerk = pages.desk("clerk")
    answer = clerk.post(
        "/incomes/new", {"fund": "HC-CARE", "received_on": "someday"}, form_page="/incomes/new"
    )
    assert answer.status_code == 422
    assert field_error(answer.text, "source") == "请选择"
    assert field_error(answer.text, "payer") == "不能为空"
    assert field_error(answer.text, "amount") == "不能为空"
    assert "日期" in field_error(answer.text, "received_on")
    new = clerk.post(
        "/recipients/new",
        {"member_no": "a b", "name": "", "category": "", "id_number": "1", "phone": "2"},
        form_page="/recipients/new",
    )
    for name in ("member_no", "name", "category", "id_number", "phone"):
        assert field_error(new.text, name), name
    assert 'value="1"' not in new.text  # personal data typed in is not echoed back
    assert _count(pages.database, Income) == 0 and _count(pages.database, Recipient) == 0


def test_reversing_an_income_needs_an_approver_and_a_reason(pages) -> None:
    income = record(pages.database, pages.staff["clerk"], "300.00", on=TODAY)
    clerk = pages.desk("clerk")
    assert "冲销此收入" not in clerk.page(f"/incomes/{income.id}")
    approver = pages.desk("approver")
    page = approver.page(f"/incomes/{income.id}")
    assert "冲销此收入" in page
    no_reason = approver.post(f"/incomes/{income.id}/reverse", {"reason": "", "on": TODAY})
    assert no_reason.status_code == 422
    assert field_error(no_reason.text, "reason") == "不能为空"
    done = approver.post(
        f"/incomes/{income.id}/reverse",
        {"reason": "重复录入", "on": TODAY},
        form_page=f"/incomes/{income.id}",
    )
    assert done.headers["location"] == f"/incomes/{income.id}?done=reversed"
    page = approver.page(done.headers["location"])
    assert "已冲销" in page and "重复录入" in page


def test_missing_records_are_404_pages(pages) -> None:
    clerk = pages.desk("clerk")
    for path in (
        "/incomes/999",
        "/incomes/abc",
        "/recipients/0",
        "/disbursements/99999999999",
        "/plans/5",
        "/nothing-here",
    ):
        answer = clerk.get(path, headers={"Accept": "text/html,*/*;q=0.8"})
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")


# ---------------------------------------------------------------------------------------
# Recipients


def test_adding_and_editing_a_recipient_never_shows_the_stored_id_number(pages) -> None:
    clerk = pages.desk("clerk")
    id_number = valid_id_number(7)
    answer = clerk.post(
        "/recipients/new",
        {
            "member_no": "DY09001",
            "name": "王建国",
            "category": "hardship",
            "branch": "第一支部",
            "id_number": id_number,
            "phone": "13812345678",
            "address": "城关街道",
        },
        form_page="/recipients/new",
    )
    assert answer.status_code == 303
    page_path = answer.headers["location"].split("?")[0]
    for path in (page_path, page_path + "/edit", "/recipients?q=王建国"):
        page = clerk.page(path)
        assert id_number not in page and "13812345678" not in page
        assert "138****5678" in page
    # An empty box leaves the stored number alone; a new one replaces it.
    edit = clerk.post(
        page_path + "/edit",
        {
            "name": "王建国",
            "category": "hardship",
            "branch": "第二支部",
            "address": "",
            "active": "1",
            "id_number": "",
            "phone": "13900001111",
        },
        form_page=page_path + "/edit",
    )
    assert edit.status_code == 303

    def read(session: Session) -> Any:
        stored = session.exec(select(Recipient).where(Recipient.member_no == "DY09001")).one()
        assert stored.id_number == id_number and stored.phone == "13900001111"
        assert stored.branch == "第二支部"

    pages.database.read(read)
    history = clerk.page(page_path)
    assert "所在支部：第一支部 → 第二支部" in history
    bad = clerk.post(
        page_path + "/edit",
        {"name": "王建国", "category": "hardship", "active": "1", "id_number": "12345"},
    )
    assert bad.status_code == 422
    assert "身份证号不正确" in field_error(bad.text, "id_number")


def test_recipient_search_by_name_number_and_branch(pages) -> None:
    clerk_user = pages.staff["clerk"]
    make_recipient(pages.database, clerk_user, name="李秀英", member_no="DY1", branch="柳林乡支部")
    make_recipient(pages.database, clerk_user, name="张伟", member_no="DY2", category="retired")
    clerk = pages.desk("clerk")
    assert "李秀英" in clerk.page("/recipients?q=秀英")
    assert "李秀英" in clerk.page("/recipients?q=柳林")
    assert "张伟" in clerk.page("/recipients?q=DY2")
    retired = clerk.page("/recipients?category=retired")
    assert "张伟" in retired and "李秀英" not in retired


def test_an_import_with_a_bad_row_shows_the_row_and_imports_nothing(pages) -> None:
    clerk = pages.desk("clerk")
    sheet = (
        "党员编号,姓名,党员类别,所在支部\n"
        "D001,赵敏,生活困难党员,第一支部\n"
        "D002,钱亮,外星人,第一支部\n"
    ).encode()
    answer = clerk.post(
        "/recipients/import",
        form_page="/recipients/import",
        files={"file": ("roll.csv", sheet, "text/csv")},
    )
    assert answer.status_code == 422
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td class="nowrap">([^<]+)</td>', answer.text)
    assert rows == [("3", "党员类别")]
    assert _count(pages.database, Recipient) == 0
    good = sheet.replace("外星人".encode(), "流动党员".encode())
    answer = clerk.post(
        "/recipients/import",
        form_page="/recipients/import",
        files={"file": ("roll.csv", good, "text/csv")},
    )
    assert answer.status_code == 200
    assert "新增 2 人" in answer.text
    nothing = clerk.post("/recipients/import", form_page="/recipients/import")
    assert nothing.status_code == 422 and "请选择" in nothing.text


# ---------------------------------------------------------------------------------------
# Disbursements


def test_submit_approve_pay_and_print_the_voucher(pages) -> None:
    record(pages.database, pages.staff["clerk"], "1234.56", on=TODAY)
    member = make_recipient(
        pages.database, pages.staff["clerk"], name="孙桂兰", member_no="DY00777"
    )
    clerk = pages.desk("clerk")
    found = clerk.page("/disbursements/new?q=孙桂兰")
    assert f"recipient_id={member.id}" in found
    form = clerk.page(f"/disbursements/new?recipient_id={member.id}")
    assert "生活困难党员" in form and "孙桂兰" in form
    answer = clerk.post(
        "/disbursements/new",
        {
            "fund": "HC-CARE",
            "recipient_id": str(member.id),
            "amount": "800",
            "aspect": "life_assistance",
            "purpose": "春节慰问",
            "memo": "",
        },
        form_page=f"/disbursements/new?recipient_id={member.id}",
    )
    assert answer.status_code == 303
    number = int(re.search(r"/disbursements/(\d+)", answer.headers["location"]).group(1))

    approver = pages.desk("approver")
    queue = approver.page("/disbursements/approvals")
    assert "孙桂兰" in queue and "¥800.00" in queue
    approved = approver.post(
        f"/disbursements/{number}/approve",
        {"back": "/disbursements/approvals"},
        form_page="/disbursements/approvals",
    )
    assert approved.headers["location"] == "/disbursements/approvals?done=approved"

    cashier = pages.desk("cashier")
    assert "孙桂兰" in cashier.page("/disbursements/payments")
    paid = cashier.post(
        f"/disbursements/{number}/pay",
        {"paid_on": TODAY, "method": "转账", "back": "/disbursements/payments"},
        form_page="/disbursements/payments",
    )
    assert paid.status_code == 303

    page = clerk.page(f"/disbursements/{number}")
    assert "已发放" in page and "记-" in page
    voucher = clerk.get(f"/disbursements/{number}/voucher.pdf")
    assert voucher.status_code == 200 and voucher.content.startswith(b"%PDF")

    def read(session: Session) -> Any:
        fund = funds.find_fund(session, "HC-CARE")
        assert fund.cash_fen == 123456 - 80000

    pages.database.read(read)


def test_nobody_approves_what_they_submitted_and_short_funds_are_explained(pages) -> None:
    member = make_recipient(pages.database, pages.staff["clerk"])
    admin = pages.desk("admin")
    answer = admin.post(
        "/disbursements/new",
        {
            "fund": "HC-CARE",
            "recipient_id": str(member.id),
            "amount": "50",
            "aspect": "spiritual_care",
            "purpose": "",
            "memo": "",
        },
    )
    number = re.search(r"/disbursements/(\d+)", answer.headers["location"]).group(1)
    assert "须由其他审批人审批" in admin.page(f"/disbursements/{number}")
    own = admin.post(f"/disbursements/{number}/approve")
    assert own.status_code == 403 and "不相容职务分离" in own.text
    short = pages.desk("approver").post(f"/disbursements/{number}/approve")
    assert short.status_code == 409 and "可用余额不足" in short.text


def test_submit_form_errors(pages) -> None:
    member = make_recipient(pages.database, pages.staff["clerk"])
    clerk = pages.desk("clerk")
    good = {
        "fund": "HC-CARE",
        "recipient_id": str(member.id),
        "amount": "10",
        "aspect": "work_incentive",
        "purpose": "",
        "memo": "",
    }
    bad_amount = clerk.post("/disbursements/new", good | {"amount": "ten"})
    assert bad_amount.status_code == 422 and field_error(bad_amount.text, "amount")
    no_aspect = clerk.post("/disbursements/new", good | {"aspect": ""})
    assert no_aspect.status_code == 422 and field_error(no_aspect.text, "aspect")
    nobody = clerk.post("/disbursements/new", good | {"recipient_id": ""})
    assert nobody.status_code in (404, 422) and "请先查找并选择关爱对象" in nobody.text
    assert _count(pages.database, Disbursement) == 0


def test_reject_needs_a_reason(pages) -> None:
    member = make_recipient(pages.database, pages.staff["clerk"])
    clerk = pages.desk("clerk")
    answer = clerk.post(
        "/disbursements/new",
        {
            "fund": "HC-CARE",
            "recipient_id": str(member.id),
            "amount": "10",
            "aspect": "work_incentive",
        },
    )
    number = re.search(r"/disbursements/(\d+)", answer.headers["location"]).group(1)
    approver = pages.desk("approver")
    empty = approver.post(f"/disbursements/{number}/reject", {"reason": " "})
    assert empty.status_code == 422 and field_error(empty.text, "reason") == "不能为空"
    done = approver.post(
        f"/disbursements/{number}/reject",
        {"reason": "不符合条件"},
        form_page=f"/disbursements/{number}",
    )
    assert done.status_code == 303
    assert "不符合条件" in clerk.page(f"/disbursements/{number}")


# ---------------------------------------------------------------------------------------
# Plans


def test_plan_rule_editor_preview_create_and_run(pages) -> None:
    first = make_recipient(pages.database, pages.staff["clerk"], member_no="DY1")
    make_recipient(pages.database, pages.staff["clerk"], member_no="DY2")
    clerk = pages.desk("clerk")
    form = {
        "fund": "HC-CARE",
        "name": "救助卡月度发放",
        "kind": "monthly",
        "month_day": "5",
        "weekday": "1",
        "raw": "",
        "start": "2026-01-01",
        "until": "",
        "amount": "400",
        "aspect": "life_assistance",
        "purpose": "特困党员救助卡",
        "member_nos": "DY1\nDY2",
        "category": "",
    }
    preview = clerk.post("/plans/new", form | {"action": "preview"}, form_page="/plans/new")
    assert preview.status_code == 200
    assert "2026年1月5日" in preview.text and "2026年6月5日" in preview.text
    weekly = clerk.post(
        "/plans/new", form | {"action": "preview", "kind": "weekly", "weekday": "3"}
    )
    assert "2026年1月7日" in weekly.text  # the first Wednesday of 2026
    bad_rule = clerk.post(
        "/plans/new", form | {"action": "preview", "kind": "raw", "raw": "FREQ=SOMETIMES"}
    )
    assert bad_rule.status_code == 422 and "FREQ" in bad_rule.text
    unknown = clerk.post("/plans/new", form | {"action": "create", "member_nos": "DY1 DY404"})
    assert unknown.status_code == 422 and "DY404" in field_error(unknown.text, "member_nos")

    created = clerk.post("/plans/new", form | {"action": "create"}, form_page="/plans/new")
    assert created.status_code == 303
    plan_path = created.headers["location"].split("?")[0]
    page = clerk.page(plan_path)
    assert "每月 5 日" in page and "2 人" in page
    listing = clerk.page("/plans")
    assert "救助卡月度发放" in listing and "HC-CARE" in listing
    ran = clerk.post(plan_path + "/run", {"through": "2026-03-31"}, form_page=plan_path)
    assert "created=6" in ran.headers["location"]
    assert "已生成 6 笔待审批支出" in clerk.page(ran.headers["location"])
    again = clerk.post(plan_path + "/run", {"through": "2026-03-31"})
    assert "created=0" in again.headers["location"]
    paused = clerk.post(plan_path + "/pause", form_page=plan_path)
    assert paused.headers["location"].endswith("done=paused")
    assert "恢复" in clerk.page(plan_path)

    def read(session: Session) -> Any:
        made = session.exec(select(Disbursement).where(Disbursement.recipient_id == first.id))
        assert len(made.all()) == 3

    pages.database.read(read)


# ---------------------------------------------------------------------------------------
# Books


def test_an_auditor_reads_the_books_and_downloads_statements(pages) -> None:
    record(pages.database, pages.staff["clerk"], "500.00", on="2026-03-05")
    auditor = pages.desk("auditor")
    journal = auditor.page("/books/journal?fund=HC-CARE&from=2026-01-01")
    assert "记-202603-0001" in journal and "银行存款" in journal and "¥500.00" in journal
    report = auditor.page("/books/reports?fund=HC-CARE&period=2026-Q1")
    assert "2026年第1季度" in report and "勾稽相符" in report
    # The periods offered start with the fund's books (its first entry, 2026-03-05): no year,
    # quarter or month before it.
    offered = re.findall(r'<option value="([^"]+)"', report.split('name="period"', 1)[1])
    offered = offered[: offered.index("2026") + 1]
    assert offered[:3] == ["2026-12", "2026-11", "2026-10"] and offered[-1] == "2026"
    assert "2026-03" in offered and "2026-Q1" in offered
    assert "2026-02" not in offered and "2025" not in report.split('name="period"', 1)[1]
    # A period before them asked for by its address is still shown, and selected.
    january = auditor.page("/books/reports?fund=HC-CARE&period=2026-01")
    assert '<option value="2026-01" selected' in january
    for fmt, kind in (("pdf", "application/pdf"), ("xlsx", "spreadsheetml"), ("csv", "text/csv")):
        answer = auditor.get(f"/books/statement.{fmt}?fund=HC-CARE&period=2026-Q1")
        assert answer.status_code == 200, fmt
        assert kind in answer.headers["content-type"]
        assert "statement-HC-CARE-2026-Q1" in answer.headers["content-disposition"]
    assert auditor.get("/books/statement.doc?fund=HC-CARE&period=2026-Q1").status_code == 404
    assert auditor.get("/books/statement.pdf?fund=HC-CARE&period=2026-Q9").status_code == 422
    disclosure = auditor.get("/books/disclosure.pdf?fund=HC-CARE&period=2026-03")
    assert disclosure.status_code == 200
    assert (
        pages.desk("clerk").get("/books/statement.csv?fund=HC-CARE&period=2026").status_code == 403
    )


def test_verify_close_and_reopen(pages) -> None:
    auditor = pages.desk("auditor")
    assert "账链完整" in auditor.page("/books/periods")
    assert (
        "账链完整"
        in auditor.post("/books/verify?fund=HC-CARE", form_page="/books/periods?fund=HC-CARE").text
    )
    approver = pages.desk("approver")
    assert 'action="/books/periods/reopen' not in approver.page("/books/periods")  # admin only
    closed = approver.post(
        "/books/periods/close?fund=HC-CARE",
        {"month": "2026-01"},
        form_page="/books/periods?fund=HC-CARE",
    )
    assert closed.status_code == 303
    twice = approver.post("/books/periods/close?fund=HC-CARE", {"month": "2026-01"})
    assert twice.status_code == 409 and "已结账" in twice.text
    clerk = pages.desk("clerk")
    refused = clerk.post("/books/periods/close?fund=HC-CARE", {"month": "2026-02"})
    assert refused.status_code == 403
    admin = pages.desk("admin")
    no_reason = admin.post(
        "/books/periods/reopen?fund=HC-CARE", {"reopen_month": "2026-01", "reason": ""}
    )
    assert no_reason.status_code == 422 and field_error(no_reason.text, "reason")
    reopened = admin.post(
        "/books/periods/reopen?fund=HC-CARE",
        {"reopen_month": "2026-01", "reason": "补记一月漏记收入"},
        form_page="/books/periods?fund=HC-CARE",
    )
    assert reopened.status_code == 303
    assert "补记一月漏记收入" in admin.page("/books/periods")


def test_dashboard_shows_money_waiting_work_and_the_chain(pages) -> None:
    record(pages.database, pages.staff["clerk"], "1234.56", on=TODAY)
    page = pages.desk("approver").page("/")
    assert "¥1,234.56" in page and "账链完整" in page
    assert "笔支出等待审批" in page
    assert "笔支出等待审批" not in pages.desk("clerk").page("/")


# ---------------------------------------------------------------------------------------
# The API beside the pages


def test_the_api_keeps_bearer_tokens_and_its_own_middlewares(pages) -> None:
    client = pages.client()
    desk = pages.desk("clerk")
    # A session cookie is not an API credential.
    assert desk.get("/api/v1/funds").status_code == 401
    assert client.get("/api/v1/funds").headers["content-type"] == "application/problem+json"
    # The API's body limit answers problem+json; the pages' answers a page.
    big = "x" * (70 * 1024)
    api = client.post("/api/v1/funds", content=big, headers={"content-type": "application/json"})
    assert api.status_code == 413 and api.headers["content-type"] == "application/problem+json"
    page = desk.client.post("/incomes/new", data={"memo": big}, follow_redirects=False)
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    # An Idempotency-Key on a page form means nothing special: the form is handled once.
    answer = desk.post(
        "/incomes/new",
        {
            "fund": "HC-CARE",
            "source": "sponsorship",
            "payer": "某集团",
            "amount": "1",
            "received_on": TODAY,
        },
        headers={"Idempotency-Key": "k1"},
    )
    assert answer.status_code == 303


def test_pages_send_security_headers(pages) -> None:
    answer = pages.desk("clerk").get("/")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"
    # Everything the page loads is local: no CDN.
    assert not re.search(r'(src|href)="https?://', answer.text)
