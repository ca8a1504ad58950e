"""Documents: receipts, vouchers, statements (PDF, CSV, XLSX), the public list, batch receipts.

Each route asks `carefund.reports.slips` (receipts, vouchers) or `carefund.reports.documents`
(statements, the public list) for a view (which checks the caller's role) and hands it to
`receipts` for the bytes. Statements are rendered inside `database.read`, while the session
is open, because their journal streams from the database as the pages are laid out.

`statements/{period}.json` is served by the statements routes; each format here is its own
route, so the paths never collide.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import Response
from sqlmodel import Session

import receipts
from api.deps import CurrentUser, DatabaseDep
from api.routing import ledger_router
from carefund.models import User
from carefund.reports import documents, slips
from carefund.storage.database import Database

router = ledger_router("documents")

Responses = dict[int | str, dict[str, Any]]
PDF_RESPONSE: Responses = {200: {"content": {receipts.PDF: {}}, "description": "PDF document"}}
CSV_RESPONSE: Responses = {200: {"content": {"text/csv": {}}, "description": "CSV, UTF-8 with BOM"}}
XLSX_RESPONSE: Responses = {200: {"content": {receipts.XLSX: {}}, "description": "Excel workbook"}}


def _document(content: bytes, media_type: str, filename: str, *, inline: bool) -> Response:
    # File names are ASCII (fund codes, numbers, periods), so no RFC 5987 encoding is needed.
    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            # Vouchers and statements carry names; keep them out of shared caches.
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/incomes/{income_id}/receipt.pdf", responses=PDF_RESPONSE, response_class=Response)
def income_receipt(income_id: int, database: DatabaseDep, user: CurrentUser) -> Response:
    """The income's receipt (收款收据); a reversed income's receipt is stamped 作废."""
    view = database.read(
        lambda session: slips.receipt_view(session, income_id=income_id, actor=user)
    )
    return _document(
        receipts.render_receipt(view), receipts.PDF, f"receipt-{view.receipt_no}.pdf", inline=True
    )


@router.get(
    "/disbursements/{disbursement_id}/voucher.pdf", responses=PDF_RESPONSE, response_class=Response
)
def disbursement_voucher(
    disbursement_id: int, database: DatabaseDep, user: CurrentUser
) -> Response:
    """The disbursement's voucher (领款签收单) for the recipient to sign."""
    view = database.read(
        lambda session: slips.voucher_view(session, disbursement_id=disbursement_id, actor=user)
    )
    return _document(
        receipts.render_voucher(view),
        receipts.PDF,
        f"voucher-{view.fund.code}-{view.disbursement_id}.pdf",
        inline=True,
    )


def _statement(
    database: Database,
    *,
    code: str,
    period: str,
    user: User,
    render: Callable[[documents.StatementView], bytes],
    media_type: str,
    suffix: str,
) -> Response:
    """The statement rendered by `render` while its session is open (its journal streams)."""

    def rendered(session: Session) -> tuple[bytes, str]:
        view = documents.statement_view(session, fund_code=code, period=period, actor=user)
        return render(view), view.period.label

    content, label = database.read(rendered)
    return _document(content, media_type, f"statement-{code}-{label}.{suffix}", inline=False)


@router.get(
    "/funds/{code}/statements/{period}.pdf", responses=PDF_RESPONSE, response_class=Response
)
def statement_pdf(code: str, period: str, database: DatabaseDep, user: CurrentUser) -> Response:
    """The audit statement (收支审计报表) of a month, quarter or year."""
    return _statement(
        database,
        code=code,
        period=period,
        user=user,
        render=receipts.render_statement,
        media_type=receipts.PDF,
        suffix="pdf",
    )


@router.get(
    "/funds/{code}/statements/{period}.csv", responses=CSV_RESPONSE, response_class=Response
)
def statement_csv(code: str, period: str, database: DatabaseDep, user: CurrentUser) -> Response:
    """The statement as CSV: summary, checks, journal and recipients in blocks."""
    return _statement(
        database,
        code=code,
        period=period,
        user=user,
        render=receipts.statement_csv,
        media_type=receipts.CSV,
        suffix="csv",
    )


@router.get(
    "/funds/{code}/statements/{period}.xlsx", responses=XLSX_RESPONSE, response_class=Response
)
def statement_xlsx(code: str, period: str, database: DatabaseDep, user: CurrentUser) -> Response:
    """The statement as an Excel workbook: summary, journal and recipient sheets."""
    return _statement(
        database,
        code=code,
        period=period,
        user=user,
        render=receipts.statement_xlsx,
        media_type=receipts.XLSX,
        suffix="xlsx",
    )


@router.get(
    "/funds/{code}/disclosure/{period}.pdf", responses=PDF_RESPONSE, response_class=Response
)
def disclosure_pdf(code: str, period: str, database: DatabaseDep, user: CurrentUser) -> Response:
    """The public list (公示): masked names, category, aspect, amount."""
    view = database.read(
        lambda session: documents.disclosure_view(
            session, fund_code=code, period=period, actor=user
        )
    )
    return _document(
        receipts.render_disclosure(view),
        receipts.PDF,
        f"disclosure-{code}-{view.period.label}.pdf",
        inline=False,
    )


@router.get("/funds/{code}/receipts.pdf", responses=PDF_RESPONSE, response_class=Response)
def receipts_pdf(
    code: str,
    database: DatabaseDep,
    user: CurrentUser,
    start: Annotated[str, Query(alias="from", examples=["2026-01-01"])],
    end: Annotated[str, Query(alias="to", examples=["2026-12-31"])],
) -> Response:
    """Every receipt of the fund received from `from` to `to` (inclusive), one per page."""
    view = database.read(
        lambda session: slips.receipt_batch_view(
            session, fund_code=code, start=start, end=end, actor=user
        )
    )
    return _document(
        receipts.render_receipt_batch(view),
        receipts.PDF,
        f"receipts-{code}-{view.start.isoformat()}-{view.end.isoformat()}.pdf",
        inline=False,
    )
