"""Personal data sealed at rest: authenticated encryption (AES-256-GCM) and keyed hashes.

The data keys live outside the database: `CAREFUND_DATA_KEY` (keys separated by commas,
the first one seals) or a key file (one key a line, the first one seals) that
`carefund init` creates with mode 0600 beside the SQLite file, or at
`CAREFUND_DATA_KEY_FILE`. Each sealed value names the key that sealed it
(`k1:<key id>:<base64 of nonce, ciphertext and tag>`), so that `carefund keys rotate` can
seal every row again under a new key while the old one still opens what it has not reached.

Each key derives (HKDF-SHA256) two keys: one that seals, and one that computes the keyed
hash (HMAC-SHA256) of a field's value, stored beside it for exact lookups and duplicate
checks without decrypting the roll. A lookup asks for the hashes under every key known,
so it finds rows whether or not a rotation has reached them.

`Sealed` is the column type: the rest of the code sees plaintext through the model.
"""

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.types import TypeDecorator

from carefund.errors import DataKeyError
from carefund.settings import Settings, get_settings

SEALED_PREFIX = "k1"
NONCE_BYTES = 12
KEY_BYTES = 32


@dataclass(frozen=True)
class DataKey:
    """One key: its id (named in every value it seals) and the two keys it derives."""

    key_id: str
    sealing: AESGCM = field(repr=False)
    hashing: bytes = field(repr=False)

    @classmethod
    def from_text(cls, text: str) -> "DataKey":
        try:
            raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raw = b""
        if len(raw) != KEY_BYTES:
            raise DataKeyError(
                "数据密钥格式不正确：应为 32 字节的 base64（可用 `carefund keys new` 生成）"
            )
        key_id = hashlib.sha256(b"carefund key id\0" + raw).hexdigest()[:12]
        return cls(key_id, AESGCM(_derived(raw, b"seal")), _derived(raw, b"lookup hash"))


def _derived(raw: bytes, purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"carefund " + purpose
    ).derive(raw)


def new_key_text() -> str:
    """A fresh random key, as a key file or `CAREFUND_DATA_KEY` holds it."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


@dataclass(frozen=True)
class Keyring:
    """The keys this process knows; the first seals, every one opens."""

    keys: tuple[DataKey, ...]
    source: str
    """Where the keys came from, for messages (`CAREFUND_DATA_KEY` or the file's path)."""

    @classmethod
    def from_texts(cls, texts: Iterable[str], *, source: str) -> "Keyring":
        keys = tuple(DataKey.from_text(t) for t in texts if t.strip() and not t.startswith("#"))
        if not keys:
            raise DataKeyError(f"{source} 中没有数据密钥")
        return cls(keys, source)

    @property
    def current(self) -> DataKey:
        return self.keys[0]

    def key(self, key_id: str) -> DataKey | None:
        return next((key for key in self.keys if key.key_id == key_id), None)

    def seal(self, plaintext: str, *, purpose: str) -> str:
        """`plaintext` sealed under the current key, bound to `purpose` (table.column)."""
        key = self.current
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = key.sealing.encrypt(nonce, plaintext.encode("utf-8"), purpose.encode())
        body = base64.b64encode(nonce + sealed).decode("ascii")
        return f"{SEALED_PREFIX}:{key.key_id}:{body}"

    def open(self, stored: str, *, purpose: str) -> str:
        """The plaintext of a sealed value; `DataKeyError` if no key here opens it."""
        prefix, key_id, body = _parts(stored)
        key = self.key(key_id)
        if prefix != SEALED_PREFIX or key is None:
            raise DataKeyError(
                f"数据库中的个人信息由密钥 {key_id} 加密，但 {self.source} 中没有这把密钥"
                "（请配置正确的 CAREFUND_DATA_KEY 或密钥文件）"
            )
        try:
            raw = base64.b64decode(body)
            plain = key.sealing.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode())
        except (InvalidTag, binascii.Error, ValueError):
            raise DataKeyError(
                f"个人信息无法解密（密钥 {key_id} 不匹配或数据被改动）：请检查数据密钥"
            ) from None
        return plain.decode("utf-8")

    def lookup_hashes(self, value: str, *, purpose: str) -> list[str]:
        """The keyed hash of `value` under every key, for `IN (…)` lookups."""
        return [_keyed_hash(key, value, purpose) for key in self.keys]

    def lookup_hash(self, value: str, *, purpose: str) -> str:
        """The keyed hash stored beside a sealed value: under the current key."""
        return _keyed_hash(self.current, value, purpose)


def _keyed_hash(key: DataKey, value: str, purpose: str) -> str:
    message = purpose.encode() + b"\0" + value.encode("utf-8")
    return hmac.new(key.hashing, message, hashlib.sha256).hexdigest()


def _parts(stored: str) -> tuple[str, str, str]:
    parts = stored.split(":", 2)
    if len(parts) != 3:
        raise DataKeyError("数据库中的个人信息不是加密形式：请先运行 `carefund init` 升级")
    return parts[0], parts[1], parts[2]


def sealed_key_id(stored: str) -> str:
    """The id of the key that sealed a stored value."""
    return _parts(stored)[1]


def key_file_path(settings: Settings) -> Path:
    """Where the key file is: `CAREFUND_DATA_KEY_FILE`, else beside the SQLite file
    (`carefund.db` → `carefund.db.key`), else `carefund.key` in the working directory."""
    if settings.data_key_file:
        return Path(settings.data_key_file)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database + ".key")
    return Path("carefund.key")


def write_key_file(path: Path, key_texts: list[str]) -> None:
    """Write the key file whole (mode 0600, replaced atomically), the sealing key first."""
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write("# carefund data keys: the first seals, every one opens. Back it up\n")
        file.write("# apart from the database: without it the personal data cannot be read.\n")
        file.writelines(text + "\n" for text in key_texts)
        file.flush()
        os.fsync(file.fileno())
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def key_texts_in_file(path: Path) -> list[str]:
    lines = path.read_text(encoding="ascii").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


_loaded: dict[tuple[str, str, int], Keyring] = {}


def keyring(settings: Settings | None = None) -> Keyring:
    """The keys of this process's settings (read again when the key file changes)."""
    settings = settings or get_settings()
    if settings.data_key:
        cache_key = (settings.data_key, "", 0)
        if cache_key not in _loaded:
            texts = settings.data_key.split(",")
            _loaded[cache_key] = Keyring.from_texts(texts, source="CAREFUND_DATA_KEY")
        return _loaded[cache_key]
    path = key_file_path(settings)
    try:
        changed = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise DataKeyError(
            f"没有数据密钥：请设置 CAREFUND_DATA_KEY，或用 `carefund init` 创建密钥文件 {path}"
        ) from None
    cache_key = ("", str(path), changed)
    if cache_key not in _loaded:
        _loaded[cache_key] = Keyring.from_texts(key_texts_in_file(path), source=str(path))
    return _loaded[cache_key]


class Sealed(TypeDecorator[str]):
    """A text column stored sealed under the process's data key, read back as plaintext.
    None stays None and the empty text stays empty (there is nothing to hide)."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if not value:
            return value
        return keyring().seal(str(value), purpose=self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if not value:
            return value
        return keyring().open(value, purpose=self.purpose)

    def copy(self, **kw: Any) -> "Sealed":
        return Sealed(self.purpose)
