"""The organisation: county agencies (县级社区矫正机构), judicial offices (司法所), procuratorates (人民检察院),
and the users who work in them or sign in as supervisees."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from correction.db import UTCDateTime, db, enum_column, utcnow_default


class UnitKind(StrEnum):
    county_agency = "county_agency"        # 县级社区矫正机构
    judicial_office = "judicial_office"    # 司法所, acting by delegation of the county agency
    procuratorate = "procuratorate"        # 人民检察院, supervising one county agency


class Role(StrEnum):
    admin = "admin"
    officer = "officer"
    inspector = "inspector"
    supervisee = "supervisee"


class Unit(db.Model):
    """An organisational unit; `county_id` is the county agency whose files the unit works on or inspects."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind))
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    supervises_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    fence: Mapped[dict | None] = mapped_column(sa.JSON)  # jurisdiction boundary, GeoJSON geometry
    fence_coord_type: Mapped[str | None] = mapped_column(sa.String(8))  # datum of the fence: wgs84 | gcj02
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow_default)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], foreign_keys=[parent_id])
    supervises: Mapped["Unit | None"] = relationship(remote_side=[id], foreign_keys=[supervises_id])

    @property
    def county_id(self) -> int | None:
        """The county agency this unit belongs to (offices), is (agencies) or supervises (procuratorates)."""
        return {UnitKind.county_agency: self.id, UnitKind.judicial_office: self.parent_id,
                UnitKind.procuratorate: self.supervises_id}[self.kind]


class User(db.Model):
    """A person who signs in: admin, officer, inspector (by password) or supervisee (by WeChat)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    # An officer with the resettlement role (安置帮教) reads and keeps the assistance register of the unit; others
    # do not see it. Supervision and assistance are kept apart by this flag, not by a separate account.
    resettlement_officer: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow_default)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship()
