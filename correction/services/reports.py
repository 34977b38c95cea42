"""Reports from the mini-program (定期报告 / 及时报告 / health reports) and the officers' review of them."""

from dataclasses import asdict, dataclass
from datetime import date, datetime

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import db, transaction
from correction.errors import Conflict, InvalidTransition, RuleViolation
from correction.models import ACTIVE_STATUSES, Report, ReportKind, Subject, SubjectStatus, User
from correction.rules.periods import Period, period_containing
from correction.services.accounts import supervisee_subject
from correction.services.checkin_history import checkin_duties
from correction.services.obligations import (
    HOUR_KINDS, confirmed_minutes, reported_periods, required_hours, stream, stream_periods, timeline_of,
)
from correction.services.paging import Page, page_of
from correction.services.scope import require_officer, subject_filter, visible_record
from correction.services.uploads import attach_photos


def _period_for(subject: Subject, kind: str, today: date) -> tuple[Period, bool]:
    """The period a recurring report fulfils and whether it is on time: the oldest owed period without a report
    (late if its deadline has passed), else the current period of the cadence in force (an extra report)."""
    report_stream = stream(kind)
    owed = [p for p in stream_periods(subject, report_stream, today) if p.start <= today]
    done = reported_periods(subject.id, kind, [p.start for p in owed])
    for period in owed:
        if period.start not in done:
            return period, today <= period.deadline(report_stream.grace_days)
    rules = components().rules
    level = timeline_of(subject).level_on(today, rules["classification.new_intake_strict_months"])
    cadence = report_stream.cadence_for(level) or report_stream.cadence
    return period_containing(cadence, today, rules["obligations.biweekly_anchor"]), True


def submit_report(user: User, *, as_of: datetime, kind: ReportKind, content: str, event_type=None,
                  location: dict | None = None, photo_ids: list[int] = ()) -> Report:
    """Record a report from the supervisee; recurring kinds are matched to the period they fulfil.

    :raises InvalidTransition: the file is closed.
    :raises RuleViolation: a recurring report before report-in, or a kind the subject does not owe.
    """
    with transaction():
        subject = supervisee_subject(user)
        if subject.status not in ACTIVE_STATUSES:
            raise InvalidTransition("subject_closed", "矫正已解除或终止，无需再报告。")
        today = local_date(as_of)
        report = Report(subject_id=subject.id, kind=kind, content=content, submitted_at=as_of, submitted_on=today,
                        event_type=event_type if kind == ReportKind.life_event else None)
        if kind != ReportKind.life_event:
            if subject.status != SubjectStatus.under_correction:
                raise RuleViolation.on("kind", "报到之后才需要提交定期报告。", "not_reported_in")
            categories = stream(kind).categories
            if categories is not None and subject.category not in categories:
                raise RuleViolation.on("kind", "该类报告不适用于您的矫正类别。", "report_not_applicable")
            period, report.on_time = _period_for(subject, kind, today)
            report.period_start, report.period_end = period.start, period.end
        if location:
            report.lat, report.lng = location["lat"], location["lng"]
            report.coord_type, report.accuracy_m = location["coord_type"], location.get("accuracy_m")
        db.session.add(report)
        db.session.flush()
        attach_photos(subject, report, list(photo_ids))
    return report


def own_reports(user: User, page: int, per_page: int) -> Page:
    subject = supervisee_subject(user)
    return page_of(sa.select(Report).where(Report.subject_id == subject.id)
                   .order_by(Report.submitted_at.desc(), Report.id.desc()), page, per_page)


def list_reports(actor: User, page: int, per_page: int, reviewed: bool | None = None, flagged: bool | None = None,
                 subject_id: int | None = None, kind: ReportKind | None = None) -> Page:
    """The review queue: reports of subjects in scope, oldest unreviewed first when `reviewed` is false."""
    stmt = sa.select(Report).join(Subject).where(subject_filter(actor))
    if reviewed is not None:
        stmt = stmt.where(Report.reviewed_at.is_not(None) if reviewed else Report.reviewed_at.is_(None))
    for column, value in ((Report.flagged, flagged), (Report.subject_id, subject_id), (Report.kind, kind)):
        if value is not None:
            stmt = stmt.where(column == value)
    order = Report.submitted_at.asc() if reviewed is False else Report.submitted_at.desc()
    return page_of(stmt.order_by(order, Report.id), page, per_page)


