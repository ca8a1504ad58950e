"""A web form posted twice (a double click, a browser's resubmit) records once: the second
post is shown the first one's result. On both backends, also when the two posts race."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from carefund.models import FormToken, Income
from tests.builders import record
from tests.clock_support import TESTS_TODAY
from tests.pages_support import (
    Desk,
    Pages,
    cheap_password_hashing,
    csrf_token,
    form_token,
    make_pages,
)

TODAY = TESTS_TODAY.isoformat()
INCOME = {
    "fund": "HC-CARE",
    "source": "member_donation",
    "payer": "第一支部",
    "amount": "50",
    "received_on": TODAY,
}


@pytest.fixture
def pages(database, monkeypatch) -> Pages:
    cheap_password_hashing(monkeypatch)
    return make_pages(database)


def incomes(pages: Pages) -> list[Income]:
    return pages.database.read(lambda session: list(session.exec(select(Income))))


def filled_form(desk: Desk, page: str, action: str, fields: dict) -> dict:
    """The form as the browser holds it: its fields, its CSRF token and its one-time token."""
    html = desk.page(page)
    token = form_token(html, action)
    assert token is not None, f"the form posting to {action} has no one-time token"
    return fields | {"csrf_token": csrf_token(html, action), "form_token": token}


def test_an_income_form_posted_twice_records_one_income(pages: Pages) -> None:
    clerk = pages.desk("clerk")
    form = filled_form(clerk, "/incomes/new", "/incomes/new", INCOME)
    first = clerk.post("/incomes/new", form, csrf=False)
    second = clerk.post("/incomes/new", form, csrf=False)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"]
    (income,) = incomes(pages)
    assert first.headers["location"] == f"/incomes/{income.id}?done=recorded"
    # The same fields in a form drawn anew are a new income, as they should be.
    again = clerk.post("/incomes/new", INCOME, form_page="/incomes/new")
    assert again.status_code == 303 and again.headers["location"] != first.headers["location"]
    assert len(incomes(pages)) == 2


def test_two_posts_of_one_form_racing_record_one_income(pages: Pages) -> None:
    clerk = pages.desk("clerk")
    form = filled_form(clerk, "/incomes/new", "/incomes/new", INCOME)
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: clerk.post("/incomes/new", form, csrf=False), range(2)))
    assert [answer.status_code for answer in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert len(incomes(pages)) == 1


def test_a_refused_post_leaves_the_form_usable(pages: Pages) -> None:
    clerk = pages.desk("clerk")
    form = filled_form(clerk, "/incomes/new", "/incomes/new", INCOME | {"amount": "-3"})
    assert clerk.post("/incomes/new", form, csrf=False).status_code == 422
    corrected = clerk.post("/incomes/new", form | {"amount": "30"}, csrf=False)
    assert corrected.status_code == 303
    assert [income.amount_fen for income in incomes(pages)] == [3000]


def test_a_reversal_posted_twice_shows_the_first_result_not_a_refusal(pages: Pages) -> None:
    income = record(pages.database, pages.staff["clerk"], "300.00", on=TODAY)
    approver = pages.desk("approver")
    action = f"/incomes/{income.id}/reverse"
    form = filled_form(approver, f"/incomes/{income.id}", action, {"reason": "重复录入"})
    first = approver.post(action, form, csrf=False)
    second = approver.post(action, form, csrf=False)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"]


def test_one_time_tokens_belong_to_their_user(pages: Pages) -> None:
    clerk, other = pages.desk("clerk"), pages.desk("clerk2")
    form = filled_form(clerk, "/incomes/new", "/incomes/new", INCOME)
    assert clerk.post("/incomes/new", form, csrf=False).status_code == 303
    # Someone else's token (were it ever seen) is only a token to them: their own income.
    stolen = filled_form(other, "/incomes/new", "/incomes/new", INCOME)
    stolen["form_token"] = form["form_token"]
    assert other.post("/incomes/new", stolen, csrf=False).status_code == 303
    assert sorted(income.created_by for income in incomes(pages)) == ["clerk", "clerk2"]
    tokens = pages.database.read(lambda session: list(session.exec(select(FormToken))))
    assert len(tokens) == 2 and all(token.outcome for token in tokens)
