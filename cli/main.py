"""The `carefund` command line: the composition root of the service.

Domain commands call `carefund` use cases; `serve` and `statement` may import `api` and
`receipts`, inside the command, and nothing else here does. The commands live in
`cli/serving.py`, `cli/books.py`, `cli/people.py` and `cli/units.py`; this module assembles
the one app, in the order `carefund --help` lists them.
"""

import sys

import typer
from pydantic import ValidationError

from carefund.settings import get_settings
from cli import alerts, bank, books, keys, people, serving, units
from cli.common import err

app = typer.Typer(
    help="carefund — 党内关爱基金账本：复式记账、哈希链、收据与审计报表。\n\n"
    "The database is CAREFUND_DATABASE_URL (default: sqlite:///./carefund.db); with "
    "CAREFUND_READ_DATABASE_URL (a PostgreSQL hot standby), statement, export and verify "
    "read from it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(serving.init)
app.command()(serving.serve)
app.command()(books.verify)
app.command()(books.statement)
app.command()(books.backup)
app.command()(books.export)
app.command("import-recipients")(people.import_recipients)
app.command()(serving.demo)
app.add_typer(people.user_app, name="user")
app.add_typer(books.fund_app, name="fund")
app.add_typer(units.units_app, name="units")
app.add_typer(books.plans_app, name="plans")
app.add_typer(keys.keys_app, name="keys")
app.add_typer(alerts.alerts_app, name="alerts")
app.add_typer(alerts.recipients_app, name="recipients")
app.add_typer(bank.bank_app, name="bank")


def main() -> None:
    try:
        get_settings()
    except ValidationError as exc:
        # A wrong setting (such as CAREFUND_TIMEZONE) stops every command before it starts.
        for error in exc.errors():
            err.print(
                f"[bold red]错误：[/] {error['msg'].removeprefix('Value error, ')}", highlight=False
            )
        sys.exit(2)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
