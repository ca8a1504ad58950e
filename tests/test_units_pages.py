"""The organisation tree on the pages and the command line: a street user's dashboard and
lists show only their street; the admin adds units and grants roles; `carefund units`."""

from functools import partial
from pathlib import Path

import pytest
from sqlmodel import Session, select

from carefund import funds, units
from carefund.access import users
from carefund.models import AuditLog, User
from tests.builders import make_recipient, record
from tests.pages_support import PASSWORD, Pages, cheap_password_hashing, field_error, make_pages
from tests.test_cli import carefund


@pytest.fixture
def pages(database, monkeypatch) -> Pages:
    """The pages with HC-CARE at the district, FUND-A in street ST-A, FUND-B in ST-B, a
    member of each street, and clerk_a, a clerk of ST-A who logs in."""
    cheap_password_hashing(monkeypatch)
    made = make_pages(database)
    admin = made.staff["admin"]

    def tree(session: Session) -> None:
        for code, name in (("ST-A", "甲街道"), ("ST-B", "乙街道")):
            units.create_unit(session, code=code, name=name, parent="DISTRICT", actor=admin)
            fund = f"FUND-{code[-1]}"
            funds.create_fund(session, code=fund, name=f"{name}互助金", unit=code, actor=admin)
        users.create_user(
            session,
            username="clerk_a",
            role="clerk",
            password=PASSWORD,
            unit=units.find_unit(session, "ST-A"),
            actor="test",
        )

    database.write(tree)
    make_recipient(database, admin, name="甲街道党员", unit="ST-A")
    make_recipient(database, admin, name="乙街道党员", unit="ST-B")
    record(database, admin, "12.34", fund="FUND-A")
    record(database, admin, "56.78", fund="FUND-B")
    return made


def test_a_street_clerks_pages_show_only_their_street(pages: Pages) -> None:
    desk = pages.desk("clerk_a")
    dashboard = desk.page("/")
    assert "甲街道互助金" in dashboard and "12.34" in dashboard
    assert "乙街道互助金" not in dashboard and "某区党内关爱基金" not in dashboard
    roll = desk.page("/recipients")
    assert "甲街道党员" in roll and "乙街道党员" not in roll
    form = desk.page("/incomes/new")
    assert "FUND-A" in form and "FUND-B" not in form and "HC-CARE" not in form
    assert desk.get("/incomes?fund=FUND-B").status_code == 404
    # The district's clerk still sees every fund.
    everything = pages.desk("clerk").page("/")
    assert "甲街道互助金" in everything and "乙街道互助金" in everything


def test_the_admin_adds_units_and_grants_roles_on_the_units_page(pages: Pages) -> None:
    admin = pages.desk("admin")
    page = admin.page("/units")
    assert "甲街道" in page and "ST-B" in page and 'href="/units"' in page
    added = admin.post(
        "/units/new", {"code": "ST-A-C1", "name": "甲一社区", "parent": "ST-A"}, form_page="/units"
    )
    assert added.status_code == 303 and added.headers["location"] == "/units?done=created"
    assert "甲一社区" in admin.page("/units")
    refused = admin.post(
        "/units/new", {"code": "bad code", "name": "x", "parent": "ST-A"}, form_page="/units"
    )
    assert refused.status_code == 422 and "单位代码" in (field_error(refused.text, "code") or "")
    granted = admin.post(
        "/units/grants",
        {"username": "clerk_a", "role": "auditor", "unit": "ST-B"},
        form_page="/units",
    )
    assert granted.status_code == 303
    roll = pages.desk("clerk_a").page("/recipients")
    assert "乙街道党员" in roll  # auditor of ST-B now
    assert pages.desk("clerk_a").get("/units").status_code == 403
    listed = admin.page("/units")
    assert "已授予的角色" in listed and 'action="/units/grants/revoke"' in listed
    revoked = admin.post(
        "/units/grants/revoke",
        {"username": "clerk_a", "role": "auditor", "unit": "ST-B"},
        form_page="/units",
    )
    assert revoked.status_code == 303 and revoked.headers["location"] == "/units?done=revoked"
    assert "乙街道党员" not in pages.desk("clerk_a").page("/recipients")
    again = admin.post(
        "/units/grants/revoke",
        {"username": "clerk_a", "role": "auditor", "unit": "ST-B"},
        form_page="/units",
    )
    assert again.status_code == 404 or again.status_code == 422
    own = admin.post(
        "/units/grants/revoke",
        {"username": "admin", "role": "admin", "unit": "DISTRICT"},
        form_page="/units",
    )
    assert own.status_code == 409 and "不能收回自己的管理员角色" in own.text
    assert admin.get("/units").status_code == 200

    def trail(session: Session) -> list[str]:
        return [row.action for row in session.exec(select(AuditLog))]

    actions = pages.database.read(trail)
    assert actions.count("unit.created") == 3 and "user.granted" in actions
    assert "user.revoked" in actions


def _code(line: str) -> str:
    """A line of `units list`: its indent and the unit's code."""
    return line[: len(line) - len(line.lstrip())] + line.split()[0]


