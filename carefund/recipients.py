"""The roll of recipients (关爱对象): add, edit with an audit trail, search."""

import re
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from carefund.access.scope import check_in_scope, unit_path_of, within_scope
from carefund.access.users import Action, require
from carefund.alerts.registry import Touched, Trigger
from carefund.alerts.watch import watch, watch_roll
from carefund.audit import history, write_audit
from carefund.errors import Duplicate, InvalidInput, NotFound
from carefund.events import record_event
from carefund.identity_fields import (  # noqa: F401  (re-exported: the checks' old home)
    ACCOUNT_NO_PATTERN,
    ID_NUMBER_PATTERN,
    IDENTITY_CHECKS,
    PERSONAL_FIELDS,
    PHONE_PATTERN,
    clean_account_kind,
    clean_account_no,
    clean_id_number,
    clean_phone,
    id_number_check_char,
)
from carefund.limits import (
    ADDRESS_LENGTH_MAX,
    BANK_NAME_LENGTH_MAX,
    MEMBER_NO_LENGTH_MAX,
    MEMBER_NO_LIST_MAX,
    NAME_LENGTH_MAX,
    PERSON_NAME_LENGTH_MAX,
    SEARCH_LENGTH_MAX,
)
from carefund.models import AuditLog, Recipient, Unit, User, utcnow
from carefund.models.aid import recipient_lookup_hashes
from carefund.privacy import mask_account_no, mask_address, mask_id_number, mask_phone
from carefund.units import get_unit, unit_for_new
from carefund.validation import FieldCheck, check_fields, choose, clean_text, is_id
from carefund.vocabulary import MemberCategory

MEMBER_NO_PATTERN = re.compile(r"[A-Za-z0-9\-_]{1,32}")


def clean_member_no(value: object) -> str:
    text = clean_text(value, field="member_no", length_max=MEMBER_NO_LENGTH_MAX, required=True)
    if not MEMBER_NO_PATTERN.fullmatch(text):
        raise InvalidInput("党员编号只能由字母、数字、连字符和下划线组成", field="member_no")
    return text


def _clean_category(value: object) -> str:
    if value in (None, ""):
        raise InvalidInput("不能为空", field="category")
    return choose(MemberCategory, value, field="category").value


