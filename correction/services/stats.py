"""Statistics for any period and scope (统计): the population and its flows (`population`), leave approved by
level, the fast track's decision times, alerts by type and disposition, and reports on time. Every figure is a
set-based query over the subjects in the actor's scope (a file counts where it is now). Beside them, the
pre-sentence investigations and the resettlement register of the actor's units (counts only)."""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from correction.clock import LOCAL_TZ
from correction.db import db
from correction.errors import RuleViolation
from correction.models import (
    Alert, AlertType, ApproverLevel, Disposition, LeaveKind, LeaveRequest, LeaveStatus, PermitStatus, ReportKind,
    Report, Role, Subject, TravelPermit, User,
)
from correction.services.investigation_reports import figures_filter as investigation_scope
from correction.services.investigation_reports import investigation_figures
from correction.services.leave import fast_track_stats
from correction.services.population import population
from correction.services.resettlement_reports import figures_filter as register_scope
from correction.services.resettlement_reports import resettlement_figures
from correction.services.scope import subject_filter

MAX_PERIOD_DAYS = 366  # a year, leap or not: longer periods are asked year by year
TRIPS_TAKEN = (LeaveStatus.approved, LeaveStatus.departed, LeaveStatus.returned)
RECURRING_REPORTS = (ReportKind.periodic, ReportKind.health_report, ReportKind.medical_review)


def check_period(first_day: date, last_day: date) -> None:
    """:raises RuleViolation: a reversed period, or one longer than MAX_PERIOD_DAYS."""
    if last_day < first_day:
        raise RuleViolation.on("to", "结束日期不能早于开始日期。", "invalid_period")
    if (last_day - first_day).days + 1 > MAX_PERIOD_DAYS:
        raise RuleViolation.on("to", f"统计期间最长{MAX_PERIOD_DAYS}天。", "invalid_period")


def stats_scope(actor: User) -> sa.ColumnElement[bool]:
    """The subjects an actor's statistics cover: an office's, a county's, the inspector's county, or (for an
    administrator) every subject.

    :raises Forbidden: a supervisee.
    """
    return sa.true() if actor.role == Role.admin else subject_filter(actor)


def stats(actor: User, first_day: date, last_day: date) -> dict:
    """The period's figures (dates inclusive, Asia/Shanghai) for the actor's scope.

    :raises RuleViolation: a reversed or too long period.
    :raises Forbidden: a supervisee.
    """
    check_period(first_day, last_day)
    scope = stats_scope(actor)
    start = datetime.combine(first_day, time(0), tzinfo=LOCAL_TZ)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    return {"from": first_day, "to": last_day, **population(scope, first_day, last_day),
            **_leave(scope, start, end, first_day, last_day), **_alerts(scope, start, end),
            "reports": _reports(scope, first_day, last_day),
            "investigations": investigation_figures(investigation_scope(actor), first_day, last_day),
            "resettlement": resettlement_figures(register_scope(actor), first_day, last_day)}


def _counts(stmt: sa.Select) -> dict:
    """{key: count} of a grouped statement; enum keys compare equal to their values."""
    return dict(db.session.execute(stmt).all())


def _leave(scope, start: datetime, end: datetime, first_day: date, last_day: date) -> dict:
    """Requests approved in the period (decided and not refused, whatever happened to them after), by the level
    that decides them; the fast track's requests, approvals and trips, with decision times."""
    decided = sa.and_(scope, LeaveRequest.decided_at >= start, LeaveRequest.decided_at < end,
                      LeaveRequest.status != LeaveStatus.rejected)
    approved = {(level, kind, fast): n for level, kind, fast, n in db.session.execute(
        sa.select(LeaveRequest.approver_level, LeaveRequest.kind, LeaveRequest.fast_track, sa.func.count())
        .join(Subject).where(decided)
        .group_by(LeaveRequest.approver_level, LeaveRequest.kind, LeaveRequest.fast_track))}

    def approved_count(kind: LeaveKind, level: ApproverLevel | None = None, fast: bool | None = None) -> int:
        return sum(n for (lv, k, f), n in approved.items()
                   if k == kind and level in (None, lv) and fast in (None, f))

    submitted = db.session.scalar(sa.select(sa.func.count()).select_from(LeaveRequest).join(Subject).where(
        scope, LeaveRequest.fast_track.is_(True), LeaveRequest.kind == LeaveKind.trip,
        LeaveRequest.submitted_at >= start, LeaveRequest.submitted_at < end))
    trips = db.session.scalar(sa.select(sa.func.count()).select_from(LeaveRequest).join(Subject).where(
        scope, LeaveRequest.fast_track.is_(True), LeaveRequest.kind != LeaveKind.extension,
        LeaveRequest.status.in_(TRIPS_TAKEN), LeaveRequest.start_date >= first_day,
        LeaveRequest.start_date <= last_day))
    permits = db.session.scalar(sa.select(sa.func.count()).select_from(TravelPermit).join(Subject).where(
        scope, TravelPermit.decided_at >= start, TravelPermit.decided_at < end,
        TravelPermit.status != PermitStatus.rejected))
    times = fast_track_stats(scope, start, end)
    return {
        "leave_approved": approved_count(LeaveKind.trip),
        "leave_approved_by_level": {level.value: approved_count(LeaveKind.trip, level) for level in ApproverLevel},
        "extensions_approved": approved_count(LeaveKind.extension),
        "permits_approved": permits,
        "permit_trips": approved_count(LeaveKind.permit_trip),
        "fast_track_approved": approved_count(LeaveKind.trip, fast=True),
        "fast_track": {"requests": submitted, "approved": approved_count(LeaveKind.trip, fast=True),
                       "trips": trips, "decided": times.decided, "median_hours": times.median_hours,
                       "within_deadline_share": times.within_deadline_share},
    }


def _alerts(scope, start: datetime, end: datetime) -> dict:
    """Alerts opened in the period by type; alerts resolved in the period by disposition."""
    opened = _counts(sa.select(Alert.type, sa.func.count()).join(Subject, Subject.id == Alert.subject_id).where(
        scope, Alert.opened_at >= start, Alert.opened_at < end).group_by(Alert.type))
    resolved = _counts(sa.select(Alert.disposition, sa.func.count()).join(Subject, Subject.id == Alert.subject_id)
                       .where(scope, Alert.resolved_at >= start, Alert.resolved_at < end)
                       .group_by(Alert.disposition))
    return {"alerts_opened": sum(opened.values()),
            "alerts_by_type": {t.value: opened.get(t.value, 0) for t in AlertType},
            "alerts_resolved": sum(resolved.values()),
            "alerts_by_disposition": {d.value: resolved.get(d.value, 0) for d in Disposition}}


def _reports(scope, first_day: date, last_day: date) -> dict:
    """Recurring reports received in the period, on time and late, by kind (life-event reports have no due date)."""
    rows = db.session.execute(sa.select(Report.kind, Report.on_time, sa.func.count()).join(Subject).where(
        scope, Report.kind.in_(RECURRING_REPORTS), Report.on_time.is_not(None),
        Report.submitted_on >= first_day, Report.submitted_on <= last_day).group_by(Report.kind, Report.on_time))
    by_kind = {kind.value: {"on_time": 0, "late": 0} for kind in RECURRING_REPORTS}
    for kind, on_time, n in rows:
        by_kind[kind.value]["on_time" if on_time else "late"] += n
    return {"on_time": sum(k["on_time"] for k in by_kind.values()), "late": sum(k["late"] for k in by_kind.values()),
            "by_kind": by_kind}
