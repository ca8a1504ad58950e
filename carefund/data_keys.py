"""The data keys' life: the first key (`carefund init`), rotation, retiring old keys.

Sealing itself is `carefund.models.sealed`; this module seals the roll's rows again, in
batches, outside the model (plain SQL on the stored text), for the migration that first
seals them and for `carefund keys rotate`.
"""

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from carefund.models.aid import LOOKUP_FIELDS, lookup_form
from carefund.models.sealed import (
    DataKeyError,
    Keyring,
    key_file_path,
    key_texts_in_file,
    keyring,
    new_key_text,
    sealed_key_id,
    write_key_file,
)
from carefund.settings import get_settings
from carefund.storage.database import Database

SEALED_FIELDS = ("id_number", "phone", "address")
"""The recipient's columns stored sealed."""
RECIPIENT_ROWS = sa.table(
    "recipient",
    sa.column("id", sa.Integer),
    *(sa.column(name, sa.Text) for name in SEALED_FIELDS),
    *(sa.column(f"{name}_hash", sa.String) for name in LOOKUP_FIELDS),
)
"""The recipient table as stored text, without the model's sealing."""
RESEAL_BATCH = 500
STAFF_SEALED_FIELDS = ("id_number", "phone")
"""A staff member's columns stored sealed (`app_user.…`), hashed as a recipient's are."""
STAFF_ROWS = sa.table(
    "app_user",
    sa.column("id", sa.Integer),
    *(sa.column(name, sa.Text) for name in STAFF_SEALED_FIELDS),
    *(sa.column(f"{name}_hash", sa.String) for name in STAFF_SEALED_FIELDS),
)
"""The staff table's sealed columns as stored text."""

Opener = Callable[[str, str], str]
"""(stored text, purpose) → plaintext: how a batch reads what is stored now."""


def reseal_batch(
    connection: Connection, *, keys: Keyring, opened: Opener, after_id: int, limit: int
) -> int | None:
    """Seal the next `limit` recipients after `after_id` under the current key, with their
    keyed hashes; answers the last id done, or None when there were none left."""
    columns = [RECIPIENT_ROWS.c[name] for name in ("id", *SEALED_FIELDS)]
    rows = connection.execute(
        sa.select(*columns)
        .where(RECIPIENT_ROWS.c.id > after_id)
        .order_by(RECIPIENT_ROWS.c.id)
        .limit(limit)
        # A member edited meanwhile must not get its old values back from this batch.
        .with_for_update()
    ).all()
    if not rows:
        return None
    updates = [_resealed(row._mapping, keys=keys, opened=opened) for row in rows]
    values: dict[str, Any] = {n: sa.bindparam(n) for n in updates[0] if n != "row_id"}
    connection.execute(
        sa.update(RECIPIENT_ROWS)
        .where(RECIPIENT_ROWS.c.id == sa.bindparam("row_id"))
        .values(**values),
        updates,
    )
    return int(rows[-1].id)


def _resealed(row: sa.RowMapping, *, keys: Keyring, opened: Opener) -> dict[str, object]:
    values: dict[str, object] = {"row_id": row["id"]}
    for name in SEALED_FIELDS:
        purpose = f"recipient.{name}"
        stored = row[name]
        plain = opened(stored, purpose) if stored else stored
        values[name] = keys.seal(plain, purpose=purpose) if plain else plain
        if name in LOOKUP_FIELDS:
            hashed = keys.lookup_hash(lookup_form(name, plain), purpose=purpose) if plain else None
            values[f"{name}_hash"] = hashed
    return values


