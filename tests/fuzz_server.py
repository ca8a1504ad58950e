"""`make fuzz`, last part: a full schemathesis run against `carefund serve`.

Every phase schemathesis has (the schema's examples, coverage of edge values, fuzzing,
and stateful sequences along the links it infers), every check it has, with an admin's
token, against a real server on a fresh SQLite district. Not collected by pytest (it
starts a server and runs for minutes):

    python -m tests.fuzz_server [--max-examples 200] [--max-time SECONDS] [--update-baseline]
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import served
from carefund.disbursements import approve_disbursement
from carefund.storage.database import Database
from carefund.storage.schema import upgrade
from tests.builders import make_fund, make_recipient, make_staff, make_token, record, submit
from tests.test_api_schemathesis import REJECTIONS

BASELINE = Path(__file__).with_name("schemathesis-baseline.json")
"""Failures accepted on purpose, each with its reason (`--update-baseline` records new ones)."""
EXCLUDED_CHECKS = {
    "positive_data_acceptance": "the schema states types, not every domain rule (dates in "
    "2000–2099, no control characters, amounts within the limit), so schema-valid data may "
    "rightly get 422",
}
"""Checks left out, each with the reason."""


def district(url: str) -> str:
    """A fund with incomes, recipients and disbursements in several states; an admin token."""
    database = Database.open(url)
    upgrade(database.engine)
    staff = make_staff(database)
    make_fund(database, staff["admin"])
    record(database, staff["clerk"], "5000.00", on="2026-10-05")
    hardship = make_recipient(database, staff["clerk"], category="hardship")
    make_recipient(database, staff["clerk"], category="retired", phone="13812345678")
    submit(database, staff["clerk"], hardship, "100.00")
    approved = submit(database, staff["clerk"], hardship, "50.00")
    database.write(
        lambda session: approve_disbursement(
            session, disbursement_id=approved.id, actor=staff["approver"]
        )
    )
    token = make_token(database, staff["admin"])
    database.dispose()
    return token


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=200, help="per operation")
    parser.add_argument("--max-time", type=int, help="seconds for the whole run")
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help=f"accept this run's failures into {BASELINE.name}",
    )
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="carefund-fuzz-") as folder:
        url = f"sqlite:///{Path(folder) / 'fuzz.db'}"
        token = district(url)
        config = Path(folder) / "schemathesis.toml"
        # The district's fund code, so that operations under /funds/{code} get past the
        # 404 of an unknown fund and reach their logic; ids stay random (and the stateful
        # phase finds real ones through the links).
        config.write_text(
            '[parameters]\n"path.code" = "HC-CARE"\n\n'
            "[checks.negative_data_rejection]\n"
            f"expected-statuses = {REJECTIONS}\n",
            encoding="utf-8",
        )
        with (
            (Path(folder) / "server.log").open("w") as server_log,
            served(url, workers=1, stderr=server_log) as port,
        ):
            base = f"http://127.0.0.1:{port}"
            command = [
                str(Path(sys.executable).with_name("schemathesis")),
                "--config-file",
                str(config),
                "run",
                f"{base}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--checks",
                "all",
                "--exclude-checks",
                ",".join(EXCLUDED_CHECKS),
                "--max-examples",
                str(options.max_examples),
                "--report",
                "junit",
                "--report-dir",
                "schemathesis-report",
                "--baseline",
                str(BASELINE),
            ]
            if options.update_baseline:
                command.append("--baseline-update")
            if options.max_time:
                command += ["--max-time", str(options.max_time)]
            for check, reason in EXCLUDED_CHECKS.items():
                print(f"(not checked: {check} — {reason})")
            returncode = subprocess.run(command).returncode
        log = (Path(folder) / "server.log").read_text(encoding="utf-8", errors="replace")
        if "Traceback" in log:
            print("the server logged a traceback:\n" + log[-4000:])
            returncode = returncode or 1
    return returncode


if __name__ == "__main__":
    sys.exit(main())
