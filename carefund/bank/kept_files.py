"""The bank's files as received: kept by hash, so that the same file again is answered
with what its first import did and changes nothing."""

import json
from typing import Any

from sqlmodel import Session, select

from carefund.models import BankFile, User


def earlier_file(session: Session, fund_id: int, kind: str, file_hash: str) -> BankFile | None:
    return session.exec(
        select(BankFile).where(
            BankFile.fund_id == fund_id, BankFile.kind == kind, BankFile.file_hash == file_hash
        )
    ).first()


def keep_file(
    session: Session,
    fund_id: int,
    kind: str,
    file_hash: str,
    filename: str,
    summary: dict[str, Any],
    actor: User,
) -> BankFile:
    stored = BankFile(
        fund_id=fund_id,
        kind=kind,
        file_hash=file_hash,
        filename=filename[:200],
        summary=json.dumps(summary, ensure_ascii=False),
        imported_by=actor.username,
    )
    session.add(stored)
    session.flush()
    return stored
