"""The domain's errors. `api/errors.py` is the one place that maps them to HTTP statuses."""


class CarefundError(Exception):
    """Base of every error the domain raises on purpose; its message is for people."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        #: The input field at fault, when one is, so a form can show the error beside it.
        self.field = field


class InvalidInput(CarefundError):
    """The input itself is wrong (a bad amount, an unknown category, text too long)."""


class InvalidFields(InvalidInput):
    """Several input fields are wrong at once; `errors` says what is wrong with each, so a
    form can show every mistake together (the first one is also the message and field)."""

    def __init__(self, errors: dict[str, str]):
        assert errors, "InvalidFields needs at least one field"
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        #: {field: message}, in the order the fields were checked.
        self.errors = errors


class NotFound(CarefundError):
    """The thing asked for does not exist."""


class Conflict(CarefundError):
    """The request is well formed but clashes with the state of the books."""


class InvalidTransition(Conflict):
    """A workflow step that the record's current status does not allow."""


class InsufficientFunds(Conflict):
    """The fund's cash or available balance is short for this."""


class PeriodClosed(Conflict):
    """The date falls in a closed accounting period."""


class ControlRefused(Conflict):
    """A money control (budget, cap, standard, two-person approval) refuses this; an
    administrator may override a budget, cap or standard with a reason."""

    def __init__(self, message: str, *, control: str, field: str | None = None):
        super().__init__(message, field=field)
        #: `budget`, `cap`, `standard` or `approval`.
        self.control = control


class Duplicate(Conflict):
    """A unique business key (member number, fund code, username) is taken."""


class Forbidden(CarefundError):
    """The actor's role, or separation of duties, does not allow this."""


class Unauthenticated(CarefundError):
    """No valid credentials were given."""


class DataKeyError(CarefundError):
    """The data key is missing, malformed, or does not open what the database holds: a
    fault of the server's set-up, not of the request (the API answers 503)."""


class ImportRejected(InvalidInput):
    """A spreadsheet with bad rows: nothing was imported; `errors` lists every bad cell."""

    def __init__(self, message: str, *, errors: list[dict]):
        super().__init__(message, field="file")
        #: `{"row", "field", "msg"}` per bad cell, `row` as the clerk sees it in the file.
        self.errors = errors


class ImportTooLarge(InvalidInput):
    """A file past the import limits on bytes or rows."""
