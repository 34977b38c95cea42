"""Scheduled location work: missed required check-ins (未签到), the retention purge of raw location and the monthly
check-in partitions ahead (PostgreSQL). Each is set-based for the whole deployment and idempotent, for the scheduler
to call at any instant."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import db, transaction
from correction.models import (
    CheckIn, LeaveRequest, LocationSignal, Report, SignalKind, Subject, SubjectLevel, SubjectStatus,
    SuperviseeAccount,
)
from correction.rules.location import last_closed_checkin_period, period_closes_at, period_opens_at
from correction.rules.periods import Period
from correction.services import checkin_partitions
from correction.services.checkin_history import counts_for
from correction.services.overdue import last_new_intake_report_in

ENDED = (SubjectStatus.released, SubjectStatus.terminated, SubjectStatus.transferred_out)


def _missed_in(cadence: str, period: Period, levels: list[str], grace_hours: int, strict_months: int):
    """Subjects owing `period` of `cadence` (by the level in force on its last day, new intakes 严管) with a bound
    mini-program since before it began, and no fix captured in it and received by its close; with their key."""
    opens = period_opens_at(period)
    span = sa.and_(SubjectLevel.subject_id == Subject.id, SubjectLevel.valid_from <= period.end,
                   sa.or_(SubjectLevel.valid_to.is_(None), SubjectLevel.valid_to > period.end))
    new_intake = Subject.reported_in_on > last_new_intake_report_in(period.end, strict_months)
    level = sa.case((new_intake, sa.literal("strict")), else_=SubjectLevel.level)
    key = sa.literal(f"missed_checkin:{cadence}:{period.start.isoformat()}:") + sa.cast(Subject.id, sa.String)
    fixed = sa.exists().where(CheckIn.subject_id == Subject.id, counts_for(period, grace_hours))
    known = sa.exists().where(LocationSignal.dedupe_key == key)
    return sa.select(Subject.id, key).join(SubjectLevel, span).join(
        SuperviseeAccount, SuperviseeAccount.subject_id == Subject.id).where(
        Subject.reported_in_on.is_not(None), Subject.reported_in_on <= period.start,
        sa.or_(Subject.ended_on.is_(None), Subject.ended_on > period.end), SuperviseeAccount.bound_at < opens,
        level.in_(levels), ~fixed, ~known)


def missed_checkins(as_of: datetime) -> int:
    """未签到: a `missed_checkin` signal for each subject without a fix in the last closed period of the check-in
    cadence of their level (`obligations.checkin`), once per period. Returns how many were created."""
    rules = components().rules
    cadences = rules["obligations.checkin.cadence"]
    grace_hours = rules["obligations.checkin_window.grace_hours"]
    anchor, strict_months = rules["obligations.biweekly_anchor"], rules["classification.new_intake_strict_months"]
    created = 0
    with transaction():
        for cadence in sorted(set(cadences.values())):
            period = last_closed_checkin_period(cadence, as_of, grace_hours, anchor)
            levels = [level for level, c in cadences.items() if c == cadence]
            rows = db.session.execute(_missed_in(cadence, period, levels, grace_hours, strict_months)).all()
            evidence = {"cadence": cadence, "period_start": period.start.isoformat(),
                        "period_end": period.end.isoformat(),
                        "closed_at": period_closes_at(period, grace_hours).isoformat()}
            if rows:
                db.session.execute(sa.insert(LocationSignal), [
                    {"subject_id": subject_id, "kind": SignalKind.missed_checkin, "detected_at": as_of,
                     "evidence": evidence, "dedupe_key": key} for subject_id, key in rows])
            created += len(rows)
    return created


@dataclass(frozen=True)
class Purged:
    subjects: int            # files whose raw location was deleted
    checkins: int            # fixes deleted (with the months dropped whole)
    signals_unlinked: int    # signals kept, their link to a deleted fix removed
    report_locations: int    # locations attached to reports, cleared
    return_locations: int    # 销假 fixes on leave requests, cleared
    partitions_dropped: int  # months of check-ins dropped whole (PostgreSQL): every fix in them past retention


def _run(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def purge_locations(as_of: datetime) -> Purged:
    """Delete the raw location of subjects released, terminated or transferred out more than
    `location.retention_days_after_release` days before `as_of`: their fixes, the locations on their reports and
    leave returns. Signals stay (their evidence carries no coordinates) without the link to the deleted fix. On
    PostgreSQL an ended month whose every fix is past retention is dropped whole first (checkin_partitions)."""
    days = components().rules["location.retention_days_after_release"]
    cutoff = local_date(as_of) - timedelta(days=days)
    gone = sa.select(Subject.id).where(Subject.status.in_(ENDED), Subject.ended_on < cutoff)
    their_fixes = sa.select(CheckIn.id).where(CheckIn.subject_id.in_(gone))
    with transaction():
        subjects = db.session.scalar(sa.select(sa.func.count(sa.distinct(CheckIn.subject_id))).where(
            CheckIn.subject_id.in_(gone)))
        dropped = checkin_partitions.drop_expired(as_of, gone)
        unlinked = dropped.signals_unlinked + _run(
            sa.update(LocationSignal).where(LocationSignal.checkin_id.in_(their_fixes)).values(checkin_id=None))
        deleted = dropped.checkins + _run(sa.delete(CheckIn).where(CheckIn.subject_id.in_(gone)))
        reports = _run(sa.update(Report).where(Report.subject_id.in_(gone), Report.lat.is_not(None))
                       .values(lat=None, lng=None, coord_type=None, accuracy_m=None))
        returns = _run(sa.update(LeaveRequest).where(
            LeaveRequest.subject_id.in_(gone), LeaveRequest.return_lat.is_not(None)).values(
            return_lat=None, return_lng=None, return_coord_type=None, return_accuracy_m=None))
    return Purged(subjects, deleted, unlinked, reports, returns, dropped.partitions)


def make_partitions_ahead(as_of: datetime) -> int:
    """The check-in partitions of this month and the next ones that are missing (PostgreSQL); how many were made."""
    with transaction():
        return checkin_partitions.ensure_partitions(as_of)
