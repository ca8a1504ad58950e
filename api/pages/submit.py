"""The step every page form takes: run its use case, then go on or show the form again.

A page posts a form to one use case through `database.write`; on success the browser is
sent on with a 303 (so a reload posts nothing twice), and on a domain error the page that
holds the form is shown again with each mistake beside its field.
"""

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from api.deps import get_database
from api.pages.rendering import redirect
from carefund.errors import CarefundError


def submit_form(
    request: Request,
    use_case: Callable[[Session], Any],
    *,
    then: Callable[[Any], str],
    again: Callable[[CarefundError], Response],
) -> Response:
    """Run `use_case`; redirect to `then(its answer)`, or answer `again(the error)`."""
    try:
        result = get_database(request).write(use_case)
    except CarefundError as exc:
        return again(exc)
    return redirect(then(result))
