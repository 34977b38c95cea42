"""Resettlement and assistance (安置帮教) for people released from prison (刑满释放) or from community correction
(解除矫正): the register, the handover at release (必接必送), assistance records and risk notes.

Assistance, not supervision: nothing here tracks a location or carries a sanction. The register is read by
officers with the resettlement role only; a correction file shows at most the link to it.
"""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from correction.db import UTCDateTime, db, enum_column
from correction.models.org import Unit, User
from correction.models.subject import Sex


class AssistanceSource(StrEnum):
    prison_release = "prison_release"      # 刑满释放, announced by the prison's advance notice
    correction_ended = "correction_ended"  # 社区矫正解除, moved here from the correction file


class AssistanceStatus(StrEnum):
    awaiting_release = "awaiting_release"  # the prison's notice is in, the person not yet released
    in_assistance = "in_assistance"        # released: the assistance period runs (帮教期)
    closed = "closed"                      # ended early: death, imprisonment again, moved away


class AssistanceCategory(StrEnum):
    key = "key"          # 重点帮教对象
    general = "general"  # 一般帮教对象


class AssistanceKind(StrEnum):
    contact = "contact"                # 走访、谈话、电话联系
    employment = "employment"          # 就业安置
    training = "training"              # 技能培训
    subsistence = "subsistence"        # 最低生活保障、临时救助
    base_placement = "base_placement"  # 安置帮教基地
    other = "other"


class RiskKind(StrEnum):
    address_unknown = "address_unknown"      # 下落不明
    reoffending_signs = "reoffending_signs"  # 有重新违法犯罪倾向
    other = "other"


class AssistedPerson(db.Model):
    """One person in the register; the ID number is never stored in clear."""

    __tablename__ = "assisted_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    source: Mapped[AssistanceSource] = mapped_column(enum_column(AssistanceSource))
    status: Mapped[AssistanceStatus] = mapped_column(enum_column(AssistanceStatus), index=True)
    category: Mapped[AssistanceCategory] = mapped_column(enum_column(AssistanceCategory))
    name: Mapped[str] = mapped_column(sa.String(50))
    id_number_cipher: Mapped[bytes] = mapped_column(sa.LargeBinary)
    id_number_digest: Mapped[str] = mapped_column(sa.String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(sa.String(18))
    sex: Mapped[Sex] = mapped_column(enum_column(Sex))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    address: Mapped[str] = mapped_column(sa.String(200))
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subjects.id"), unique=True)  # the correction file
    # The prison's advance notice of release (刑满释放人员通知书)
    prison_name: Mapped[str | None] = mapped_column(sa.String(100))
    notice_received_on: Mapped[date | None]
    expected_release_on: Mapped[date | None] = mapped_column(index=True)
    out_of_province: Mapped[bool] = mapped_column(default=False)  # released from a prison in another province
    # The assistance period (帮教期)
    released_on: Mapped[date | None] = mapped_column(index=True)
    period_end: Mapped[date | None]  # last day of the period: the rule's years at release
    closed_on: Mapped[date | None]
    close_reason: Mapped[str | None] = mapped_column(sa.Text)
    mini_program_consent: Mapped[bool] = mapped_column(default=False)  # the person agreed to use the mini-program
    consent_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    office: Mapped[Unit] = relationship(foreign_keys=[office_id])
    handover: Mapped["Handover | None"] = relationship(back_populates="person", uselist=False)

    __mapper_args__ = {"version_id_col": version}


class Handover(db.Model):
    """必接必送: who received the released person, when and where, and whether it was on time."""

    __tablename__ = "assistance_handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("assisted_persons.id"), unique=True)
    released_on: Mapped[date]
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_by: Mapped[str] = mapped_column(sa.String(100))  # the people who received the person
    place: Mapped[str] = mapped_column(sa.String(200))
    on_time: Mapped[bool]
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[AssistedPerson] = relationship(back_populates="handover")


class AssistanceRecord(db.Model):
    """One act of assistance: a contact, a job found, training, subsistence support, a place at a base."""

    __tablename__ = "assistance_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("assisted_persons.id"), index=True)
    kind: Mapped[AssistanceKind] = mapped_column(enum_column(AssistanceKind))
    occurred_on: Mapped[date]
    base_name: Mapped[str | None] = mapped_column(sa.String(100))  # the assistance base (安置帮教基地)
    note: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    recorded_by: Mapped[User] = relationship()


class RiskNote(db.Model):
    """A risk (address unknown, signs of re-offending) that puts the person on the joint-action list until resolved."""

    __tablename__ = "assistance_risk_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("assisted_persons.id"), index=True)
    kind: Mapped[RiskKind] = mapped_column(enum_column(RiskKind))
    note: Mapped[str] = mapped_column(sa.Text)
    noted_on: Mapped[date]
    noted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    resolved_on: Mapped[date | None]
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
