"""The route class every API router uses: JSON numbers become `Decimal`, never `float`.

Starlette parses request bodies with `json.loads`, which turns `1234.56` into a float and
so may change an amount before anyone looks at it (`0.1 + 0.2`, or 17 significant digits
silently rounded into a valid-looking amount). Parsing numbers as `Decimal` keeps every
digit the client sent, and `carefund.money.parse_amount` judges them exactly. `NaN` and
`Infinity`, which `json.loads` would accept, are not JSON and are refused.

It also refuses query parameters that the route does not declare, and `LeanRoute` answers
the busiest write's well-formed requests without FastAPI's per-request machinery.
"""

import inspect
import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from api.deps import current_user, get_database
from api.middleware import BODY_SCOPE_KEY


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_exact(body: bytes) -> Any:
    """JSON with fractional or exponent numbers as `Decimal`; invalid → JSONDecodeError."""
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


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route and its dependencies declare."""
    names = {field.alias for field in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names


def camel_case(name: str) -> str:
    """`record_income` → `recordIncome`: an operation id from a handler's name."""
    first, *rest = name.split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


class LedgerRoute(APIRoute):
    """An APIRoute whose handler reads JSON bodies with `loads_exact` and refuses query
    parameters it does not know: a mistyped filter (`?sorce=`) must not silently return
    the unfiltered list. Its OpenAPI `operationId` is its handler's name in camelCase
    (`recordIncome`) unless the route names one; tests/test_api_docs.py pins every id, so
    generated clients keep their method names."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["operation_id"] = kwargs.get("operation_id") or camel_case(endpoint.__name__)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        known = _query_names(self.dependant)

        async def exact_json_handler(request: Request) -> Response:
            unknown = (
                [name for name in request.query_params if name not in known]
                if request.scope["query_string"]
                else None
            )
            if unknown:
                raise RequestValidationError(
                    [
                        {
                            "type": "extra_forbidden",
                            "loc": ("query", name),
                            "msg": "未知的查询参数",
                            "input": request.query_params[name],
                        }
                        for name in unknown
                    ]
                )
            return await handler(ExactJSONRequest(request.scope, request.receive))

        return exact_json_handler


class LeanRoute(LedgerRoute):
    """A `LedgerRoute` for the busiest writes (`POST …/incomes`) that answers a well-formed
    request without FastAPI's dependency solving and body handling, which cost about as
    much CPU as the posting itself.

    Well-formed: no query string, `Content-Type: application/json`, a body (already read by
    `BodyLimitMiddleware`) that `loads_exact` parses into an object which the endpoint's
    `body` model accepts, and no dependency overrides. Such a request gets exactly what
    FastAPI would give it: the same caller (`current_user`, with its 401), the same model,
    the same endpoint and answer. Anything else (a 422, a wrong content type, an unknown
    query parameter) goes FastAPI's way, so every refusal is FastAPI's own, word for word.
    The route stays an `APIRoute`: /openapi.json describes it as before.

    The endpoint takes its path parameters (text), `body`, `database` and `user` by keyword
    and returns a `Response` (`answer`). FastAPI's per-operation telemetry spans are not
    opened for the requests it answers itself."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        endpoint = self.endpoint
        parameters = inspect.signature(endpoint).parameters
        assert {"body", "database", "user"} <= set(parameters), endpoint
        # Path parameters are handed over as matched: text, as FastAPI would give them.
        assert all(parameters[name].annotation is str for name in self.param_convertors)
        body_model: type[BaseModel] = parameters["body"].annotation

        async def lean_handler(request: Request) -> Response:
            body = _well_formed(request, body_model)
            if body is None or request.app.dependency_overrides:
                return await standard(request)
            user = await current_user(request)
            return await endpoint(
                **request.path_params, body=body, database=get_database(request), user=user
            )

        return lean_handler


def _well_formed(request: Request, model: type[BaseModel]) -> BaseModel | None:
    """The request's body as `model`, if the request is well-formed (see `LeanRoute`)."""
    scope = request.scope
    body = scope.get(BODY_SCOPE_KEY)
    if body is None or scope["query_string"]:
        return None
    content_type = next((value for name, value in scope["headers"] if name == b"content-type"), b"")
    if content_type.split(b";", 1)[0].strip().lower() != b"application/json":
        return None
    try:
        data = loads_exact(body)
        return model.model_validate(data) if isinstance(data, dict) else None
    except (ValueError, ValidationError):  # JSONDecodeError is a ValueError
        return None


def answer(model: type[BaseModel], data: dict[str, Any], status_code: int = 200) -> Response:
    """`data` checked against `model` and sent as JSON, exactly as FastAPI would send it for
    a `response_model`, at a fraction of FastAPI's cost (for the busiest routes)."""
    return Response(
        model.model_validate(data).model_dump_json(),
        status_code=status_code,
        media_type="application/json",
    )


def ledger_router(tag: str) -> APIRouter:
    """A router for one domain noun."""
    return APIRouter(tags=[tag], route_class=LedgerRoute)
