"""User administration (issue 13, item 6): list, add with a display name, deactivate and
reactivate, reset and change passwords, unlock, list, revoke and rotate tokens; each act
audited, refused to non-admins (403) and to bad input (422 naming the field, nothing
changed); a deactivated user or revoked token refused at once by another app instance."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import API_PREFIX, create_app
from carefund import audit
from carefund.access import admin, users
from carefund.errors import Unauthenticated
from carefund.models import AuditLog, User, utcnow
from carefund.storage.database import Database
from tests.api_support import Api, problem_of


def _audit_actions(database: Database, username: str) -> list[str]:
    def read(session):  # type: ignore[no-untyped-def]
        user = users.get_user(session, username)
        return [row.action for row in audit.history(session, "user", user.id)]

    return database.read(read)


def _user_count(database: Database) -> int:
    return database.read(lambda session: len(session.exec(select(User)).all()))


def _add(api: Api, **body: object) -> dict:
    body = {"username": "zhang", "role": "clerk", "display_name": "张三"} | body
    return api.ok(api.post("admin", "/users", json=body), 201)


def test_admin_adds_and_lists_users_with_display_names(api: Api) -> None:
    added = _add(api, password="first-password")
    assert added["display_name"] == "张三" and added["token"].startswith("cf_")
    listed = {user["username"]: user for user in api.ok(api.get("admin", "/users"))}
    assert listed["zhang"]["display_name"] == "张三"
    assert listed["clerk"]["display_name"] == "clerk"  # none set: the login name
    assert "token" not in listed["zhang"] and "password_hash" not in listed["zhang"]
    me = api.client.get(
        API_PREFIX + "/funds", headers={"Authorization": f"Bearer {added['token']}"}
    )
    assert me.status_code == 200
    assert _audit_actions(api.database, "zhang") == ["user.created"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "名字"}, "username"),
        ({"username": "me"}, "username"),
        ({"role": "boss"}, "role"),
        ({"password": "short"}, "password"),
        ({"display_name": "a\u202eb"}, "display_name"),
        ({"display_name": "x" * 65}, "display_name"),
    ],
)
def test_bad_user_is_refused_naming_the_field(api: Api, body: dict, field: str) -> None:
    before = _user_count(api.database)
    request = {"username": "zhang", "role": "clerk", "display_name": "张三"} | body
    problem = problem_of(api.post("admin", "/users", json=request), 422)
    assert field in str(problem["errors"])
    assert _user_count(api.database) == before


@pytest.mark.parametrize("who", ["clerk", "approver", "cashier", "auditor", "integration"])
def test_only_admins_administer_users(api: Api, who: str) -> None:
    before = _user_count(api.database)
    problem_of(api.get(who, "/users"), 403)
    problem_of(api.post(who, "/users", json={"username": "x", "role": "clerk"}), 403)
    problem_of(api.post(who, "/users/clerk2/deactivate"), 403)
    problem_of(api.post(who, "/users/clerk2/password", json={"password": "new-password"}), 403)
    problem_of(api.post(who, "/users/clerk2/unlock"), 403)
    problem_of(api.get(who, "/users/clerk2/tokens"), 403)
    problem_of(api.post(who, "/users/clerk2/tokens"), 403)
    assert _user_count(api.database) == before
    assert _audit_actions(api.database, "clerk2") == ["user.created"]


def test_deactivated_users_token_is_refused_at_once_by_another_worker(api: Api) -> None:
    other = Database.open(api.database.engine.url.render_as_string(hide_password=False))
    try:
        with TestClient(create_app(other)) as second:
            headers = api.headers("clerk")
            assert second.get(API_PREFIX + "/funds", headers=headers).status_code == 200
            api.ok(api.post("admin", "/users/clerk/deactivate"))
            problem_of(second.get(API_PREFIX + "/funds", headers=headers), 401)
            api.ok(api.post("admin", "/users/clerk/reactivate"))
            assert second.get(API_PREFIX + "/funds", headers=headers).status_code == 200
    finally:
        other.dispose()
    assert _audit_actions(api.database, "clerk")[-2:] == ["user.deactivated", "user.reactivated"]


def test_revoked_token_is_refused_at_once_by_another_worker(api: Api) -> None:
    other = Database.open(api.database.engine.url.render_as_string(hide_password=False))
    try:
        with TestClient(create_app(other)) as second:
            headers = api.headers("clerk")
            assert second.get(API_PREFIX + "/funds", headers=headers).status_code == 200
            (token,) = api.ok(api.get("admin", "/users/clerk/tokens"))
            revoked = api.ok(api.post("admin", f"/users/clerk/tokens/{token['id']}/revoke"))
            assert revoked["revoked_at"] is not None
            problem_of(second.get(API_PREFIX + "/funds", headers=headers), 401)
    finally:
        other.dispose()
    problem_of(api.post("admin", f"/users/clerk/tokens/{token['id']}/revoke"), 409)


def test_rotating_a_token_revokes_it_and_shows_the_new_one_once(api: Api) -> None:
    (old,) = api.ok(api.get("admin", "/users/clerk/tokens"))
    rotated = api.ok(api.post("admin", f"/users/clerk/tokens/{old['id']}/rotate"), 201)
    new_headers = {"Authorization": f"Bearer {rotated['token']}"}
    assert api.client.get(API_PREFIX + "/funds", headers=new_headers).status_code == 200
    problem_of(api.get("clerk", "/funds"), 401)
    tokens = api.ok(api.get("admin", "/users/clerk/tokens"))
    assert [t["revoked_at"] is None for t in tokens] == [False, True]
    assert all("token" not in t for t in tokens)
    assert _audit_actions(api.database, "clerk")[-2:] == ["token.revoked", "token.issued"]
    problem_of(api.post("admin", "/users/clerk/tokens/999999/rotate"), 404)


def test_reset_password_must_be_changed_and_unlocks(api: Api) -> None:
    database = api.database

    def lock(session):  # type: ignore[no-untyped-def]
        user = users.get_user(session, "approver")
        user.locked_until = utcnow() + timedelta(minutes=10)
        session.add(user)

    database.write(lock)
    assert api.ok(api.get("admin", "/users/approver"))["locked"] is True
    problem_of(api.post("admin", "/users/approver/password", json={"password": "short"}), 422)
    reset = api.ok(api.post("admin", "/users/approver/password", json={"password": "reset-pass1"}))
    assert reset["must_change_password"] is True and reset["locked"] is False
    body = {"current_password": "wrong-password", "password": "mine-now-1"}
    problem = problem_of(api.post("approver", "/users/me/password", json=body), 422)
    assert "current_password" in str(problem["errors"])
    body = {"current_password": "reset-pass1", "password": "mine-now-1"}
    changed = api.ok(api.post("approver", "/users/me/password", json=body))
    assert changed["must_change_password"] is False
    user = database.write(
        lambda session: users.check_password(session, username="approver", password="mine-now-1")
    )
    assert user.username == "approver"
    assert _audit_actions(database, "approver")[-2:] == [
        "user.password_reset",
        "user.password_changed",
    ]


def test_unlock_lifts_the_lock(api: Api) -> None:
    def lock(session):  # type: ignore[no-untyped-def]
        user = users.get_user(session, "cashier")
        user.locked_until = utcnow() + timedelta(minutes=10)
        user.failed_logins = 3
        session.add(user)

    api.database.write(lock)
    assert api.ok(api.post("admin", "/users/cashier/unlock"))["locked"] is False
    assert _audit_actions(api.database, "cashier")[-1] == "user.unlocked"


def test_admin_cannot_deactivate_self_and_unknown_users_are_404(api: Api) -> None:
    problem_of(api.post("admin", "/users/admin/deactivate"), 409)
    problem_of(api.post("admin", "/users/nobody/deactivate"), 404)
    problem_of(api.get("admin", "/users/nobody"), 404)


def test_domain_deactivation_refuses_the_token(database: Database) -> None:
    from tests.builders import make_token, make_user

    boss = make_user(database, "admin", username="boss")
    clerk = make_user(database, "clerk", username="li")
    token = make_token(database, clerk)
    assert users.user_for_token(database, token).username == "li"
    database.write(lambda s: admin.set_active(s, actor=boss, username="li", active=False))
    with pytest.raises(Unauthenticated):
        users.user_for_token(database, token)
    count = database.read(lambda s: len(s.exec(select(AuditLog)).all()))
    assert count == 3  # two created, one deactivated


def test_adding_a_user_is_idempotent_like_every_post(api: Api) -> None:
    body = {"username": "once", "role": "clerk", "display_name": "一次"}
    headers = {"Idempotency-Key": "add-once"}
    first = api.ok(api.post("admin", "/users", json=body, headers=headers), 201)
    again = api.post("admin", "/users", json=body, headers=headers)
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first
    assert _audit_actions(api.database, "once") == ["user.created"]


def test_the_token_user_is_whole_even_as_a_fresh_process_first_request() -> None:
    """The caller is built as the ORM loads a row (`users._transient_user`): in a process
    that has used no model yet (a server's first request), with every field."""
    import subprocess
    import sys

    code = (
        "from carefund.access.users import _transient_user\n"
        "u = _transient_user(id=7, username='clerk', role='clerk')\n"
        "u.display_name = 'x'\n"
        "print(u.id, u.username, u.role, u.active, u.failed_logins, u.display_name,"
        " u.created_at is not None, sorted(u.model_fields_set))\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout.split("\n")[0] == (
        "7 clerk clerk True 0 x True ['display_name', 'id', 'role', 'username']"
    )
