"""Rules about people: recipients who share an ID number or phone with another recipient or
with a staff member (利益关联), compared through the keyed hashes, never the plaintext."""

from collections.abc import Iterator

from sqlalchemy import func
from sqlmodel import col, select

from carefund.alerts.registry import (
    Check,
    Finding,
    Grade,
    Rule,
    Scope,
    Trigger,
    add_rule,
    rule,
)
from carefund.models import Recipient, User
from carefund.models.aid import LOOKUP_FIELDS, recipient_lookup_hashes
from carefund.privacy import mask_id_number, mask_phone
from carefund.vocabulary import ROLE_NAMES_ZH, Role

FIELD_NAMES_ZH = {"id_number": "身份证号", "phone": "电话"}
_MASKS = {"id_number": mask_id_number, "phone": mask_phone}


def _hashes_of(person: Recipient | User, field: str) -> list[str]:
    """The keyed hashes (under every key) of one person's field, from its plaintext."""
    value = getattr(person, field)
    return recipient_lookup_hashes(field, value) if value else []


def _who(recipient: Recipient) -> str:
    return f"{recipient.name}（{recipient.member_no}）"


def _staff(user: User) -> str:
    role = ROLE_NAMES_ZH.get(Role(user.role), user.role)
    if user.display_name:
        return f"{user.display_name}（{user.username}，{role}）"
    return f"{user.username}（{role}）"


def _touched_recipient(check: Check) -> Recipient | None:
    assert check.touched is not None
    if check.touched.recipient_id is None:
        return None
    return check.session.get(Recipient, check.touched.recipient_id)


@rule(
    "identity_duplicate",
    "对象身份信息重复",
    Grade.B,
    description_zh="两名关爱对象的身份证号或电话相同（按密钥哈希比对，不解密）。",
    scope=Scope.district,
    triggers=[Trigger.recipient],
)
def identity_duplicate(check: Check) -> Iterator[Finding]:
    for field in LOOKUP_FIELDS:
        for group in _recipient_groups(check, field):
            group.sort(key=lambda r: r.id or 0)
            first = group[0]
            for other in group[1:]:
                masked = _MASKS[field](getattr(first, field))
                yield Finding(
                    f"{field}:recipient:{first.id}:recipient:{other.id}",
                    f"身份信息重复：关爱对象 {_who(first)}与{_who(other)}的"
                    f"{FIELD_NAMES_ZH[field]}相同（{masked}）",
                    {"field": field, "recipient_ids": [first.id, other.id], "masked": masked},
                )


def _recipient_groups(check: Check, field: str) -> list[list[Recipient]]:
    """Recipients that share the field's hash: the touched one's group, or every group."""
    column = col(getattr(Recipient, f"{field}_hash"))
    if check.touched is not None:
        recipient = _touched_recipient(check)
        hashes = _hashes_of(recipient, field) if recipient else []
        if not hashes:
            return []
        others = list(check.session.exec(select(Recipient).where(column.in_(hashes))))
        return [others] if len(others) > 1 else []
    shared = select(column).where(column.is_not(None)).group_by(column).having(func.count() > 1)
    groups: dict[str, list[Recipient]] = {}
    for row in check.session.exec(select(Recipient).where(column.in_(shared))):
        groups.setdefault(getattr(row, f"{field}_hash"), []).append(row)
    return list(groups.values())


@rule(
    "identity_staff",
    "对象与工作人员利益关联",
    Grade.A,
    description_zh="关爱对象的身份证号或电话与某位工作人员（用户）的相同。",
    scope=Scope.district,
    triggers=[Trigger.recipient, Trigger.staff],
)
def identity_staff(check: Check) -> Iterator[Finding]:
    for field in LOOKUP_FIELDS:
        for recipient, user in _staff_pairs(check, field):
            masked = _MASKS[field](getattr(recipient, field))
            yield Finding(
                f"{field}:recipient:{recipient.id}:user:{user.username}",
                f"利益关联：关爱对象 {_who(recipient)}的{FIELD_NAMES_ZH[field]}与工作人员 "
                f"{_staff(user)}相同（{masked}）",
                {
                    "field": field,
                    "recipient_id": recipient.id,
                    "username": user.username,
                    "masked": masked,
                },
            )


def _staff_pairs(check: Check, field: str) -> list[tuple[Recipient, User]]:
    recipient_hash = col(getattr(Recipient, f"{field}_hash"))
    user_hash = col(getattr(User, f"{field}_hash"))
    touched = check.touched
    if touched is None:
        query = select(Recipient, User).join(User, user_hash == recipient_hash)
        return list(check.session.exec(query))  # type: ignore[arg-type]
    if touched.trigger == Trigger.staff:
        user = check.session.exec(select(User).where(User.username == touched.username)).first()
        hashes = _hashes_of(user, field) if user else []
        found = check.session.exec(select(Recipient).where(recipient_hash.in_(hashes)))
        return [(recipient, user) for recipient in found] if hashes and user else []
    recipient = _touched_recipient(check)
    hashes = _hashes_of(recipient, field) if recipient else []
    if not hashes or recipient is None:
        return []
    return [
        (recipient, user) for user in check.session.exec(select(User).where(user_hash.in_(hashes)))
    ]


CROSS_DISTRICT = Rule(
    code="cross_district",
    name_zh="跨区重复受助",
    grade=Grade.B,
    scope=Scope.district,
    triggers=frozenset(),
    params={},
    description_zh="另一区交来的哈希名单中有本区同年受助的对象（`carefund recipients "
    "import-hashes` 比对时提出）。",
    evaluate=None,
)
add_rule(CROSS_DISTRICT)
