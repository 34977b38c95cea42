"""Leave to travel (外出), standing permits (经常性跨市县), change of residence (变更执行地), and their steps."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from correction.db import UTCDateTime, db, enum_column
from correction.models.org import Unit, User
from correction.models.subject import Subject


class ApproverLevel(StrEnum):
    judicial_office = "judicial_office"  # 司法所, by delegation, 备案 with the county
    county_agency = "county_agency"      # 县级社区矫正机构


class LeaveStatus(StrEnum):
    submitted = "submitted"    # waiting for the judicial office
    forwarded = "forwarded"    # the office gave its opinion; waiting for the county agency
    approved = "approved"
    rejected = "rejected"
    cancelled = "cancelled"    # by the supervisee before departure
    departed = "departed"
    returned = "returned"      # 销假


class LeaveKind(StrEnum):
    trip = "trip"                # a request for one trip
    permit_trip = "permit_trip"  # a notice of one trip under a standing permit
    extension = "extension"      # a later end date for an approved trip, decided at the original level


class LeaveRequest(db.Model):
    """外出: a trip request (or a notice under a permit, or an extension), with its routing and lifecycle."""

    __tablename__ = "leave_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), index=True)
    kind: Mapped[LeaveKind] = mapped_column(enum_column(LeaveKind))
    reason_type: Mapped[str] = mapped_column(sa.String(32))
    reason: Mapped[str] = mapped_column(sa.Text)
    itinerary: Mapped[str | None] = mapped_column(sa.Text)
    start_date: Mapped[date]
    end_date: Mapped[date]
    days: Mapped[int]
    approver_level: Mapped[ApproverLevel] = mapped_column(enum_column(ApproverLevel))
    fast_track: Mapped[bool] = mapped_column(default=False)
    short_notice: Mapped[bool] = mapped_column(default=False)
    warnings: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[LeaveStatus] = mapped_column(enum_column(LeaveStatus), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # fast track: decide by then
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # fast-track deadline missed
    extends_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leave_requests.id"))
    permit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("travel_permits.id"), index=True)
    departed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_lat: Mapped[float | None]
    return_lng: Mapped[float | None]
    return_coord_type: Mapped[str | None] = mapped_column(sa.String(8))
    return_accuracy_m: Mapped[float | None]
    version: Mapped[int] = mapped_column(default=1)

    subject: Mapped[Subject] = relationship()
    destinations: Mapped[list["Destination"]] = relationship(
        primaryjoin="Destination.leave_id == LeaveRequest.id", order_by="Destination.id", viewonly=False)
    steps: Mapped[list["ApprovalStep"]] = relationship(
        primaryjoin="ApprovalStep.leave_id == LeaveRequest.id", order_by="ApprovalStep.id")
    attachments: Mapped[list["Upload"]] = relationship(  # noqa: F821 (correction.models.obligation)
        primaryjoin="Upload.leave_id == LeaveRequest.id", foreign_keys="Upload.leave_id", order_by="Upload.id",
        viewonly=True)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.Index("ix_leave_requests_subject_dates", "subject_id", "start_date", "end_date"),)


class PermitStatus(StrEnum):
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"
    cancelled = "cancelled"
    revoked = "revoked"


class TravelPermit(db.Model):
    """经常性跨市县: a standing permit for listed cities, approved by the county agency, valid for months."""

    __tablename__ = "travel_permits"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    frequency: Mapped[str] = mapped_column(sa.String(200))
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    fast_track: Mapped[bool] = mapped_column(default=False)
    status: Mapped[PermitStatus] = mapped_column(enum_column(PermitStatus), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    subject: Mapped[Subject] = relationship()
    destinations: Mapped[list["Destination"]] = relationship(
        primaryjoin="Destination.permit_id == TravelPermit.id", order_by="Destination.id")
    steps: Mapped[list["ApprovalStep"]] = relationship(
        primaryjoin="ApprovalStep.permit_id == TravelPermit.id", order_by="ApprovalStep.id")

    __mapper_args__ = {"version_id_col": version}


class Destination(db.Model):
    """A prefecture-level city (GB/T 2260 code) named by a trip or a permit."""

    __tablename__ = "destinations"

    id: Mapped[int] = mapped_column(primary_key=True)
    leave_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leave_requests.id"), index=True)
    permit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("travel_permits.id"), index=True)
    city_code: Mapped[str] = mapped_column(sa.String(6))
    city_name: Mapped[str] = mapped_column(sa.String(50))
    address: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (sa.CheckConstraint("(leave_id IS NULL) <> (permit_id IS NULL)", name="one_owner"),)


class RelocationStatus(StrEnum):
    submitted = "submitted"      # waiting for the judicial office's opinion and the county's consultation
    consulting = "consulting"    # the county wrote to the receiving county
    approved = "approved"
    rejected = "rejected"
    handed_over = "handed_over"  # files sent to the receiving agency
    reported = "reported"        # the subject reported to the new agency
    cancelled = "cancelled"


class RelocationRequest(db.Model):
    """变更执行地: moving to another county, with the consultation, decision, hand-over and report-in chain."""

    __tablename__ = "relocation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), index=True)
    new_address: Mapped[str] = mapped_column(sa.String(200))
    new_county_code: Mapped[str] = mapped_column(sa.String(6))
    target_county_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))  # when in this deployment
    reason: Mapped[str] = mapped_column(sa.Text)
    move_date: Mapped[date]
    status: Mapped[RelocationStatus] = mapped_column(enum_column(RelocationStatus), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consult_sent_on: Mapped[date | None]
    consult_reply_on: Mapped[date | None]
    consult_agreed: Mapped[bool | None]
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    handed_over_on: Mapped[date | None]
    handover_note: Mapped[str | None] = mapped_column(sa.Text)
    report_due: Mapped[date | None]
    reported_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)

    subject: Mapped[Subject] = relationship()
    target_county: Mapped[Unit | None] = relationship()
    steps: Mapped[list["ApprovalStep"]] = relationship(
        primaryjoin="ApprovalStep.relocation_id == RelocationRequest.id", order_by="ApprovalStep.id")

    __mapper_args__ = {"version_id_col": version}


class ApprovalStep(db.Model):
    """One step of a request's path: who did what, at which level, when, with which opinion."""

    __tablename__ = "approval_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    leave_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leave_requests.id"), index=True)
    permit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("travel_permits.id"), index=True)
    relocation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("relocation_requests.id"), index=True)
    step: Mapped[str] = mapped_column(sa.String(32))  # submitted, forwarded, approved, rejected, cancelled, …
    level: Mapped[str | None] = mapped_column(sa.String(32))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    opinion: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    actor: Mapped[User | None] = relationship()
