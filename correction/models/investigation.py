"""Pre-sentence investigations (调查评估, domain-rules §4): a commission from a court, procuratorate, police or
prison, investigated by a judicial office, an opinion approved by the county agency, and the court's outcome."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from correction.db import UTCDateTime, db, enum_column
from correction.models.org import Unit, User
from correction.models.subject import Category, Sex, Subject


class CommissionerKind(StrEnum):
    court = "court"                  # 人民法院
    procuratorate = "procuratorate"  # 人民检察院
    police = "police"                # 公安机关
    prison = "prison"                # 监狱 (假释, 暂予监外执行)


class InvestigationStatus(StrEnum):
    investigating = "investigating"  # 调查中: received and assigned to an office
    submitted = "submitted"          # the office's opinion awaits the county agency's approval
    sent = "sent"                    # approved, sent to the commissioning unit, copied to the procuratorate
    closed = "closed"                # the court's (or organ's) outcome is recorded


class Investigation(db.Model):
    """One commission (委托函) and its investigation; the person's ID number is never stored in clear."""

    __tablename__ = "investigations"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    status: Mapped[InvestigationStatus] = mapped_column(enum_column(InvestigationStatus), index=True)
    # The commission (委托)
    commissioner_kind: Mapped[CommissionerKind] = mapped_column(enum_column(CommissionerKind))
    commissioner_name: Mapped[str] = mapped_column(sa.String(100))   # e.g. 大连市金州区人民法院
    commission_number: Mapped[str | None] = mapped_column(sa.String(64))  # 委托函文号
    received_on: Mapped[date] = mapped_column(index=True)
    fast_track: Mapped[bool] = mapped_column(default=False)          # 速裁程序
    due_on: Mapped[date]  # the deadline in force: the rule's at receipt, or as extended by agreement
    # The person investigated (被告人 / 罪犯)
    name: Mapped[str] = mapped_column(sa.String(50))
    id_number_cipher: Mapped[bytes] = mapped_column(sa.LargeBinary)
    id_number_digest: Mapped[str] = mapped_column(sa.String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(sa.String(18))
    sex: Mapped[Sex] = mapped_column(enum_column(Sex))
    address: Mapped[str] = mapped_column(sa.String(200))
    charge: Mapped[str] = mapped_column(sa.String(100))                 # 罪名
    intended_category: Mapped[Category] = mapped_column(enum_column(Category))  # 拟适用矫正类别
    # The investigation record (调查评估记录)
    residence: Mapped[str | None] = mapped_column(sa.Text)            # 居所情况
    family_relations: Mapped[str | None] = mapped_column(sa.Text)     # 家庭和社会关系
    conduct: Mapped[str | None] = mapped_column(sa.Text)              # 一贯表现
    offence_impact: Mapped[str | None] = mapped_column(sa.Text)       # 犯罪后果和影响
    committee_opinion: Mapped[str | None] = mapped_column(sa.Text)    # 村（居）委会意见
    victim_opinion: Mapped[str | None] = mapped_column(sa.Text)       # 被害人意见
    proposed_prohibitions: Mapped[str | None] = mapped_column(sa.Text)  # 拟禁止事项
    # The opinion (调查评估意见)
    suitable: Mapped[bool | None]                                      # 适宜 / 不适宜社区矫正
    opinion: Mapped[str | None] = mapped_column(sa.Text)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(sa.Text)  # the county agency's remark on approval or return
    sent_on: Mapped[date | None] = mapped_column(index=True)  # sent to the commissioning unit, copied to 检察院
    # The outcome (采纳情况)
    adopted: Mapped[bool | None]
    outcome_on: Mapped[date | None] = mapped_column(index=True)
    outcome_note: Mapped[str | None] = mapped_column(sa.Text)
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subjects.id"), unique=True)  # linked at intake
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    office: Mapped[Unit] = relationship(foreign_keys=[office_id])
    subject: Mapped[Subject | None] = relationship()
    extensions: Mapped[list["InvestigationExtension"]] = relationship(
        back_populates="investigation", order_by="InvestigationExtension.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def on_time(self) -> bool | None:
        """Sent by the deadline in force (None while not sent)."""
        return None if self.sent_on is None else self.sent_on <= self.due_on


class InvestigationExtension(db.Model):
    """An extension of the deadline agreed with the commissioning organ (经委托机关同意延期)."""

    __tablename__ = "investigation_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    investigation_id: Mapped[int] = mapped_column(sa.ForeignKey("investigations.id"), index=True)
    previous_due_on: Mapped[date]
    new_due_on: Mapped[date]
    agreed_with: Mapped[str] = mapped_column(sa.String(100))  # who at the commissioning unit agreed
    reason: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    investigation: Mapped[Investigation] = relationship(back_populates="extensions")
    recorded_by: Mapped[User] = relationship()
