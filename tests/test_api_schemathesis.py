"""Property-based tests of the API against its own OpenAPI document (schemathesis).

For every operation, a bounded number of generated requests, valid and invalid, sent with
an admin token to the app on a small district (SQLite): never a 5xx, every answer (errors
too) conforms to the documented status codes, content types and schemas, and input that
violates the schema is rejected.
"""

import os
import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from carefund.disbursements import approve_disbursement
from carefund.storage.database import Database
from tests.builders import (
    make_fund,
    make_recipient,
    make_staff,
    make_token,
    record,
    submit,
)

EXAMPLES_PER_OPERATION = int(os.environ.get("CAREFUND_FUZZ_API_EXAMPLES", "20"))
"""Raised by `make fuzz`."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def district(sqlite_template: str, tmp_path) -> tuple:  # type: ignore[no-untyped-def]
    """A fund with incomes, recipients and disbursements in every state; an admin token."""
    path = tmp_path / "carefund.db"
    shutil.copyfile(sqlite_template, path)
    database = Database.open(f"sqlite:///{path}")
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "5000.00", on="2026-10-05")
    hardship = make_recipient(database, staff["clerk"], category="hardship")
    make_recipient(database, staff["clerk"], category="retired", phone="13812345678")
    waiting = submit(database, staff["clerk"], hardship, "100.00")
    approved = submit(database, staff["clerk"], hardship, "50.00")
    database.write(
        lambda session: approve_disbursement(
            session, disbursement_id=approved.id, actor=staff["approver"]
        )
    )
    assert waiting.id
    return database, make_token(database, staff["admin"])


# The document does not depend on the database, so the schema is loaded once from an app
# whose database each test then points at its own district (`district` below). (Loading it
# lazily from a fixture does not work with this pytest.)
APP = create_app(Database.open("sqlite://"))
REJECTIONS = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
"""What counts as refusing bad input; 413 too, for bodies over the size limit."""
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}},
        # The test sends a valid token with every case, so schemathesis must not count a
        # case it made by dropping the Authorization header as invalid input (a 200 is right).
        "generation": {"with-security-parameters": False},
    }
)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP, config=CONFIG)


@pytest.fixture
def admin_headers(district: tuple) -> dict[str, str]:
    database, token = district
    APP.state.database = database
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_contract(case: Case, admin_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=admin_headers, checks=CHECKS)
