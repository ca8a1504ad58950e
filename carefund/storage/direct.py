"""The direct statements of the posting path: Core statements compiled once and run
straight on the driver's cursor, in the session's transaction.

SQLAlchemy's execution layer costs more than SQLite itself takes for the few statements
that every posting runs; `DirectStatement` skips it while keeping SQLAlchemy's SQL, bind
processing and exceptions.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.base import Executable
from sqlmodel import Session

_NO_DEFAULT = object()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...] | None
    """For qmark style (SQLite): each position's parameter name, the column type's bind
    processor (dates, JSON…) and the value the statement carries itself, if any."""
    defaults: dict[str, Any]
    """For named style (psycopg): values the statement carries (`.values(last_value=1)`)."""
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    """For named style: the bind processors, by parameter name."""


def insert_row(table: Any, *, with_id: bool = False) -> Any:
    """An INSERT of every column but the id (with `with_id`, the id too), each from the
    parameter named after it. Inline: nothing is read back (SQLAlchemy would add
    `RETURNING id` on PostgreSQL)."""
    columns = [column.name for column in table.columns if with_id or column.name != "id"]
    return insert(table).values({name: bindparam(name) for name in columns}).inline()


class DirectStatement:
    """A Core statement compiled once per dialect and run straight on the DBAPI cursor.

    SQLAlchemy's execution layer costs 60–120 µs a statement on these machines, several
    times what SQLite itself takes. The posting path runs eight statements per entry, so
    it compiles them once and skips that layer: the SQL is SQLAlchemy's own, values go
    through the column types' bind processors (so the stored values are exactly what the
    ORM writes), the statement runs in the session's transaction, and driver errors are
    raised as SQLAlchemy's, so callers (and the API's 503 on a locked database) see the
    same exceptions as for any other statement.

    `statement` is one Core statement, or one per dialect name where the SQL differs.
    """

    def __init__(self, statement: Executable | dict[str, Executable]) -> None:
        self._statement = statement
        self._compiled: dict[str, _Compiled] = {}
        self._with_id: DirectStatement | None = None
        """For an INSERT made by `inserting`: the same INSERT with the id given."""

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        return compiled

    def _compile(self, dialect: Dialect) -> _Compiled:
        statement = (
            self._statement[dialect.name] if isinstance(self._statement, dict) else self._statement
        )
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        processors: dict[str, Callable[[Any], Any]] = {}
        defaults: dict[str, Any] = {}
        for bind, name in compiled.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
            if bind.effective_value is not None:
                defaults[name] = bind.effective_value
        if compiled.positiontup is None:
            return _Compiled(compiled.string, None, defaults, tuple(processors.items()))
        positions = tuple(
            (
                name,
                processors.get(name),
                _NO_DEFAULT
                if name not in defaults
                else processors[name](defaults[name])
                if name in processors
                else defaults[name],
            )
            for name in compiled.positiontup
        )
        return _Compiled(compiled.string, positions, {}, ())

    def run(self, session: Session, params: dict[str, Any] | None = None) -> tuple | None:
        """Execute with `params`; the first row it returns (RETURNING, SELECT), if any."""
        cursor = self._execute(session, [params or {}], many=False)
        return cursor.fetchone() if cursor.description else None

    @classmethod
    def inserting(cls, table: Any) -> "DirectStatement":
        """An INSERT of a whole row (see `insert_row`) whose `new_row_id` is its new id.

        SQLite gives the id as the cursor's `lastrowid` at no cost (its RETURNING doubles
        an insert's time); PostgreSQL needs RETURNING.
        """
        statement = insert_row(table)
        made = cls({"sqlite": statement, "postgresql": statement.returning(table.c.id)})
        made._with_id = cls(insert_row(table, with_id=True))
        return made

    def new_row_id(
        self, session: Session, params: dict[str, Any], *, row_id: int | None = None
    ) -> int:
        """Execute an INSERT made by `inserting`; the new row's id. With `row_id` (an id
        drawn beforehand from the table's sequence, see `carefund.ledger.heads`) the row
        gets it and nothing is read back, so the INSERT may run in a `pipelined` block."""
        if row_id is not None:
            assert self._with_id is not None, "not made by `inserting`"
            self._with_id.run(session, {**params, "id": row_id})
            return row_id
        cursor = self._execute(session, [params], many=False)
        if cursor.description:
            return int(cursor.fetchone()[0])
        return int(cursor.lastrowid)

    def run_all(self, session: Session, params: dict[str, Any] | None = None) -> list[tuple]:
        """Execute with `params`; every row it returns."""
        return list(self._execute(session, [params or {}], many=False).fetchall())

    def run_many(self, session: Session, rows: list[dict[str, Any]]) -> None:
        """Execute once per row of parameters (executemany)."""
        self._execute(session, rows, many=True)

    def run_on_driver(
        self, dbapi_connection: Any, dialect: Dialect, params: dict[str, Any]
    ) -> tuple | None:
        """Execute on a bare driver connection, outside any unit of work; the first row.
        For a lookup that must see the latest commit and cannot afford a session."""
        compiled = self._for(dialect)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(compiled.sql, self._arguments(compiled, params))
            return cursor.fetchone()
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(
                compiled.sql, [params], exc, dialect.loaded_dbapi.Error, dialect=dialect
            ) from exc
        finally:
            cursor.close()

    def _execute(self, session: Session, rows: list[dict[str, Any]], *, many: bool) -> Any:
        connection, dbapi_connection = _connections(session)
        dialect = connection.dialect
        compiled = self._for(dialect)
        arguments = [self._arguments(compiled, row) for row in rows]
        cursor = dbapi_connection.cursor()
        try:
            if many:
                cursor.executemany(compiled.sql, arguments)
            else:
                cursor.execute(compiled.sql, arguments[0])
        except dialect.loaded_dbapi.Error as exc:
            raise wrapped_driver_error(connection, compiled.sql, arguments, exc, cursor) from exc
        return cursor

    @staticmethod
    def _arguments(compiled: _Compiled, row: dict[str, Any]) -> Any:
        if compiled.positions is not None:
            return [
                default
                if default is not _NO_DEFAULT
                else processor(row[name])
                if processor is not None
                else row[name]
                for name, processor, default in compiled.positions
            ]
        values = {**compiled.defaults, **row}
        for name, processor in compiled.processors:
            if name in values:
                values[name] = processor(values[name])
        return values


_CONNECTIONS_KEY = "carefund.direct_connections"


def _connections(session: Session) -> tuple[Connection, Any]:
    """The session's connection and its DBAPI connection, for this transaction.

    Asking the session costs more than some statements take, so the pair is kept in
    `session.info` beside the transaction it belongs to, and asked for again when that
    transaction has ended.
    """
    kept = session.info.get(_CONNECTIONS_KEY)
    if kept is not None and kept[0] is session.get_transaction() is not None:
        return kept[1], kept[2]
    connection = session.connection()  # begins the unit of work's transaction if need be
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    session.info[_CONNECTIONS_KEY] = (session.get_transaction(), connection, dbapi_connection)
    return connection, dbapi_connection


@contextmanager
def pipelined(session: Session) -> Iterator[None]:
    """Within this block, PostgreSQL's statements of the session's transaction are sent
    without waiting for each answer (psycopg's pipeline mode) and all answered in one
    round trip at its end, where their errors are raised. Only for statements whose
    results nobody reads before the block ends (INSERTs given their ids, UPDATEs). SQLite
    runs each at once, as always."""
    connection, dbapi_connection = _connections(session)
    if connection.dialect.name != "postgresql":
        yield
        return
    dialect = connection.dialect
    try:
        with dbapi_connection.pipeline():
            yield
    except dialect.loaded_dbapi.Error as exc:
        raise wrapped_driver_error(connection, "(pipeline)", [], exc, None) from exc


def direct_connection(session: Session) -> Any:
    """The DBAPI connection of the session's transaction (beginning it if need be)."""
    return _connections(session)[1]


def wrapped_driver_error(
    connection: Connection, sql: str, arguments: list, error: Exception, cursor: Any
) -> BaseException:
    """The driver's error as SQLAlchemy raises it; a lost connection is dropped from the pool."""
    dialect = connection.dialect
    dbapi_connection = connection.connection.dbapi_connection
    invalidated = dialect.is_disconnect(error, dbapi_connection, cursor)  # type: ignore[arg-type]
    if invalidated:
        connection.invalidate(error)
    return DBAPIError.instance(
        sql,
        arguments,
        error,
        dialect.loaded_dbapi.Error,
        connection_invalidated=invalidated,
        dialect=dialect,
    )
