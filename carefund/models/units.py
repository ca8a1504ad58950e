"""The organisation tree (区 → 街道 → 社区/村) and the roles granted on its units."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from carefund.models.base import timestamp_field


class Unit(SQLModel, table=True):
    """A district, a street or a community; funds and recipients belong to one."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    """Upper-case letters, digits and hyphens, e.g. `LX-JFL`; never changes."""
    name: str = Field(sa_column=Column(String(200), nullable=False))
    """The Chinese name, e.g. 解放路街道."""
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    """One of `UnitKind`."""
    parent_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("unit.id"), nullable=True)
    )
    """The unit above; none for the district at the root."""
    path: str = Field(sa_column=Column(String(1000), unique=True, nullable=False))
    """The codes from the root down, `/DISTRICT/LX-JFL/`: a unit's subtree is every unit
    whose path starts with its own (codes never change, so neither do paths)."""
    created_at: datetime = timestamp_field()
    """When it was added."""


class Grant(SQLModel, table=True):
    """A role a user holds on a unit and every unit below it."""

    __tablename__ = "unit_grant"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(ForeignKey("app_user.id"), nullable=False))
    """Whose grant it is."""
    unit_id: int = Field(sa_column=Column(ForeignKey("unit.id"), nullable=False))
    """Where it holds (and below)."""
    role: str = Field(sa_column=Column(String(16), nullable=False))
    """One of `Role`."""
    created_at: datetime = timestamp_field()
    """When it was granted."""

    __table_args__ = (
        UniqueConstraint("user_id", "unit_id", "role", name="unit_grant_once"),
        Index("unit_grant_user", "user_id"),
    )
