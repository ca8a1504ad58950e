"""Documents as downloads, for the API and the pages alike: receipts, statements, lists.

Each asks `carefund.reports` for a view (which checks the caller's role), has `receipts`
render it, and answers the bytes kept out of shared caches. They read from the read
replica when one is configured (`database.read(..., replica=True)`): a closed period's
documents as the replica has them, anything else once it has caught up with the primary.
Statements are rendered inside `database.read`, while the session is open, because their
journal streams from the database as the pages are laid out.
"""

from functools import partial

from sqlmodel import Session
from starlette.responses import Response

import receipts
from carefund.models import User
from carefund.reports import documents, slips
from carefund.reports.consolidated import consolidated_statement
from carefund.storage.database import Database


def document(content: bytes, filename: str, *, media_type: str, inline: bool) -> Response:
    """A document to show (inline) or to save (attachment)."""
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


def pdf(content: bytes, filename: str, *, inline: bool = True) -> Response:
    """A PDF for the browser to show (or, not `inline`, to save)."""
    return document(content, filename, media_type=receipts.PDF, inline=inline)


def receipt(database: Database, *, income_id: int, user: User) -> Response:
    """The income's receipt (收款收据); a reversed income's receipt is stamped 作废."""
    view = database.read(
        lambda session: slips.receipt_view(session, income_id=income_id, actor=user),
        replica=True,
    )
    return pdf(receipts.render_receipt(view), f"receipt-{view.receipt_no}.pdf")


def statement(database: Database, *, code: str, period: str, suffix: str, user: User) -> Response:
    """The statement in the format of `suffix` (one of `receipts.STATEMENT_FORMATS`)."""
    render, media_type = receipts.STATEMENT_FORMATS[suffix]

    def rendered(session: Session) -> tuple[bytes, str]:
        view = documents.statement_view(session, fund_code=code, period=period, actor=user)
        return render(view), f"statement-{view.fund.code}-{view.period.label}.{suffix}"

    content, filename = database.read(
        rendered,
        replica=True,
        settled=partial(documents.period_is_final, fund_code=code, period=period),
    )
    return document(content, filename, media_type=media_type, inline=False)


def consolidated(
    database: Database, *, code: str, period: str, suffix: str, user: User
) -> Response:
    """A unit's consolidated statement in the format of `suffix` (one of
    `receipts.CONSOLIDATED_FORMATS`)."""
    render, media_type = receipts.CONSOLIDATED_FORMATS[suffix]
    report = database.read(
        partial(consolidated_statement, unit_code=code, period=period, actor=user)
    )
    filename = f"consolidated-{report.unit.code}-{report.period.label}.{suffix}"
    return document(render(report), filename, media_type=media_type, inline=False)


def disclosure(database: Database, *, code: str, period: str, user: User) -> Response:
    """The public list (公示) of a period: masked names, category, aspect, amount."""
    view = database.read(
        lambda session: documents.disclosure_view(
            session, fund_code=code, period=period, actor=user
        ),
        replica=True,
        settled=partial(documents.period_is_final, fund_code=code, period=period),
    )
    return pdf(
        receipts.render_disclosure(view),
        f"disclosure-{view.fund.code}-{view.period.label}.pdf",
        inline=False,
    )
