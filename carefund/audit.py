"""The audit trail of records that may change: who changed what, and when."""

from typing import Any

from sqlmodel import Session, col, select

from carefund.models import AuditLog


def write_audit(
    session: Session, *, actor: str, action: str, obj: tuple[str, Any], detail: dict[str, Any]
) -> None:
    """Record a change in the caller's transaction; `detail` must hold no unmasked personal data."""
    object_type, object_id = obj
    session.add(
        AuditLog(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            detail=detail,
        )
    )


def history(session: Session, object_type: str, object_id: Any) -> list[AuditLog]:
    """The changes to one record, oldest first."""
    return list(
        session.exec(
            select(AuditLog)
            .where(AuditLog.object_type == object_type, AuditLog.object_id == str(object_id))
            .order_by(col(AuditLog.id))
        )
    )
