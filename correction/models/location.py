"""Location check-ins (信息化核查), random spot checks (随机点验) and the signals that may become alerts."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from correction.db import UTCDateTime, db, enum_column
from correction.models.leave import LeaveRequest, TravelPermit
from correction.models.org import User
from correction.models.subject import Subject


class Verdict(StrEnum):
    inside = "inside"                      # within the jurisdiction fence
    on_approved_trip = "on_approved_trip"  # outside it, inside a destination of an approved trip or permit
    outside = "outside"                    # certainly outside every fence in force
    uncertain = "uncertain"                # the accuracy circle crosses a boundary, or the fix is too coarse


class FixSource(StrEnum):
    gps = "gps"
    wifi = "wifi"
    cell = "cell"


class CheckIn(db.Model):
    """One location fix: the raw fix exactly as sent, its WGS-84 normalisation, and the verdict at capture time.

    On PostgreSQL the table is partitioned by month of `captured_at` (migration 0011,
    correction/services/checkin_partitions.py): its primary key there is (id, captured_at), since a partitioned
    table's unique constraints must hold the partition key, and nothing may reference it by a foreign key. A retry
    repeats the fix's capture time, so (subject, client id, capture time) is unique on both databases; the service
    finds an earlier fix by (subject, client id) alone before inserting.
    """

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"))
    client_id: Mapped[str | None] = mapped_column(sa.String(64))  # the phone's id for the fix: retries dedupe on it
    # The raw fix, as sent.
    lat: Mapped[float]
    lng: Mapped[float]
    coord_type: Mapped[str] = mapped_column(sa.String(8))  # wgs84 | gcj02
    accuracy_m: Mapped[float]
    source: Mapped[FixSource | None] = mapped_column(enum_column(FixSource))
    is_mock: Mapped[bool] = mapped_column(default=False)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the supervisee's claim
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)  # server receive time: the one that counts
    offline: Mapped[bool] = mapped_column(default=False)        # arrived in a batch of queued fixes
    # Normalised and judged.
    wgs_lat: Mapped[float]
    wgs_lng: Mapped[float]
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict))
    fence: Mapped[str | None] = mapped_column(sa.String(32))  # which fence decided: county polygon, home radius, city
    distance_from_home_m: Mapped[float | None]
    distance_to_boundary_m: Mapped[float | None]
    leave_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leave_requests.id"))   # the trip it was on
    permit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("travel_permits.id"))  # or the permit
    spot_check_id: Mapped[int | None] = mapped_column(sa.ForeignKey("spot_checks.id"))  # the spot check it answered

    subject: Mapped[Subject] = relationship()
    leave: Mapped[LeaveRequest | None] = relationship()
    permit: Mapped[TravelPermit | None] = relationship()

    __table_args__ = (
        sa.Index("ix_checkins_subject_captured", "subject_id", "captured_at"),
        sa.Index("ix_checkins_received_at", "received_at"),
        sa.UniqueConstraint("subject_id", "client_id", "captured_at"),
    )


class SpotCheckStatus(StrEnum):
    pending = "pending"      # waiting for a fix within the response window
    answered = "answered"
    missed = "missed"        # the window closed without a fix: a signal
    cancelled = "cancelled"


class SpotCheck(db.Model):
    """随机点验: a request for a fix within a response window, drawn at random or asked by an officer."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: the random draw
    status: Mapped[SpotCheckStatus] = mapped_column(enum_column(SpotCheckStatus), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    draw_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)  # a draw's (day, subject): no double draw

    subject: Mapped[Subject] = relationship()
    requested_by: Mapped[User | None] = relationship()


class SignalKind(StrEnum):
    out_of_bounds = "out_of_bounds"        # K consecutive `outside` fixes (越界)
    impossible_speed = "impossible_speed"  # two fixes further apart than any travel allows
    mock_location = "mock_location"        # the phone reported a simulated location
    late_fix = "late_fix"                  # captured long before it was received
    missed_spot_check = "missed_spot_check"  # 未点验
    missed_checkin = "missed_checkin"        # 未签到: no fix in a required check-in period


class LocationSignal(db.Model):
    """An alert candidate with its evidence. The scheduler turns candidates into alerts; `dedupe_key` makes a
    second detection of the same thing a no-op."""

    __tablename__ = "location_signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), index=True)
    kind: Mapped[SignalKind] = mapped_column(enum_column(SignalKind))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # No foreign key: `checkins` is partitioned on PostgreSQL. The retention purge unlinks it before a fix goes.
    checkin_id: Mapped[int | None]
    spot_check_id: Mapped[int | None] = mapped_column(sa.ForeignKey("spot_checks.id"))
    evidence: Mapped[dict] = mapped_column(sa.JSON)
    dedupe_key: Mapped[str] = mapped_column(sa.String(96), unique=True)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # turned into an alert

    subject: Mapped[Subject] = relationship()