def reseal_all(
    write: Callable[[Callable[[Connection], int | None]], int | None],
    *,
    keys: Keyring,
    opened: Opener,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Every recipient sealed again, a batch per `write` (one transaction each)."""
    after_id: int | None = 0
    while after_id is not None:
        batch = partial(
            reseal_batch, keys=keys, opened=opened, after_id=after_id, limit=RESEAL_BATCH
        )
        after_id = write(batch)
        if progress and after_id is not None:
            progress(after_id)


@dataclass(frozen=True)
class Rotation:
    new_key_id: str
    recipients: int
    source: str


def rotate_keys(
    database: Database, *, progress: Callable[[int, int], None] | None = None
) -> Rotation:
    """A new sealing key (the key file gains one; with `CAREFUND_DATA_KEY` the operator puts
    it first), then every recipient sealed again under it. The old keys stay readable
    until `retire_keys` drops those no row uses any more."""
    settings = get_settings()
    keys = keyring(settings)
    if settings.data_key:
        if len(keys.keys) < 2:
            raise DataKeyError(
                "CAREFUND_DATA_KEY 只有一把密钥：请把新密钥（`carefund keys new`）加在最前面，"
                "旧密钥用逗号隔开留在后面，再运行 `carefund keys rotate`"
            )
    else:
        path = key_file_path(settings)
        write_key_file(path, [new_key_text(), *key_texts_in_file(path)])
        keys = keyring(settings)
    total = database.read(_recipient_count)
    ids_done = database.read(lambda session: _ids_up_to(session))

    def write(batch: Callable[[Connection], int | None]) -> int | None:
        return database.write(lambda session: batch(session.connection()))

    opened: Opener = lambda stored, purpose: keys.open(stored, purpose=purpose)  # noqa: E731
    reseal_all(
        write,
        keys=keys,
        opened=opened,
        progress=(lambda last_id: progress(ids_done(last_id), total)) if progress else None,
    )
    database.write(lambda session: reseal_staff(session.connection(), keys=keys, opened=opened))
    return Rotation(keys.current.key_id, total, keys.source)


def reseal_staff(connection: Connection, *, keys: Keyring, opened: Opener) -> None:
    """Every staff member's ID number and phone sealed again under the current key (a
    district has a few dozen staff: one batch)."""
    columns = [STAFF_ROWS.c[name] for name in ("id", *STAFF_SEALED_FIELDS)]
    held = (STAFF_ROWS.c.id_number.is_not(None)) | (STAFF_ROWS.c.phone.is_not(None))
    for row in connection.execute(sa.select(*columns).where(held).with_for_update()).all():
        values: dict[str, object] = {}
        for name in STAFF_SEALED_FIELDS:
            stored = row._mapping[name]
            plain = opened(stored, f"app_user.{name}") if stored else None
            values[name] = keys.seal(plain, purpose=f"app_user.{name}") if plain else None
            values[f"{name}_hash"] = (
                keys.lookup_hash(lookup_form(name, plain), purpose=f"recipient.{name}")
                if plain
                else None
            )
        connection.execute(sa.update(STAFF_ROWS).where(STAFF_ROWS.c.id == row.id).values(**values))


def _recipient_count(session: Session) -> int:
    counted = sa.select(sa.func.count()).select_from(RECIPIENT_ROWS)
    return int(session.connection().scalar(counted) or 0)


def _ids_up_to(session: Session) -> Callable[[int], int]:
    """How many recipients have an id up to a given one (for the progress bar)."""
    ids = list(session.connection().scalars(sa.select(RECIPIENT_ROWS.c.id).order_by("id")))
    return lambda last_id: bisect_right(ids, last_id)


def keys_in_use(session: Session) -> dict[str, int]:
    """How many sealed values each key id seals, across the roll."""
    counts: dict[str, int] = {}
    columns = [RECIPIENT_ROWS.c[name] for name in SEALED_FIELDS]
    for row in session.connection().execute(sa.select(*columns)):
        for stored in row:
            if stored:
                key_id = sealed_key_id(stored)
                counts[key_id] = counts.get(key_id, 0) + 1
    staff = [STAFF_ROWS.c[name] for name in STAFF_SEALED_FIELDS]
    for row in session.connection().execute(sa.select(*staff)):
        for stored in row:
            if stored:
                key_id = sealed_key_id(stored)
                counts[key_id] = counts.get(key_id, 0) + 1
    return counts


def retire_keys(database: Database) -> list[str]:
    """Drop from the key file every old key no stored value uses; answers their ids. With
    `CAREFUND_DATA_KEY`, answers the ids the operator may remove from it."""
    settings = get_settings()
    keys = keyring(settings)
    in_use = database.read(keys_in_use)
    retired = [key.key_id for key in keys.keys[1:] if key.key_id not in in_use]
    if retired and not settings.data_key:
        path = key_file_path(settings)
        kept = [
            text
            for text, key in zip(key_texts_in_file(path), keys.keys, strict=True)
            if key.key_id not in retired
        ]
        write_key_file(path, kept)
    return retired


def ensure_data_key(engine: Engine) -> Path | None:
    """Before `init` migrates: with no key configured, create the key file (answers its
    path) — unless the database already holds sealed data, which a new key cannot open."""
    settings = get_settings()
    path = key_file_path(settings)
    if settings.data_key or path.exists():
        keyring(settings)  # a malformed key stops here, before anything is written
        return None
    if _holds_sealed_data(engine):
        raise DataKeyError(
            f"数据库中已有加密的个人信息，但找不到数据密钥 {path}：请从备份恢复密钥文件，"
            "或设置 CAREFUND_DATA_KEY（新密钥打不开旧数据）"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_key_file(path, [new_key_text()])
    return path


def _holds_sealed_data(engine: Engine) -> bool:
    inspector = sa.inspect(engine)
    if not inspector.has_table("recipient"):
        return False
    if "id_number_hash" not in {column["name"] for column in inspector.get_columns("recipient")}:
        return False
    with engine.connect() as connection:
        return bool(connection.scalar(sa.select(sa.func.count()).select_from(RECIPIENT_ROWS)))
