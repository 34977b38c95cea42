"""The inspection list's checks on leave (外出): approvals at the wrong level, after the trip began, beyond a cap or
on short notice; the 涉企 fast track against its decision deadline; returns (销假) later than the trip's end.

Each is one query over the window for any set of counties; the rules then run per row found.
"""

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from correction.clock import local_date
from correction.db import db
from correction.models import (
    Alert, AlertType, ApprovalStep, ApproverLevel, LeaveKind, LeaveRequest, LeaveStatus, Subject,
)
from correction.rules import inspection as lists
from correction.rules.leave import leave_days
from correction.services.inspection_window import Candidate, Window, when, within

APPROVED = (LeaveStatus.approved, LeaveStatus.departed, LeaveStatus.returned)
PENDING = (LeaveStatus.submitted, LeaveStatus.forwarded)


def _trip(row) -> str:
    return f"{'延期' if row.kind == LeaveKind.extension else '外出'}{row.start_date}至{row.end_date}"


def approvals(window: Window, counties: Sequence[int] | None, rules) -> list[Candidate]:
    """Trips and extensions approved in the window: by a judicial office above its authority, after the trip
    began, beyond the per-trip cap, or applied for with less notice than the rule asks."""
    office_max, cap, notice = (rules["leave.office_max_days"], rules["leave.per_trip_max_days"],
                               rules["leave.notice_days"])
    trip, original, extension = LeaveRequest, aliased(LeaveRequest), aliased(LeaveRequest)
    # An approved extension moves the trip's end: the trip as approved ended the day before the first one.
    first_extension = sa.select(sa.func.min(extension.start_date)).where(
        extension.extends_id == trip.id, extension.status == LeaveStatus.approved).scalar_subquery()
    rows = db.session.execute(
        sa.select(trip.id, trip.subject_id, Subject.county_id, Subject.name, trip.kind, trip.start_date,
                  trip.end_date, trip.short_notice, trip.submitted_at, original.start_date.label("trip_start"),
                  first_extension.label("extended_from"), ApprovalStep.at, ApprovalStep.level)
        .select_from(ApprovalStep).join(trip, trip.id == ApprovalStep.leave_id)
        .join(Subject, Subject.id == trip.subject_id).outerjoin(original, original.id == trip.extends_id)
        .where(ApprovalStep.step == "approved", ApprovalStep.at >= window.start, ApprovalStep.at < window.until,
               within(Subject.county_id, counties)))
    found = []
    for row in rows:
        if row.kind == LeaveKind.extension:
            days = leave_days(row.trip_start, row.end_date)
        else:
            days = leave_days(row.start_date, (row.extended_from - timedelta(days=1)) if row.extended_from
                              else row.end_date)
        approved_on = local_date(row.at)
        reasons = []
        if row.level == ApproverLevel.judicial_office and days > office_max:
            reasons.append(("leave_wrong_level",
                            f"越权审批：外出共{days}天，超过司法所审批权限（{office_max}天），由司法所批准"))
        if approved_on > row.start_date:
            reasons.append(("leave_approved_late", f"外出开始后才批准：{_trip(row)}，{approved_on}批准"))
        if cap and days > cap:
            reasons.append(("leave_over_trip_cap", f"超过单次外出上限：外出共{days}天，上限{cap}天"))
        if row.short_notice:
            reasons.append(("leave_short_notice", f"未提前{notice}天申请即获批准：{local_date(row.submitted_at)}"
                                                  f"申请，{row.start_date}出发"))
        if reasons:
            evidence = [lists.leave_request(row.id, f"{_trip(row)}，{when(row.at)}批准"),
                        lists.subject_file(row.subject_id, row.name)]
            found += [Candidate(row.county_id, row.subject_id, code, reason, evidence, (row.at, row.id))
                      for code, reason in reasons]
    return found


def yearly_cap(window: Window, counties: Sequence[int] | None, rules) -> list[Candidate]:
    """Where a region caps the days away per year: trips approved in the window that took the year's approved
    days past the cap (counted in the order they were approved, as the approver saw them)."""
    cap = rules["leave.yearly_max_days"]
    if not cap:
        return []
    first, last = date(window.quarter.year, 1, 1), date(window.quarter.year, 12, 31)
    trip = LeaveRequest
    rows = db.session.execute(
        sa.select(trip.id, trip.subject_id, Subject.county_id, Subject.name, trip.kind, trip.start_date,
                  trip.end_date, trip.decided_at).join(Subject, Subject.id == trip.subject_id)
        .where(trip.kind != LeaveKind.extension, trip.status.in_(APPROVED), trip.decided_at < window.until,
               trip.start_date <= last, trip.end_date >= first, within(Subject.county_id, counties))
        .order_by(trip.subject_id, trip.decided_at, trip.id))
    found, totals = [], {}
    for row in rows:
        total = totals[row.subject_id] = totals.get(row.subject_id, 0) + leave_days(max(row.start_date, first),
                                                                                   min(row.end_date, last))
        if total > cap and row.decided_at >= window.start:
            found.append(Candidate(
                row.county_id, row.subject_id, "leave_over_yearly_cap",
                f"超过年度外出上限：{window.quarter.year}年累计批准外出{total}天，上限{cap}天",
                [lists.leave_request(row.id, f"{_trip(row)}，{when(row.decided_at)}批准"),
                 lists.subject_file(row.subject_id, row.name)], (row.decided_at, row.id)))
    return found


