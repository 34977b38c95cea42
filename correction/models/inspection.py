"""Joint inspections with the procuratorate (联合巡检): quarterly lists, their items, and findings."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from correction.db import UTCDateTime, db, enum_column
from correction.models.org import Unit, User
from correction.models.subject import Subject


class Inspection(db.Model):
    """One county's list for one quarter. A quarter that has ended is generated once (`final`); the current
    quarter's list is provisional and regenerated on request."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    quarter: Mapped[str] = mapped_column(sa.String(6))  # 2026Q3
    final: Mapped[bool] = mapped_column(default=False)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)  # the instant the list describes
    item_count: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)

    county: Mapped[Unit] = relationship()
    items: Mapped[list["InspectionItem"]] = relationship(
        back_populates="inspection", order_by="InspectionItem.position", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.UniqueConstraint("county_id", "quarter"),)


class InspectionItem(db.Model):
    """One finding-candidate (or a randomly sampled file) with its reason and the evidence to check."""

    __tablename__ = "inspection_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subjects.id"), index=True)
    reason_code: Mapped[str] = mapped_column(sa.String(48))
    reason: Mapped[str] = mapped_column(sa.String(300))  # Chinese
    evidence: Mapped[list] = mapped_column(sa.JSON)       # [{type, id, summary, link}]
    sampled: Mapped[bool] = mapped_column(default=False)  # drawn for a spot check, not an irregularity

    inspection: Mapped[Inspection] = relationship(back_populates="items")
    subject: Mapped[Subject | None] = relationship()


class FindingKind(StrEnum):
    correction_notice = "correction_notice"                # 纠正意见: a specific violation (an item)
    procuratorial_suggestion = "procuratorial_suggestion"  # 检察建议: a systemic problem (the county)


class Finding(db.Model):
    """A finding the procuratorate issues, and the agency's rectification (整改)."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    item_subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subjects.id"))  # items are regenerated
    item_reason_code: Mapped[str | None] = mapped_column(sa.String(48))
    kind: Mapped[FindingKind] = mapped_column(enum_column(FindingKind))
    text: Mapped[str] = mapped_column(sa.Text)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rectify_by: Mapped[date]  # the agency answers by then
    rectified_on: Mapped[date | None]
    rectification: Mapped[str | None] = mapped_column(sa.Text)
    rectified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])

    __mapper_args__ = {"version_id_col": version}