def _clean_active(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("应为 true 或 false", field="active")
    return value


RECIPIENT_CHECKS: dict[str, FieldCheck] = {
    "member_no": clean_member_no,
    "name": partial(clean_text, field="name", length_max=PERSON_NAME_LENGTH_MAX, required=True),
    "category": _clean_category,
    "branch": partial(clean_text, field="branch", length_max=NAME_LENGTH_MAX),
    "id_number": clean_id_number,
    "phone": clean_phone,
    "address": partial(clean_text, field="address", length_max=ADDRESS_LENGTH_MAX),
    "account_kind": clean_account_kind,
    "account_no": clean_account_no,
    "account_bank": partial(clean_text, field="account_bank", length_max=BANK_NAME_LENGTH_MAX),
    "active": _clean_active,
}
"""Every field of a recipient, as its stored form; the member number is never changed."""
EDITABLE_FIELDS = tuple(name for name in RECIPIENT_CHECKS if name != "member_no")
REQUIRED_FIELDS = ("member_no", "name", "category")
"""What a new member on the roll must have."""


def _checked(fields: dict[str, Any], *, new: bool) -> dict[str, Any]:
    """The fields given (and, for a new member, the required ones) in stored form."""
    unknown = set(fields) - set(RECIPIENT_CHECKS if new else EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    names = [n for n in RECIPIENT_CHECKS if n in fields or (new and n in REQUIRED_FIELDS)]
    return check_fields({name: RECIPIENT_CHECKS[name] for name in names}, fields)


def create_recipient(
    session: Session, *, member_no: object, actor: User, unit: object = None, **fields: Any
) -> Recipient:
    """Add a member to the roll of a unit (the actor's own when none); `member_no` must be
    new."""
    require(actor, Action.manage_recipients)
    values = _checked({"member_no": member_no, **fields}, new=True)
    owner = unit_for_new(session, unit, actor=actor, action=Action.manage_recipients)
    member_no = values["member_no"]
    if session.exec(select(Recipient).where(Recipient.member_no == member_no)).first():
        raise Duplicate(f"党员编号已存在：{member_no}", field="member_no")
    recipient = Recipient(**values, unit_id=owner.id)
    session.add(recipient)
    session.flush()
    _record_created(session, recipient, actor)
    watch(session, Touched(Trigger.recipient, recipient_id=recipient.id))
    return recipient


def _record_created(session: Session, recipient: Recipient, actor: User) -> None:
    """The audit trail and the event of a new member on the roll."""
    kept = recipient_kept(recipient)
    write_audit(
        session,
        actor=actor.username,
        action="recipient.created",
        obj=("recipient", recipient.id),
        detail={"fields": {k: v for k, v in kept.items() if k != "id"}},
    )
    record_event(session, "recipient.created", kept, unit_id=recipient.unit_id)


def update_recipient(
    session: Session, *, recipient_id: int, actor: User, **fields: Any
) -> Recipient:
    """Change some fields; the audit trail keeps old and new values (personal data masked)."""
    require(actor, Action.manage_recipients)
    recipient = recipient_row(session, recipient_id, actor=actor, action=Action.manage_recipients)
    moved_to = fields.pop("unit", None)
    values = _checked(fields, new=False)
    changes: dict[str, list[Any]] = {}
    if moved_to is not None:
        changes.update(_move(session, recipient, moved_to, actor=actor))
    for name, new in values.items():
        old = getattr(recipient, name)
        if old != new:
            mask = PERSONAL_FIELDS.get(name, lambda value: value)
            changes[name] = [mask(old), mask(new)]
            setattr(recipient, name, new)
    if changes:
        recipient.updated_at = utcnow()
        session.add(recipient)
        session.flush()
        write_audit(
            session,
            actor=actor.username,
            action="recipient.updated",
            obj=("recipient", recipient.id),
            detail={"changes": changes},
        )
        kept = recipient_kept(recipient)
        record_event(session, "recipient.updated", kept, unit_id=recipient.unit_id)
        if "id_number" in changes or "phone" in changes:
            watch(session, Touched(Trigger.recipient, recipient_id=recipient.id))
    return recipient


def _move(session: Session, recipient: Recipient, code: object, *, actor: User) -> dict:
    """Move a member to another unit (they moved street): the actor must manage recipients
    in both units. The change as the audit trail records it (none when it is the same)."""
    target = get_unit(session, code, actor=actor, action=Action.manage_recipients)
    if target.id == recipient.unit_id:
        return {}
    before = session.get(Unit, recipient.unit_id) if recipient.unit_id is not None else None
    recipient.unit_id = target.id
    return {"unit": [before.code if before else None, target.code]}


def recipient_row(
    session: Session, recipient_id: object, *, actor: User, action: Action = Action.read
) -> Recipient:
    """The stored recipient, for use cases that go on from it; `NotFound` when their unit
    is outside what the actor may see."""
    recipient = session.get(Recipient, recipient_id) if is_id(recipient_id) else None
    missing = NotFound(f"关爱对象不存在：{recipient_id}", field="recipient_id")
    if recipient is None:
        raise missing
    unit_path = partial(unit_path_of, session, recipient.unit_id)
    check_in_scope(session, actor, action, unit_path, missing)
    return recipient


def get_recipient(session: Session, *, recipient_id: object, actor: User) -> dict[str, Any]:
    """One recipient's public form."""
    require(actor, Action.read)
    return recipient_public(recipient_row(session, recipient_id, actor=actor))


def recipient_form(
    session: Session, *, actor: User, recipient_id: object = None
) -> dict[str, Any] | None:
    """What the form to add (no id) or to edit a member starts from: None, or the member's
    public form; only for who may manage the roll."""
    require(actor, Action.manage_recipients)
    if recipient_id is None:
        return None
    found = recipient_row(session, recipient_id, actor=actor, action=Action.manage_recipients)
    return recipient_public(found)


def recipient_changes(session: Session, *, recipient_id: int, actor: User) -> list[AuditLog]:
    """The audit trail of one member, oldest first (personal data masked in it)."""
    require(actor, Action.read)
    recipient_row(session, recipient_id, actor=actor)
    return history(session, "recipient", recipient_id)


def find_by_member_no(session: Session, member_no: str) -> Recipient | None:
    return session.exec(select(Recipient).where(Recipient.member_no == member_no)).first()


def list_recipients(
    session: Session,
    *,
    actor: User,
    category: str | None = None,
    q: str | None = None,
    active: bool | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """A page of the roll by id, in public form; `q` matches name, member number or branch."""
    require(actor, Action.read)
    query = select(Recipient).where(
        col(Recipient.id) > after_id, within_scope(session, actor, col(Recipient.unit_id))
    )
    if category is not None:
        query = query.where(
            Recipient.category == choose(MemberCategory, category, field="category").value
        )
    if active is not None:
        query = query.where(Recipient.active == active)
    q = clean_text(q, field="q", length_max=SEARCH_LENGTH_MAX)
    if q:
        query = query.where(_search(q))
    rows = session.exec(query.order_by(col(Recipient.id)).limit(limit))
    return [recipient_public(recipient) for recipient in rows]


def _search(q: str) -> ColumnElement[bool]:
    """Name, member number or branch containing `q`; or, when `q` is a whole ID number or
    phone number, the member it belongs to (by keyed hash: those are stored sealed)."""
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches = [
        col(Recipient.name).like(pattern, escape="\\"),
        col(Recipient.member_no).like(pattern, escape="\\"),
        col(Recipient.branch).like(pattern, escape="\\"),
    ]
    for field, clean in (("id_number", clean_id_number), ("phone", clean_phone)):
        try:
            value = clean(q)
        except InvalidInput:
            continue
        if value:
            hashes = recipient_lookup_hashes(field, value)
            matches.append(col(getattr(Recipient, f"{field}_hash")).in_(hashes))
    return or_(*matches)


def recipient_public(recipient: Recipient) -> dict[str, Any]:
    """A recipient as anyone outside the domain sees it: ID number and phone masked."""
    return {
        "id": recipient.id,
        "member_no": recipient.member_no,
        "name": recipient.name,
        "category": recipient.category,
        "branch": recipient.branch,
        "id_number_masked": mask_id_number(recipient.id_number),
        "phone_masked": mask_phone(recipient.phone),
        "address": recipient.address,
        "account_kind": recipient.account_kind,
        "account_no_masked": mask_account_no(recipient.account_no),
        "account_bank": recipient.account_bank,
        "active": recipient.active,
    }


def recipient_kept(recipient: Recipient) -> dict[str, Any]:
    """The public form as the events feed and the audit log keep it: the address masked too,
    since those copies are stored in plain text and outlive the encrypted row."""
    public = recipient_public(recipient)
    return public | {"address": mask_address(public["address"])}


def recipients_public_by_id(
    session: Session, *, recipient_ids: list[int], actor: User
) -> dict[int, dict[str, Any]]:
    """The public form of these recipients, by id (a few queries however many), for lists
    that name them."""
    require(actor, Action.read)
    found = recipients_by_id(session, recipient_ids)
    return {recipient_id: recipient_public(r) for recipient_id, r in found.items()}


def create_recipients(
    session: Session,
    *,
    rows: list[tuple[object, dict[str, Any]]],
    actor: User,
    unit: object = None,
) -> list[Recipient]:
    """Add many members at once (an import): the checks, audit and events of
    `create_recipient`, written in a few batched statements instead of several per member.
    Every `member_no` must be new, also within `rows`."""
    require(actor, Action.manage_recipients)
    cleaned = [_checked({"member_no": member_no, **fields}, new=True) for member_no, fields in rows]
    numbers = [values["member_no"] for values in cleaned]
    if len(set(numbers)) != len(numbers):
        raise Duplicate("党员编号有重复", field="member_no")
    for index in range(0, len(numbers), _LOOKUP_CHUNK):
        taken = session.exec(
            select(Recipient.member_no).where(
                col(Recipient.member_no).in_(numbers[index : index + _LOOKUP_CHUNK])
            )
        ).first()
        if taken:
            raise Duplicate(f"党员编号已存在：{taken}", field="member_no")
    owner = unit_for_new(session, unit, actor=actor, action=Action.manage_recipients)
    made = [Recipient(**values, unit_id=owner.id) for values in cleaned]
    session.add_all(made)
    session.flush()
    for recipient in made:
        _record_created(session, recipient, actor)
    # One look over the whole roll (a few grouped queries), not several per new member.
    watch_roll(session)
    return made


_LOOKUP_CHUNK = 900
"""Member numbers per `IN (…)` query; SQLite limits the parameters of one statement."""


def recipients_by_id(session: Session, ids: list[int]) -> dict[int, Recipient]:
    """The recipients with these ids, by id (a few queries however many), for lists."""
    wanted = sorted({i for i in ids if is_id(i)})
    found: dict[int, Recipient] = {}
    for index in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[index : index + _LOOKUP_CHUNK]
        for recipient in session.exec(select(Recipient).where(col(Recipient.id).in_(chunk))):
            found[recipient.id or 0] = recipient
    return found


_LIST_SEPARATORS = re.compile(r"[\s,，;；、]+")


def ids_for_member_nos(session: Session, text: object, *, field: str) -> list[int]:
    """The ids of the members named in `text` (member numbers separated by spaces, commas
    or new lines), in the order given; `InvalidInput` naming those not on the roll."""
    raw = clean_text(
        text,
        field=field,
        length_max=MEMBER_NO_LIST_MAX * (MEMBER_NO_LENGTH_MAX + 1),
        multiline=True,
    )
    numbers = list(dict.fromkeys(n for n in _LIST_SEPARATORS.split(raw) if n))
    if not numbers:
        raise InvalidInput("请至少填写一个党员编号", field=field)
    if len(numbers) > MEMBER_NO_LIST_MAX:
        raise InvalidInput(f"最多 {MEMBER_NO_LIST_MAX} 个党员编号", field=field)
    found: dict[str, int] = {}
    for index in range(0, len(numbers), _LOOKUP_CHUNK):
        chunk = numbers[index : index + _LOOKUP_CHUNK]
        rows = session.exec(
            select(Recipient.member_no, Recipient.id).where(col(Recipient.member_no).in_(chunk))
        )
        found.update({member_no: recipient_id or 0 for member_no, recipient_id in rows})
    missing = [n for n in numbers if n not in found]
    if missing:
        shown = "、".join(missing[:10]) + (f" 等 {len(missing)} 个" if len(missing) > 10 else "")
        raise InvalidInput(f"党员编号不在名册中：{shown}", field=field)
    return [found[n] for n in numbers]


def active_ids_in_category(session: Session, category: object, *, field: str) -> list[int]:
    """The ids of every active member of a category, by id (e.g. a plan for all of them)."""
    value = choose(MemberCategory, category, field=field).value
    return [
        recipient_id or 0
        for recipient_id in session.exec(
            select(Recipient.id)
            .where(Recipient.category == value, Recipient.active == True)  # noqa: E712
            .order_by(col(Recipient.id))
        )
    ]