def test_the_units_commands(pages: Pages, tmp_path: Path) -> None:
    url = pages.database.engine.url.render_as_string(hide_password=False)
    added = carefund("units", "add", "ST-B-C1", "--name", "乙一村", "--parent", "ST-B", url=url)
    assert added.returncode == 0, added.stderr
    assert "已添加社区/村 ST-B-C1 乙一村" in added.stdout
    renamed = carefund("units", "rename", "ST-B-C1", "--name", "乙一村（新）", url=url)
    assert renamed.returncode == 0 and "已改名：ST-B-C1 乙一村（新）" in renamed.stdout
    blank = carefund("units", "rename", "ST-B-C1", "--name", " ", url=url)
    assert blank.returncode != 0 and "Traceback" not in blank.stderr
    listed = carefund("units", "list", url=url)
    lines = [_code(line) for line in listed.stdout.splitlines()]
    assert lines == ["DISTRICT", "  ST-A", "  ST-B", "    ST-B-C1"]
    as_street = carefund("units", "list", "--as", "clerk_a", url=url)
    assert [_code(line) for line in as_street.stdout.splitlines()] == ["  ST-A"]
    granted = carefund(
        "user", "grant", "clerk_a", "--role", "approver", "--unit", "ST-B-C1", url=url
    )
    assert granted.returncode == 0 and "approver     ST-B-C1" in granted.stdout
    wrong = carefund("user", "grant", "clerk_a", "--role", "boss", "--unit", "ST-B", url=url)
    assert wrong.returncode == 2 and "'boss'" in wrong.stderr and "Traceback" not in wrong.stderr
    out = tmp_path / "b.json"
    written = carefund("units", "statement", "ST-B", "--period", "2026", "-o", str(out), url=url)
    assert written.returncode == 0, written.stderr
    assert '"closing_balance": "56.78"' in out.read_text(encoding="utf-8")
    hidden = carefund(
        "units",
        "statement",
        "ST-B",
        "--period",
        "2026",
        "-o",
        str(out),
        "--as",
        "clerk_a",
        url=url,
    )
    assert hidden.returncode == 2 and "Traceback" not in hidden.stderr

    def roles(session: Session) -> list[str]:
        user = session.exec(select(User).where(User.username == "clerk_a")).one()
        return [grant["unit"] for grant in units.grants_of(session, user)]

    assert pages.database.read(roles) == ["ST-A", "ST-B-C1"]


def test_a_street_auditor_reads_only_their_streets_audit_trail(pages: Pages) -> None:
    from carefund import trail
    from carefund.errors import NotFound
    from carefund.models import Recipient

    def setup(session: Session) -> tuple[User, dict[str, int]]:
        auditor = users.create_user(
            session,
            username="auditor_a",
            role="auditor",
            unit=units.find_unit(session, "ST-A"),
            actor="test",
        )
        ids = {r.name: r.id for r in session.exec(select(Recipient))}
        return auditor, ids

    auditor, ids = pages.database.write(setup)
    mine = pages.database.read(
        partial(trail.record_trail, actor=auditor, table="recipient", record_id=ids["甲街道党员"])
    )
    assert [row["action"] for row in mine] == ["recipient.created", "recipient.created"]
    for table, number in (("recipient", ids["乙街道党员"]), ("user", 1), ("fund", 1)):
        with pytest.raises(NotFound):
            pages.database.read(
                partial(trail.record_trail, actor=auditor, table=table, record_id=number)
            )
    page = pages.desk("auditor").page(f"/audit?table=recipient&id={ids['乙街道党员']}")
    assert "recipient.created" in page


def test_the_new_member_form_offers_the_units_the_clerk_may_put_members_in(
    pages: Pages,
) -> None:
    clerk_a = pages.desk("clerk_a")
    form = clerk_a.page("/recipients/new")
    assert "所属单位" not in form  # one unit only: theirs, without asking
    district = pages.desk("clerk")
    form = district.page("/recipients/new")
    assert 'value="ST-B"' in form and "乙街道（ST-B）" in form
    made = district.post(
        "/recipients/new",
        {"member_no": "B0009", "name": "乙街道新党员", "category": "cadre", "unit": "ST-B"},
        form_page="/recipients/new",
    )
    assert made.status_code == 303, made.text[:300]
    assert "乙街道新党员" not in clerk_a.page("/recipients")
    assert "乙街道新党员" in district.page("/recipients")


def test_pages_without_a_fund_asked_for_show_the_busiest(pages: Pages) -> None:
    """A new street fund with empty books sorts first here; the journal, the reports page
    and the dashboard's charts open on the fund with the most entries instead."""
    admin = pages.staff["admin"]
    pages.database.write(
        partial(funds.create_fund, code="AA-NEW", name="新设街道互助金", unit="ST-B", actor=admin)
    )
    record(pages.database, admin, "9.99", fund="FUND-B")  # FUND-B: two entries, the most
    desk = pages.desk("admin")
    journal = desk.page("/books/journal?from=")
    assert "乙街道互助金（FUND-B）" in journal and "56.78" in journal
    reports = desk.page("/books/reports")
    assert "乙街道互助金" in reports and "AA-NEW" in reports  # the others still offered
    dashboard = desk.page("/")
    assert "乙街道互助金（FUND-B）" in dashboard.split("近 12 个月收支图")[1]
    empty = desk.page("/books/reports?fund=AA-NEW")
    assert "新设街道互助金" in empty
