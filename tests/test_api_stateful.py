"""Stateful property-based tests of the API (schemathesis): sequences of calls chained by
the links schemathesis infers from the OpenAPI document (an income created, then read,
reversed and its receipt fetched; a disbursement submitted, then approved, paid, reversed;
a plan created, run, paused …), on the small district of `test_api_schemathesis`.

Every answer in every sequence keeps the contract: never a 5xx, documented statuses,
content types and schemas. CAREFUND_FUZZ_API_EXAMPLES sets how many sequences run (ten in
`make test`, hundreds under `make fuzz`).
"""

import os
import shutil
import sqlite3
from contextlib import closing
from itertools import count
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.core.transport import Response
from schemathesis.generation.stateful.state_machine import APIStateMachine

from carefund.storage.database import Database
from tests.builders import make_fund
from tests.test_api_schemathesis import (  # noqa: F401 (fixtures are found by name)
    APP,
    CHECKS,
    admin_headers,
    district,
)

SEQUENCES = int(os.environ.get("CAREFUND_FUZZ_API_EXAMPLES", "10"))
"""Call sequences per run; `make fuzz` raises it."""
STEPS_PER_SEQUENCE = 8

# Valid requests only: the stateless test sends bad input to every operation; here each
# step should succeed often enough for the next one to find what it made.
schema = schemathesis.openapi.from_asgi(
    "/api/v1/openapi.json",
    APP,
    config=schemathesis.Config.from_dict({"generation": {"mode": "positive"}}),
)
Workflow: type[APIStateMachine] = schema.as_state_machine()


class AdminWorkflow(Workflow):  # type: ignore[valid-type,misc]
    """The inferred workflow, called with an admin's token, checked with our checks; each
    sequence starts from the same district (hypothesis replays sequences, so they must not
    see what earlier ones wrote)."""

    headers: dict[str, str] = {}
    template: Path = Path()
    sequences = count()

    def setup(self) -> None:
        copy = self.template.with_name(f"sequence{next(self.sequences)}.db")
        shutil.copyfile(self.template, copy)
        previous, APP.state.database = APP.state.database, Database.open(f"sqlite:///{copy}")
        previous.dispose()

    def get_call_kwargs(self, case: Case) -> dict[str, object]:
        return {"headers": self.headers}

    def validate_response(
        self,
        response: Response,
        case: Case,  # type: ignore[override]
        additional_checks: object = None,
        **kwargs: object,
    ) -> None:
        case.validate_response(response, checks=CHECKS, headers=self.headers)


def test_call_sequences_keep_the_contract(
    district,  # noqa: F811
    admin_headers: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    database, _token = district
    AdminWorkflow.template = tmp_path / "district.db"
    with (
        closing(sqlite3.connect(database.engine.url.database)) as source,
        closing(sqlite3.connect(AdminWorkflow.template)) as target,
    ):
        source.backup(target)
    AdminWorkflow.headers = admin_headers
    AdminWorkflow.run(
        settings=settings(
            max_examples=SEQUENCES,
            stateful_step_count=STEPS_PER_SEQUENCE,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )


# What the fuzzers found, kept as plain tests.


def test_a_405_names_every_method_the_path_has(api) -> None:  # type: ignore[no-untyped-def]
    assert api.request("OPTIONS", "admin", "/funds").headers["allow"] == "GET, POST"
    assert api.request("DELETE", "admin", "/recipients/1").headers["allow"] == "GET, PATCH"
    assert api.request("OPTIONS", "admin", "/recipients/import").headers["allow"] == "POST"


def test_a_body_must_be_an_object_even_where_every_field_is_optional(api) -> None:  # type: ignore[no-untyped-def]
    # A JSON number is read as Decimal; FastAPI used to build an empty model out of it.
    for body in ("1.5", "1e2", "12", '"x"', "[]"):
        answer = api.post(
            "clerk",
            "/disbursements/1/cancel",
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 422, (body, answer.status_code)


def test_a_statement_of_year_0000_is_bad_input_not_a_crash(api) -> None:  # type: ignore[no-untyped-def]
    make_fund(api.database, api.staff["admin"])
    for period in ("0000", "0000-01", "0000-Q1", "9999"):
        answer = api.get("auditor", f"/funds/HC-CARE/statements/{period}.json")
        assert answer.status_code == 422, (period, answer.status_code)
