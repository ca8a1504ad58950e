"""用户管理 pages: the admin's list, add, deactivate, unlock, reset password, revoke token;
the password a reset user must change first; the audit-trail page; roles (403)."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from carefund.access import users
from carefund.models import ApiToken, User, utcnow
from tests.builders import make_token, record
from tests.pages_support import PASSWORD, Pages, cheap_password_hashing, field_error, make_pages


@pytest.fixture
def pages(database, monkeypatch) -> Pages:
    cheap_password_hashing(monkeypatch)
    return make_pages(database)


def _users(database) -> int:
    return database.read(lambda session: len(session.exec(select(User)).all()))


def test_admin_adds_a_user_with_a_display_name(pages: Pages) -> None:
    admin = pages.desk("admin")
    assert "用户管理" in admin.page("/")
    form = {"username": "zhang", "display_name": "张三", "role": "clerk", "password": "first-pass1"}
    added = admin.post("/users/new", form, form_page="/users/new")
    assert added.status_code == 303 and added.headers["location"].startswith("/users/zhang")
    listing = admin.page("/users")
    assert "zhang" in listing and "张三" in listing
    assert "张三" in admin.page("/users/zhang")


def test_bad_user_form_names_the_field_and_adds_nothing(pages: Pages) -> None:
    admin = pages.desk("admin")
    before = _users(pages.database)
    form = {"username": "名字", "display_name": "a\u202eb", "role": "clerk", "password": "short"}
    again = admin.post("/users/new", form, form_page="/users/new")
    assert again.status_code == 422
    assert field_error(again.text, "username")
    assert _users(pages.database) == before


@pytest.mark.parametrize("who", ["clerk", "approver", "cashier", "auditor"])
def test_only_admins_see_user_administration(pages: Pages, who: str) -> None:
    desk = pages.desk(who)
    assert "用户管理" not in desk.page("/")
    assert desk.get("/users").status_code == 403
    assert desk.get("/users/new").status_code == 403
    assert desk.get("/users/clerk2").status_code == 403


def test_deactivate_reactivate_and_revoke(pages: Pages) -> None:
    database = pages.database
    admin = pages.desk("admin")
    clerk = pages.desk("clerk2")
    token = make_token(database, pages.staff["clerk2"])
    off = admin.post("/users/clerk2/deactivate", form_page="/users/clerk2")
    assert off.status_code == 303
    assert clerk.get("/").status_code == 303  # the session ends at once
    with pytest.raises(Exception, match="令牌"):
        users.user_for_token(database, token)
    assert admin.post("/users/clerk2/reactivate", form_page="/users/clerk2").status_code == 303
    assert users.user_for_token(database, token).username == "clerk2"
    token_id = database.read(lambda s: s.exec(select(ApiToken.id)).all()[-1])
    path = f"/users/clerk2/tokens/{token_id}/revoke"
    assert admin.post(path, form_page="/users/clerk2").status_code == 303
    with pytest.raises(Exception, match="令牌"):
        users.user_for_token(database, token)


def test_reset_password_must_be_changed_at_next_login(pages: Pages) -> None:
    admin = pages.desk("admin")
    form_page = "/users/cashier"
    short = admin.post("/users/cashier/password", {"password": "short"}, form_page=form_page)
    assert short.status_code == 422 and field_error(short.text, "password")
    reset = admin.post("/users/cashier/password", {"password": "given-pass1"}, form_page=form_page)
    assert reset.status_code == 303
    assert pages.log_in("cashier").status_code == 401  # the old password is gone
    login = pages.log_in("cashier", "given-pass1")
    assert login.status_code == 303 and login.headers["location"] == "/password"
    from tests.pages_support import Desk

    cashier = Desk(login.client, "cashier")  # type: ignore[attr-defined]
    assert cashier.get("/disbursements").headers["location"] == "/password"
    mismatch = {"current_password": "given-pass1", "password": "mine-now-1", "password_again": "x"}
    again = cashier.post("/password", mismatch, form_page="/password")
    assert again.status_code == 422 and field_error(again.text, "password_again")
    form = {"current_password": "given-pass1", "password": "mine-now-1"}
    changed = cashier.post(
        "/password", form | {"password_again": "mine-now-1"}, form_page="/password"
    )
    assert changed.status_code == 303
    assert pages.log_in("cashier", "mine-now-1").headers["location"] == "/"


def test_unlock_from_the_page(pages: Pages) -> None:
    def lock(session):  # type: ignore[no-untyped-def]
        user = users.get_user(session, "approver")
        user.locked_until = utcnow() + timedelta(minutes=10)
        session.add(user)

    pages.database.write(lock)
    admin = pages.desk("admin")
    assert "已锁定" in admin.page("/users")
    assert admin.post("/users/approver/unlock", form_page="/users/approver").status_code == 303
    assert pages.log_in("approver", PASSWORD).status_code == 303


def test_audit_trail_page(pages: Pages) -> None:
    income = record(pages.database, pages.staff["clerk"], "100.00", on="2026-03-02")
    auditor = pages.desk("auditor")
    assert f"/audit?table=income&amp;id={income.id}" in auditor.page(f"/incomes/{income.id}")
    trail = auditor.page(f"/audit?table=income&id={income.id}")
    assert "income.recorded" in trail and "clerk" in trail
    admin = pages.desk("admin")
    admin.post("/users/clerk2/deactivate", form_page="/users/clerk2")
    clerk2 = pages.staff["clerk2"].id
    user_trail = auditor.page(f"/audit?table=user&id={clerk2}")
    assert "user.created" in user_trail and "user.deactivated" in user_trail
    bad = auditor.get("/audit?table=secrets&id=x")
    assert bad.status_code == 422
    assert field_error(bad.text, "table") and field_error(bad.text, "id")
    assert pages.desk("clerk").get(f"/audit?table=income&id={income.id}").status_code == 403


def test_issue_and_rotate_a_token_from_the_page_shown_once(pages: Pages) -> None:
    database = pages.database
    admin = pages.desk("admin")
    issued = admin.post("/users/clerk2/tokens", form_page="/users/clerk2")
    assert issued.status_code == 200
    first = re.search(r'<code id="new-token">([^<]+)</code>', issued.text)
    assert first is not None
    assert users.user_for_token(database, first.group(1)).username == "clerk2"
    # Shown on that answer alone: the user's page never shows it again.
    assert first.group(1) not in admin.get("/users/clerk2").text
    token_id = database.read(lambda s: max(s.exec(select(ApiToken.id)).all()))
    rotated = admin.post(f"/users/clerk2/tokens/{token_id}/rotate", form_page="/users/clerk2")
    second = re.search(r'<code id="new-token">([^<]+)</code>', rotated.text)
    assert rotated.status_code == 200 and second is not None
    assert users.user_for_token(database, second.group(1)).username == "clerk2"
    with pytest.raises(Exception, match="令牌"):
        users.user_for_token(database, first.group(1))
    # A revoked token offers no rotation any more.
    assert f"/tokens/{token_id}/rotate" not in admin.get("/users/clerk2").text
