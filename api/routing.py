"""The route class every API router uses: JSON numbers become `Decimal`, never `float`.

Starlette parses request bodies with `json.loads`, which turns `1234.56` into a float and
so may change an amount before anyone looks at it (`0.1 + 0.2`, or 17 significant digits
silently rounded into a valid-looking amount). Parsing numbers as `Decimal` keeps every
digit the client sent, and `carefund.money.parse_amount` judges them exactly. `NaN` and
`Infinity`, which `json.loads` would accept, are not JSON and are refused.
"""

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_exact(body: bytes) -> Any:
    """JSON with numbers that have a fraction or exponent as `Decimal`; invalid → JSONDecodeError."""
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError:
        raise
    except ValueError as exc:
        # Not UTF-8, NaN/Infinity, an integer with thousands of digits: all invalid JSON here.
        raise json.JSONDecodeError(str(exc)[:200], "", 0) from None


class ExactJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_exact(await self.body())
        return self._json


class LedgerRoute(APIRoute):
    """An APIRoute whose handler reads JSON bodies with `loads_exact`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact_json_handler(request: Request) -> Response:
            return await handler(ExactJSONRequest(request.scope, request.receive))

        return exact_json_handler


def ledger_router(tag: str) -> APIRouter:
    """A router for one domain noun."""
    return APIRouter(tags=[tag], route_class=LedgerRoute)
