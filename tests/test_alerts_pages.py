"""The auditors' alert pages: the list with its filters, an alert with its forms, the rules;
the dashboard's counts; writers see none of it."""

import pytest

from tests.builders import make_recipient
from tests.pages_support import Pages, cheap_password_hashing, field_error, make_pages


@pytest.fixture
def pages(database, monkeypatch) -> Pages:
    cheap_password_hashing(monkeypatch)
    made = make_pages(database)
    clerk = made.staff["clerk"]
    make_recipient(database, clerk, name="张三", phone="13800002222")
    make_recipient(database, clerk, name="张三丰", phone="13800002222")
    return made


def test_an_auditor_lists_acknowledges_and_resolves(pages: Pages) -> None:
    auditor = pages.desk("auditor")
    home = auditor.page("/")
    assert "B 级（较重）预警未办结" in home and 'href="/alerts"' in home
    listed = auditor.page("/alerts")
    assert "对象身份信息重复" in listed and "138****2222" in listed and "13800002222" not in listed
    assert "没有符合条件的预警" in auditor.page("/alerts?grade=A")
    detail = auditor.page("/alerts/1")
    assert "确认预警" in detail and "办结说明" in detail
    blank = auditor.post("/alerts/1/resolve", {"note": ""}, form_page="/alerts/1")
    assert blank.status_code == 422 and field_error(blank.text, "note")
    acked = auditor.post("/alerts/1/acknowledge", {"note": "核实中"}, form_page="/alerts/1")
    assert acked.status_code == 303 and acked.headers["location"] == "/alerts/1?done=acknowledged"
    resolved = auditor.post("/alerts/1/resolve", {"note": "父子同住一户"}, form_page="/alerts/1")
    assert resolved.headers["location"] == "/alerts/1?done=resolved"
    done = auditor.page("/alerts/1?done=resolved")
    assert "父子同住一户" in done and "已办结" in done and "确认预警" not in done
    assert "核实中" in done  # the trail keeps the acknowledgement
    assert "没有符合条件的预警" in auditor.page("/alerts?status=open")


def test_writers_see_no_alerts_and_only_admins_tune_rules(pages: Pages) -> None:
    clerk = pages.desk("clerk")
    assert 'href="/alerts"' not in clerk.page("/")
    assert clerk.get("/alerts").status_code == 403
    assert clerk.get("/alerts/1").status_code == 403
    auditor = pages.desk("auditor")
    rules = auditor.page("/alerts/rules")
    assert "化整为零" in rules and "保存" not in rules
    admin = pages.desk("admin")
    page = admin.page("/alerts/rules")
    assert "保存" in page
    bad = admin.post(
        "/alerts/rules/split_payment",
        {
            "enabled": "on",
            "grade": "B",
            "param_threshold": "很多",
            "param_window_days": "30",
            "param_count_min": "2",
        },
        form_page="/alerts/rules",
    )
    assert bad.status_code == 422 and field_error(bad.text, "param_threshold")
    saved = admin.post(
        "/alerts/rules/split_payment",
        {
            "enabled": "on",
            "grade": "A",
            "param_threshold": "3000",
            "param_window_days": "30",
            "param_count_min": "2",
        },
        form_page="/alerts/rules",
    )
    assert saved.status_code == 303
    assert "3000.00" in admin.page("/alerts/rules?done=rule")


def test_an_admin_sets_a_staff_identity_shown_masked(pages: Pages) -> None:
    admin = pages.desk("admin")
    page = admin.page("/users/cashier")
    assert "未登记" in page
    bad = admin.post(
        "/users/cashier/identity", {"id_number": "123", "phone": ""}, form_page="/users/cashier"
    )
    assert bad.status_code == 422 and field_error(bad.text, "id_number")
    saved = admin.post(
        "/users/cashier/identity",
        {"id_number": "", "phone": "13800002222"},
        form_page="/users/cashier",
    )
    assert saved.headers["location"] == "/users/cashier?done=identity"
    shown = admin.page("/users/cashier?done=identity")
    assert "138****2222" in shown and "13800002222" not in shown
    assert "利益关联" in pages.desk("auditor").page("/alerts?grade=A")
