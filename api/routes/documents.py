"""Documents: receipts, vouchers, statements (PDF, CSV, XLSX), the public list, batch receipts.

Each route asks `carefund.reports.slips` (receipts, vouchers) or `carefund.reports.documents`
(statements, the public list) for a view (which checks the caller's role) and hands it to
`receipts` for the bytes. Statements are rendered while the read session is open, because
their journal streams from the database as the pages are laid out.

`statements/{period}.json` is served by the statements routes; each format here is its own
route, so the paths never collide.
"""

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import Response

import receipts
from api.deps import CurrentUser, ReadSession
from api.routing import ledger_router
from carefund.reports import documents, slips

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
def income_receipt(income_id: int, session: ReadSession, user: CurrentUser) -> Response:
    """The income's receipt (收款收据); a reversed income's receipt is stamped 作废."""
    view = slips.receipt_view(session, income_id=income_id, actor=user)
    return _document(
        receipts.render_receipt(view), receipts.PDF, f"receipt-{view.receipt_no}.pdf", inline=True
    )


@router.get(
    "/disbursements/{disbursement_id}/voucher.pdf", responses=PDF_RESPONSE, response_class=Response
)
def disbursement_voucher(disbursement_id: int, session: ReadSession, user: CurrentUser) -> Response:
    """The disbursement's voucher (领款签收单) for the recipient to sign."""
    view = slips.voucher_view(session, disbursement_id=disbursement_id, actor=user)
    return _document(
        receipts.render_voucher(view),
        receipts.PDF,
        f"voucher-{view.fund.code}-{view.disbursement_id}.pdf",
        inline=True,
    )


@router.get(
    "/funds/{code}/statements/{period}.pdf", responses=PDF_RESPONSE, response_class=Response
)
def statement_pdf(code: str, period: str, session: ReadSession, user: CurrentUser) -> Response:
    """The audit statement (收支审计报表) of a month, quarter or year."""
    view = documents.statement_view(session, fund_code=code, period=period, actor=user)
    return _document(
        receipts.render_statement(view),
        receipts.PDF,
        f"statement-{code}-{view.period.label}.pdf",
        inline=False,
    )


@router.get(
    "/funds/{code}/statements/{period}.csv", responses=CSV_RESPONSE, response_class=Response
)
def statement_csv(code: str, period: str, session: ReadSession, user: CurrentUser) -> Response:
    """The statement as CSV: summary, checks, journal and recipients in blocks."""
    view = documents.statement_view(session, fund_code=code, period=period, actor=user)
    return _document(
        receipts.statement_csv(view),
        receipts.CSV,
        f"statement-{code}-{view.period.label}.csv",
        inline=False,
    )


@router.get(
    "/funds/{code}/statements/{period}.xlsx", responses=XLSX_RESPONSE, response_class=Response
)
def statement_xlsx(code: str, period: str, session: ReadSession, user: CurrentUser) -> Response:
    """The statement as an Excel workbook: summary, journal and recipient sheets."""
    view = documents.statement_view(session, fund_code=code, period=period, actor=user)
    return _document(
        receipts.statement_xlsx(view),
        receipts.XLSX,
        f"statement-{code}-{view.period.label}.xlsx",
        inline=False,
    )


@router.get(
    "/funds/{code}/disclosure/{period}.pdf", responses=PDF_RESPONSE, response_class=Response
)
def disclosure_pdf(code: str, period: str, session: ReadSession, user: CurrentUser) -> Response:
    """The public list (公示): masked names, category, aspect, amount."""
    view = documents.disclosure_view(session, fund_code=code, period=period, actor=user)
    return _document(
        receipts.render_disclosure(view),
        receipts.PDF,
        f"disclosure-{code}-{view.period.label}.pdf",
        inline=False,
    )


@router.get("/funds/{code}/receipts.pdf", responses=PDF_RESPONSE, response_class=Response)
def receipts_pdf(
    code: str,
    session: ReadSession,
    user: CurrentUser,
    start: Annotated[str, Query(alias="from", examples=["2026-01-01"])],
    end: Annotated[str, Query(alias="to", examples=["2026-12-31"])],
) -> Response:
    """Every receipt of the fund received from `from` to `to` (inclusive), one per page."""
    view = slips.receipt_batch_view(session, fund_code=code, start=start, end=end, actor=user)
    return _document(
        receipts.render_receipt_batch(view),
        receipts.PDF,
        f"receipts-{code}-{view.start.isoformat()}-{view.end.isoformat()}.pdf",
        inline=False,
    )