def review_report(actor: User, report_id: int, *, as_of: datetime, comment: str | None, flagged: bool) -> Report:
    """An officer reviews a report once; a second review (or two officers at once) is a 409.

    :raises NotFound: missing or outside the officer's scope.
    :raises Conflict: already reviewed.
    """
    require_officer(actor)
    with transaction():
        report = visible_record(actor, Report, report_id, ("report_not_found", "报告不存在。"))
        claimed = db.session.execute(sa.update(Report).where(Report.id == report.id, Report.reviewed_at.is_(None))
                                     .values(reviewed_at=as_of, reviewed_by_id=actor.id, review_comment=comment,
                                             flagged=flagged)).rowcount
        if claimed != 1:
            raise Conflict("already_reviewed", "该报告已由他人审阅。")
    db.session.refresh(report)
    return report


@dataclass(frozen=True)
class Obligation:
    """One thing the supervisee owes: a report for a period, the report-in, a month's hours, a check-in."""

    kind: str
    due: date
    status: str  # open, fulfilled, overdue
    period_start: date | None = None
    period_end: date | None = None
    report_id: int | None = None
    required_hours: float | None = None
    done_hours: float | None = None
    due_at: datetime | None = None  # check-ins: the instant the period or spot check closes
    spot_check_id: int | None = None


def my_obligations(user: User, as_of: datetime) -> list[Obligation]:
    """What the supervisee owes around today, by due date: report-in, recurring reports, this month's hours,
    the required check-in and open spot checks."""
    return obligations_of(supervisee_subject(user), as_of)


def obligations_of(subject: Subject, as_of: datetime) -> list[Obligation]:
    """What a subject owes around `as_of`, by due date (the supervisee's list, also shown on the officer's file)."""
    today = local_date(as_of)
    items: list[Obligation] = []
    if subject.status == SubjectStatus.awaiting_report:
        items.append(Obligation("report_in", subject.report_in_due,
                                "overdue" if today > subject.report_in_due else "open"))
    if subject.status == SubjectStatus.under_correction:
        items += _report_obligations(subject, today) + _hour_obligations(subject, today)
        items += [Obligation(**asdict(duty)) for duty in checkin_duties(subject, as_of)]
    return sorted(items, key=lambda o: (o.due, o.kind))


def _report_obligations(subject: Subject, today: date) -> list[Obligation]:
    items = []
    for kind in (ReportKind.periodic, ReportKind.health_report, ReportKind.medical_review):
        report_stream = stream(kind)
        for period in stream_periods(subject, report_stream, today):
            report_id = db.session.scalar(sa.select(Report.id).where(
                Report.subject_id == subject.id, Report.kind == kind, Report.period_start == period.start)
                .order_by(Report.id).limit(1))
            due = period.deadline(report_stream.grace_days)
            status = "fulfilled" if report_id else "overdue" if due < today else "open"
            items.append(Obligation(str(kind), due, status, period.start, period.end, report_id))
    return items


def _hour_obligations(subject: Subject, today: date) -> list[Obligation]:
    rules = components().rules
    month = period_containing("monthly", today, rules["obligations.biweekly_anchor"])
    level = timeline_of(subject).level_on(today, rules["classification.new_intake_strict_months"])
    done = confirmed_minutes(subject.id, month)
    items = []
    for kind in HOUR_KINDS:
        required = required_hours(level, kind)
        status = "fulfilled" if done.get(kind, 0) >= required * 60 else "open"
        items.append(Obligation(f"{kind}_hours", month.end, status, month.start, month.end, None, required,
                                done.get(kind, 0) / 60))
    return items
