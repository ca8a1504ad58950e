"""Documents: receipts, vouchers, statements (PDF, CSV, XLSX), the public list, batch receipts.

Each route hands its parameters to `api.downloads` (or, for vouchers and batches, asks
`carefund.reports.slips` for a view, which checks the caller's role) and answers the bytes
`receipts` renders.

`statements/{period}.json` is served by the statements routes; each file format here is
its own route, so the paths never collide.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import Response

import receipts
from api import downloads
from api.deps import CurrentUser, DatabaseDep
from api.openapi import file_answer
from api.routing import ledger_router
from carefund.reports import slips

router = ledger_router("documents")

Responses = dict[int | str, dict[str, Any]]
PDF_RESPONSE: Responses = file_answer(receipts.PDF, "PDF document")
STATEMENT_RESPONSES: dict[str, Responses] = {
    "pdf": PDF_RESPONSE,
    "csv": file_answer("text/csv", "CSV, UTF-8 with BOM"),
    "xlsx": file_answer(receipts.XLSX, "Excel workbook"),
}
STATEMENT_DESCRIPTIONS = {
    "pdf": "The audit statement (收支审计报表) of a month, quarter or year.",
    "csv": "The statement as CSV: summary, checks, journal and recipients in blocks.",
    "xlsx": "The statement as an Excel workbook: summary, journal and recipient sheets.",
}


@router.get(
    "/incomes/{income_id}/receipt.pdf",
    operation_id="getIncomeReceiptPdf",
    responses=PDF_RESPONSE,
    response_class=Response,
)
def income_receipt(income_id: int, database: DatabaseDep, user: CurrentUser) -> Response:
    """The income's receipt (收款收据); a reversed income's receipt is stamped 作废."""
    return downloads.receipt(database, income_id=income_id, user=user)


@router.get(
    "/disbursements/{disbursement_id}/voucher.pdf",
    operation_id="getDisbursementVoucherPdf",
    responses=PDF_RESPONSE,
    response_class=Response,
)
def disbursement_voucher(
    disbursement_id: int, database: DatabaseDep, user: CurrentUser
) -> Response:
    """The disbursement's voucher (领款签收单) for the recipient to sign."""
    view = database.read(
        lambda session: slips.voucher_view(session, disbursement_id=disbursement_id, actor=user),
        replica=True,
    )
    return downloads.pdf(
        receipts.render_voucher(view), f"voucher-{view.fund.code}-{view.disbursement_id}.pdf"
    )


def _statement_route(suffix: str) -> Callable[..., Response]:
    def statement(code: str, period: str, database: DatabaseDep, user: CurrentUser) -> Response:
        return downloads.statement(database, code=code, period=period, suffix=suffix, user=user)

    return statement


for _suffix in receipts.STATEMENT_FORMATS:
    router.add_api_route(
        f"/funds/{{code}}/statements/{{period}}.{_suffix}",
        _statement_route(_suffix),
        methods=["GET"],
        name=f"statement_{_suffix}",
        operation_id=f"getStatement{_suffix.capitalize()}",
        description=STATEMENT_DESCRIPTIONS[_suffix],
        responses=STATEMENT_RESPONSES[_suffix],
        response_class=Response,
    )


@router.get(
    "/funds/{code}/disclosure/{period}.pdf",
    operation_id="getDisclosurePdf",
    responses=PDF_RESPONSE,
    response_class=Response,
)
def disclosure_pdf(code: str, period: str, database: DatabaseDep, user: CurrentUser) -> Response:
    """The public list (公示): masked names, category, aspect, amount."""
    return downloads.disclosure(database, code=code, period=period, user=user)


@router.get(
    "/funds/{code}/receipts.pdf",
    operation_id="getReceiptsPdf",
    responses=PDF_RESPONSE,
    response_class=Response,
)
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
        ),
        replica=True,
    )
    return downloads.pdf(
        receipts.render_receipt_batch(view),
        f"receipts-{code}-{view.start.isoformat()}-{view.end.isoformat()}.pdf",
        inline=False,
    )
