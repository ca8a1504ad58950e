"""The roll: masking, the audit trail of changes, search."""

from typing import Any

from sqlmodel import Session

from carefund import audit, privacy, recipients
from tests.builders import make_recipient, make_staff, valid_id_number


def test_personal_data_is_stored_and_only_shown_masked(database) -> None:
    staff = make_staff(database)
    id_number = valid_id_number(7)
    member = make_recipient(
        database, staff["clerk"], name="欧阳小华", id_number=id_number.lower(), phone="13812345678"
    )
    public = recipients.recipient_public(member)
    assert member.id_number == id_number  # stored whole, upper-cased check character
    assert public["id_number_masked"] == id_number[:3] + "*" * 11 + id_number[-4:]
    assert public["phone_masked"] == "138****5678"
    assert id_number not in repr(public) and "13812345678" not in repr(public)


def test_an_update_is_kept_in_the_audit_trail_with_personal_data_masked(database) -> None:
    staff = make_staff(database)
    member = make_recipient(database, staff["clerk"], category="mobile", phone="13812345678")

    def write(session: Session) -> Any:
        recipients.update_recipient(
            session,
            recipient_id=member.id,
            category="hardship",
            phone="13987654321",
            actor=staff["clerk2"],
        )
        recipients.update_recipient(
            session, recipient_id=member.id, category="hardship", actor=staff["clerk2"]
        )

    database.write(write)
    trail = database.read(lambda session: audit.history(session, "recipient", member.id))
    assert [entry.action for entry in trail] == ["recipient.created", "recipient.updated"]
    change = trail[-1]
    assert change.actor == "clerk2"
    assert change.detail["changes"] == {
        "category": ["mobile", "hardship"],
        "phone": ["138****5678", "139****4321"],
    }
    assert "13987654321" not in repr([entry.detail for entry in trail])


def test_search_by_name_member_number_or_branch(database) -> None:
    staff = make_staff(database)
    make_recipient(
        database, staff["clerk"], name="张三", member_no="A001", branch="城关街道第一党支部"
    )
    make_recipient(
        database,
        staff["clerk"],
        name="李四",
        member_no="B002",
        branch="东风社区党支部",
        category="retired",
    )
    make_recipient(database, staff["clerk"], name="王五_", member_no="C003", active=False)

    def read(session: Session) -> Any:
        def names(**kwargs):  # type: ignore[no-untyped-def]
            return [
                r["name"]
                for r in recipients.list_recipients(session, actor=staff["clerk"], **kwargs)
            ]

        assert names(q="张") == ["张三"]
        assert names(q="B00") == ["李四"]
        assert names(q="东风") == ["李四"]
        assert names(q="_") == ["王五_"]  # LIKE wildcards are taken literally
        assert names(category="retired") == ["李四"]
        assert names(active=False) == ["王五_"]

    return database.read(read)


def test_public_lists_mask_names() -> None:
    assert privacy.mask_name("王小明") == "王*明"
    assert privacy.mask_name("欧阳小华") == "欧阳*华"
    assert privacy.mask_name("李明") == "李*"


def test_masks_hide_at_least_half_of_every_number_as_design_shows() -> None:
    # DESIGN.md: 370***********1234 — the region's first digits and the last four only.
    assert privacy.mask_id_number("370602198001011234") == "370***********1234"
    assert privacy.mask_id_number("11010519491231002X") == "110***********002X"
    assert privacy.mask_phone("13812345678") == "138****5678"
    # Landlines keep their area code and last two digits.
    assert privacy.mask_phone("0101234567") == "010*****67"
    assert privacy.mask_phone("02112345678") == "021******78"
    assert privacy.mask_phone("0531-88123456") == "0531-******56"
    assert privacy.mask_id_number(None) is None and privacy.mask_phone("") is None
    # The events feed and the audit log keep an address's place, not its street and number.
    assert privacy.mask_address("济南市历下区泉城路 1 号") == "济南市历下区****"
    assert privacy.mask_address("") == ""
