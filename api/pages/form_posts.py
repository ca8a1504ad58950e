"""The pages' one way to post a form: write through the domain's use case; on a domain
error show the form again with each message beside its field; else see the result with a
GET (303), so a reload posts nothing twice."""

from collections.abc import Callable, Collection
from typing import TypeVar

from fastapi import Request, Response
from sqlmodel import Session

from api.deps import get_database
from api.pages.errors import error_status
from api.pages.forms import form_errors
from api.pages.rendering import redirect
from carefund.access import form_tokens
from carefund.errors import CarefundError, NotFound

T = TypeVar("T")

MISSING_CHOICES = {"fund": "请选择基金", "recipient_id": "请先查找并选择关爱对象"}
"""A choice the domain cannot find was not made (or is gone): the form asks for it."""

FormAgain = Callable[[dict[str, str], int], Response]
"""Shows the form again with {field: message} and the status to answer."""


def field_messages(
    error: CarefundError, fields: Collection[str], aliases: dict[str, str] | None = None
) -> dict[str, str]:
    """The domain error as {form field: message} (`_form` for none of the fields)."""
    if isinstance(error, NotFound) and error.field in MISSING_CHOICES and error.field in fields:
        return {error.field: MISSING_CHOICES[error.field]}
    return form_errors(error, set(fields), aliases)


def post_form(
    request: Request,
    use_case: Callable[[Session], T],
    *,
    fields: Collection[str],
    again: FormAgain,
    then: Callable[[T], str],
    aliases: dict[str, str] | None = None,
) -> Response:
    """Run the form's use case in one transaction: redirect to `then(result)`, or, on a
    domain error, `again` with its messages by field. A form posted before (its one-time
    token taken) redirects to where its first post led, and records nothing again."""
    token = getattr(request.state, "form_token", None)
    user_id = request.state.user.id
    if token is None:
        # A form drawn before form tokens existed, or a client that sends none: once only
        # as far as the use case itself sees to it.
        def run(session: Session) -> str:
            return then(use_case(session))
    else:
        run = form_tokens.once(use_case, user_id=user_id, token=token, outcome=then)
    try:
        location = get_database(request).write(run)
    except form_tokens.FormAlreadyPosted as posted:
        location = posted.outcome
    except CarefundError as exc:
        return again(field_messages(exc, fields, aliases), error_status(exc))
    return redirect(location)
