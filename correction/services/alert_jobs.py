"""The scheduler's alert jobs: each turns what the domain knows at an instant (the overdue query, late returns,
missed fast-track deadlines, location signals, 变更执行地 deadlines) into alerts, in one transaction.

Idempotent: every alert has a dedupe key naming its kind and period (or the record it is about), so running a job
twice for the same instant or period opens nothing new. Set-based: one query finds the rows; the work is per row
found. Each returns a dict of counts for the job-run log.
"""

from datetime import datetime

import sqlalchemy as sa

from correction.clock import local_date
from correction.db import db, transaction
from correction.models import AlertType, LocationSignal, SignalKind
from correction.services.alerts import Candidate, open_alerts, refresh_open
from correction.services.leave import escalate_missed_fast_track, overdue_returns
from correction.services.obligations import OverdueItem
from correction.services.overdue import find_overdue
from correction.services.relocation import MissedDeadline, relocation_deadlines_missed

REPORT_NAMES = {"periodic": "定期报告", "health_report": "身体状况报告", "medical_review": "病情复查情况"}
HOURS_NAMES = {"education_hours": "教育学习", "public_welfare_hours": "公益活动"}
RELOCATION_TITLES = {
    "consult": "变更执行地：逾期未向新执行地发出征求意见函",
    "reply": "变更执行地：新执行地逾期未回复意见",
    "handover": "变更执行地：逾期未移交档案材料",
    "report_in": "变更执行地：逾期未到新执行地报到",
}
SIGNAL_ALERTS = {
    SignalKind.out_of_bounds: (AlertType.out_of_bounds, "越界：连续定位在执行地范围外"),
    SignalKind.missed_checkin: (AlertType.missed_checkin, "未按要求签到"),
    SignalKind.missed_spot_check: (AlertType.missed_checkin, "未按时响应随机点验"),
    SignalKind.mock_location: (AlertType.spoofing, "疑似使用虚拟定位"),
    SignalKind.impossible_speed: (AlertType.spoofing, "定位异常跳变，疑似人机分离"),
    SignalKind.late_fix: (AlertType.spoofing, "定位延迟上报，疑似人机分离"),
}


def alert_overdue(as_of: datetime) -> dict[str, int]:
    """未报到, 未按时报告 (periodic, health, medical review) and hours behind, from the overdue query at `as_of`: one
    alert per subject, kind and period. A report-in still missing keeps its alert's days absent up to date, so the
    ladder's suggestion climbs past 10 and 30 days. Returns {overdue, opened, refreshed}."""
    with transaction():
        items = find_overdue(as_of)
        candidates = [_overdue(item) for item in items]
        opened = open_alerts(candidates, as_of)
        refreshed = refresh_open([c for c in candidates if c.type == AlertType.not_reported_in], as_of)
    return {"overdue": len(items), "opened": len(opened), "refreshed": refreshed}


def _overdue(item: OverdueItem) -> Candidate:
    who, due = item.subject_id, item.due.isoformat()
    if item.kind == "report_in":
        return Candidate(who, AlertType.not_reported_in, f"not_reported_in:{who}:{due}",
                         f"未按规定报到（应于{due}前报到）", {"kind": item.kind, "due": due,
                                                      "absent_days": item.days_late})
    period = {"kind": item.kind, "period_start": item.period_start.isoformat(),
              "period_end": item.period_end.isoformat(), "due": due, "days_late": item.days_late}
    key = f"{who}:{item.kind}:{item.period_start.isoformat()}"
    if item.kind in HOURS_NAMES:
        month = f"{item.period_start.year}年{item.period_start.month}月"
        return Candidate(who, AlertType.hours_behind, f"hours_behind:{key}",
                         f"{month}{HOURS_NAMES[item.kind]}时长不足（应{item.required_hours:g}小时，"
                         f"已完成{item.done_hours:g}小时）",
                         {**period, "required_hours": item.required_hours, "done_hours": item.done_hours})
    return Candidate(who, AlertType.report_overdue, f"report_overdue:{key}",
                     f"未按时提交{REPORT_NAMES[item.kind]}（{period['period_start']}至{period['period_end']}）",
                     period)


