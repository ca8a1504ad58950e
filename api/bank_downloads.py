"""The bank's documents as downloads, for the API and the pages alike: a batch's payment
file (written through the audit-logged export), its cover sheet, and a month's
reconciliation."""

from collections.abc import Sequence

from starlette.responses import Response

import receipts
from api import downloads
from carefund.bank import reconciliation, transfer_file
from carefund.models import User
from carefund.storage.database import Database
from receipts.bank_documents import render_cover_sheet, render_reconciliation
from receipts.bank_exports import TRANSFER_FORMATS, reconciliation_xlsx

MEDIA = {"xlsx": receipts.XLSX, "csv": receipts.CSV, "pdf": receipts.PDF}


async def transfer(
    database: Database,
    *,
    batch_id: object,
    suffix: str,
    template: str | None,
    columns: Sequence[str] | None,
    user: User,
) -> Response:
    """The payment file: exported (and audit-logged) in a transaction of its own, then
    written in the format of `suffix`."""
    view = await database.write_async(
        lambda session: transfer_file.export_transfer_file(
            session,
            batch_id=batch_id,
            template=template,
            columns=list(columns) if columns else None,
            actor=user,
        ),
        short=False,
    )
    content = TRANSFER_FORMATS[suffix](view)
    name = f"bank-file-{view.batch_number}.{suffix}"
    return downloads.document(content, name, media_type=MEDIA[suffix], inline=False)


def cover(database: Database, *, batch_id: object, user: User) -> Response:
    view = database.read(
        lambda session: transfer_file.cover_sheet(session, batch_id=batch_id, actor=user)
    )
    return downloads.pdf(render_cover_sheet(view), f"cover-{view.batch_number}.pdf")


def reconciliation_document(
    database: Database, *, code: str, month: str, suffix: str, user: User
) -> Response:
    view = database.read(
        lambda session: reconciliation.reconcile_month(
            session, fund_code=code, month=month, actor=user
        )
    )
    render = render_reconciliation if suffix == "pdf" else reconciliation_xlsx
    name = f"reconciliation-{view.fund_code}-{view.month}.{suffix}"
    return downloads.document(render(view), name, media_type=MEDIA[suffix], inline=suffix == "pdf")