def fast_track(window: Window, counties: Sequence[int] | None, rules) -> list[Candidate]:
    """涉企 fast-track requests: each approval in the window, within its decision deadline or not, and every
    request whose deadline passed in the window without a decision (escalated to the county agency's head)."""
    trip = LeaveRequest
    undecided = sa.or_(trip.decided_at.is_(None), trip.decided_at >= window.until)
    rows = db.session.execute(
        sa.select(trip.id, trip.subject_id, Subject.county_id, Subject.name, trip.kind, trip.start_date,
                  trip.end_date, trip.status, trip.submitted_at, trip.decision_due_at, trip.decided_at,
                  trip.escalated_at).join(Subject, Subject.id == trip.subject_id)
        .where(trip.fast_track.is_(True), trip.kind == LeaveKind.trip, within(Subject.county_id, counties),
               sa.or_(sa.and_(trip.decided_at >= window.start, trip.decided_at < window.until),
                      sa.and_(undecided, trip.decision_due_at >= window.start, trip.decision_due_at < window.until,
                              sa.or_(trip.decided_at.is_not(None), trip.status.in_(PENDING),
                                     trip.escalated_at < window.until)))))
    found = []
    for row in rows:
        decided = window.seen(row.decided_at)
        escalated = "，已报县级社区矫正机构负责人" if window.seen(row.escalated_at) else ""
        evidence = [lists.leave_request(row.id, f"涉企简捷审批：{_trip(row)}，{when(row.submitted_at)}申请"),
                    lists.subject_file(row.subject_id, row.name)]
        if decided is None:
            code, reason = "fast_track_overdue", (f"涉企简捷审批超过时限：{when(row.submitted_at)}申请，应于"
                                                  f"{when(row.decision_due_at)}前决定，至{window.cutoff_text}仍未决定"
                                                  f"{escalated}")
        else:
            hours = (decided - row.submitted_at).total_seconds() / 3600
            verdict = "不予批准" if row.status == LeaveStatus.rejected else "批准"
            late = decided > row.decision_due_at
            if row.status == LeaveStatus.rejected and not late:
                continue
            code = "fast_track_overdue" if late else "fast_track_approval"
            reason = (f"涉企简捷审批{'超过时限' if late else '在时限内'}：{when(row.submitted_at)}申请，"
                      f"{when(decided)}{verdict}，用时{hours:.1f}小时（应于{when(row.decision_due_at)}前决定）"
                      f"{escalated}")
        found.append(Candidate(row.county_id, row.subject_id, code, reason, evidence,
                               (row.submitted_at, row.id)))
    return found


def late_returns(window: Window, counties: Sequence[int] | None, rules) -> list[Candidate]:
    """未按时销假: trips whose lateness falls in the window, returned late or not returned by its end, with the
    handling of their late-return alerts."""
    trip = LeaveRequest
    rows = db.session.execute(
        sa.select(trip.id, trip.subject_id, Subject.county_id, Subject.name, trip.kind, trip.start_date,
                  trip.end_date, trip.returned_at).join(Subject, Subject.id == trip.subject_id)
        .where(trip.kind != LeaveKind.extension, trip.status.in_(APPROVED), trip.decided_at < window.until,
               trip.end_date < window.cutoff, within(Subject.county_id, counties),
               sa.or_(trip.returned_at.is_(None), trip.returned_at >= window.start),
               sa.or_(Subject.ended_on.is_(None), Subject.ended_on >= window.first_day)))
    late = []
    for row in rows:  # most trips end on time: the day of the return decides, in Asia/Shanghai
        returned = window.seen(row.returned_at)
        back = local_date(returned) if returned else None
        if back is None or back > row.end_date:
            late.append((row, back))
    handled = _late_return_alerts(window, {row.subject_id for row, _ in late})
    found = []
    for row, back in late:
        days = ((back or window.cutoff) - row.end_date).days
        how = f"{back}才销假" if back else f"至{window.cutoff_text}仍未销假"
        evidence = [lists.leave_request(row.id, f"{_trip(row)}"), lists.subject_file(row.subject_id, row.name)]
        alerts = handled.get(row.id, [])
        evidence += [lists.alert(alert_id, text) for alert_id, text in alerts]
        handling = "；".join(text for _, text in alerts) or "未见告警"
        found.append(Candidate(row.county_id, row.subject_id, "late_return",
                               f"未按时销假：外出应于{row.end_date}结束，{how}，逾期{days}天（{handling}）",
                               evidence, (row.end_date, row.id)))
    return found


def _late_return_alerts(window: Window, subject_ids: set[int]) -> dict[int, list[tuple[int, str]]]:
    """Per trip, its late-return alerts opened by `until`, each with how it was handled then."""
    found: dict[int, list[tuple[int, str]]] = {}
    ids = sorted(subject_ids)
    for start in range(0, len(ids), 500):
        for alert in db.session.execute(
                sa.select(Alert.id, Alert.evidence, Alert.resolved_at, Alert.disposition).where(
                    Alert.subject_id.in_(ids[start:start + 500]), Alert.type == AlertType.late_return,
                    Alert.opened_at < window.until).order_by(Alert.opened_at, Alert.id)):
            resolved = window.seen(alert.resolved_at)
            text = f"告警已处理：{lists.DISPOSITION_NAMES[alert.disposition]}" if resolved else "告警未处理"
            found.setdefault(alert.evidence.get("leave_id"), []).append((alert.id, text))
    return found