def alert_late_returns(as_of: datetime) -> dict[str, int]:
    """未按时销假: trips approved or under way past their end date without a return, one alert per trip and end
    date (an approved extension moves the end date); the days absent stay up to date while the alert is open.
    Returns {late, opened, refreshed}."""
    today = local_date(as_of)
    with transaction():
        late = overdue_returns(as_of)
        candidates = [Candidate(r.subject_id, AlertType.late_return, f"late_return:{r.id}:{r.end_date.isoformat()}",
                                f"未按时销假（外出应于{r.end_date.isoformat()}结束）",
                                {"leave_id": r.id, "end_date": r.end_date.isoformat(),
                                 "absent_days": (today - r.end_date).days}) for r in late]
        opened = open_alerts(candidates, as_of)
        refreshed = refresh_open(candidates, as_of)
    return {"late": len(late), "opened": len(opened), "refreshed": refreshed}


def alert_missed_fast_track(as_of: datetime) -> dict[str, int]:
    """审批超时: fast-track requests undecided past their deadline are escalated once and each opens an
    `approval_overdue` alert for the office's and the county agency's officers; the escalation and the alerts
    commit together. Returns {escalated, opened}."""
    with transaction():
        escalated = escalate_missed_fast_track(as_of)
        opened = open_alerts([Candidate(
            r.subject_id, AlertType.approval_overdue, f"approval_overdue:{r.id}", "涉企简捷审批超过时限",
            {"leave_id": r.id, "submitted_at": r.submitted_at.isoformat(),
             "decision_due_at": r.decision_due_at.isoformat()}) for r in escalated], as_of)
    return {"escalated": len(escalated), "opened": len(opened)}


def alert_location_signals(as_of: datetime) -> dict[str, int]:
    """Location signals detected by `as_of` and not yet consumed become alerts: 越界, 未签到/未点验 and suspected
    spoofing (simulated location, impossible speed, late fixes). The UPDATE marking them consumed is the claim, so
    a second run finds none; one alert per subject and signal kind per run, keyed by its first signal.
    Returns {signals, opened}."""
    with transaction():
        rows = db.session.execute(
            sa.update(LocationSignal)
            .where(LocationSignal.consumed_at.is_(None), LocationSignal.detected_at <= as_of)
            .values(consumed_at=as_of)
            .returning(LocationSignal.id, LocationSignal.subject_id, LocationSignal.kind, LocationSignal.detected_at,
                       LocationSignal.evidence, LocationSignal.dedupe_key)
            .execution_options(synchronize_session=False)).all()
        groups: dict[tuple[int, SignalKind], list] = {}
        for row in sorted(rows, key=lambda r: (r.detected_at, r.id)):
            groups.setdefault((row.subject_id, SignalKind(row.kind)), []).append(row)
        opened = open_alerts([_from_signals(subject_id, kind, signals)
                              for (subject_id, kind), signals in groups.items()], as_of)
    return {"signals": len(rows), "opened": len(opened)}


def _from_signals(subject_id: int, kind: SignalKind, signals: list) -> Candidate:
    alert_type, title = SIGNAL_ALERTS[kind]
    evidence = {"signals": [{"id": s.id, "kind": kind.value, "detected_at": s.detected_at.isoformat(),
                             "evidence": s.evidence} for s in signals]}
    if kind == SignalKind.out_of_bounds:  # outside from the first fix of the first run to the last of the last
        first = min(datetime.fromisoformat(s.evidence["from"]) for s in signals)
        last = max(datetime.fromisoformat(s.evidence["to"]) for s in signals)
        evidence["absent_days"] = (last - first).days
    return Candidate(subject_id, alert_type, f"{alert_type.value}:{signals[0].dedupe_key}", title, evidence)


def alert_relocation(as_of: datetime) -> dict[str, int]:
    """变更执行地 steps past their deadline: one alert per request and step. The agencies' steps (征求意见、回复、
    移交) also go to the county agency's officers; the subject's report to the new agency is a breach.
    Returns {missed, opened}."""
    with transaction():
        missed = relocation_deadlines_missed(as_of)
        opened = open_alerts([_relocation(m) for m in missed], as_of)
    return {"missed": len(missed), "opened": len(opened)}


def _relocation(missed: MissedDeadline) -> Candidate:
    due = missed.due.isoformat()
    return Candidate(missed.subject_id, AlertType.relocation_overdue,
                     f"relocation_overdue:{missed.relocation_id}:{missed.kind}",
                     f"{RELOCATION_TITLES[missed.kind]}（应于{due}前）",
                     {"relocation_id": missed.relocation_id, "step": missed.kind, "due": due,
                      "days_late": missed.days_late})
