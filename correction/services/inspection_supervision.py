"""The inspection list's checks on supervision: location alerts and how each was handled, the sanction ladder not
followed, report-in later than the statutory days, subjects out of contact (脱管), releases after the term, and
changes of residence (变更执行地) whose hand-over or report-in ran late.

Each is one query (two for contact and release) over the window for any set of counties; the rules then run per
row found.
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa

from correction.clock import local_date
from correction.db import db
from correction.models import (
    Alert, AlertType, ApprovalStep, CheckIn, EventKind, RelocationRequest, ReleaseType, Sanction, SanctionKind, Subject,
    SubjectEvent, SubjectStatus, SuperviseeAccount,
)
from correction.rules import inspection as lists
from correction.rules.relocation import RelocationRules, handover_due
from correction.rules.sanctions import RANK
from correction.services.inspection_window import Candidate, Window, when, within

LOCATION = {AlertType.out_of_bounds: "out_of_bounds_alert", AlertType.missed_checkin: "missed_checkin_alert"}
_GIVEN = sa.case({kind: RANK[kind.value] for kind in SanctionKind}, value=Sanction.kind, else_=0)


def _handling(row, window: Window) -> str:
    """How an alert stood at `until`: resolved with what, contested, answered."""
    resolved = window.seen(row.resolved_at)
    text = (f"处理：{lists.DISPOSITION_NAMES[row.disposition]}（{lists.quote(row.resolution_note)}）" if resolved
            else f"至{window.cutoff_text}未处理")
    if window.seen(row.contested_at):
        text += f"；申辩：{lists.quote(row.contest_explanation)}"
        answered = window.seen(row.contest_answered_at)
        text += f"；答复：{lists.quote(row.contest_answer)}" if answered else "；申辩未答复"
    return text


def alerts(window: Window, counties: Sequence[int] | None, rules) -> list[Candidate]:
    """Out-of-bounds and missed check-in alerts opened in the window with their handling; breaches resolved in the
    window with less than the ladder suggested (no 训诫/警告/提请 where one was called for); breaches still
    unresolved `inspection.unresolved_alert_days` after they opened."""
    days = rules["inspection.unresolved_alert_days"]
    given = (sa.select(Sanction.alert_id, sa.func.max(_GIVEN).label("rank"))
             .join(Subject, Subject.id == Sanction.subject_id)
             .where(within(Subject.county_id, counties), Sanction.alert_id.is_not(None),
                    Sanction.decided_at < window.until)
             .group_by(Sanction.alert_id).subquery())
    overdue = window.days_before_until(days)
    rows = db.session.execute(
        sa.select(Alert.id, Alert.subject_id, Subject.county_id, Subject.name, Alert.type, Alert.title,
                  Alert.opened_at, Alert.resolved_at, Alert.disposition, Alert.resolution_note, Alert.suggestion,
                  Alert.contested_at, Alert.contest_explanation, Alert.contest_answered_at, Alert.contest_answer,
                  given.c.rank).join(Subject, Subject.id == Alert.subject_id)
        .outerjoin(given, given.c.alert_id == Alert.id)
        .where(within(Subject.county_id, counties), Alert.opened_at < window.until,
               Alert.type != AlertType.approval_overdue,  # the agency's own lateness: no sanction to give
               sa.or_(sa.and_(Alert.type.in_(tuple(LOCATION)), Alert.opened_at >= window.start),
                      sa.and_(Alert.resolved_at >= window.start, Alert.resolved_at < window.until),
                      sa.and_(Alert.opened_at < overdue,
                              sa.or_(Alert.resolved_at.is_(None), Alert.resolved_at >= window.until)))))
    found = []
    for row in rows:
        reasons, headline = [], f"{row.title}（{when(row.opened_at)}）"
        if row.type in LOCATION and row.opened_at >= window.start:
            reasons.append((LOCATION[row.type], f"{headline}；{_handling(row, window)}"))
        resolved = window.seen(row.resolved_at)
        suggested = lists.quote(row.suggestion["text"], 60) if row.suggestion else None  # None: not a breach
        if suggested and resolved and resolved >= window.start and (row.rank or 0) < RANK[row.suggestion["code"]]:
            reasons.append(("sanction_missing",
                            f"违规未依规处理：{headline}；{suggested}；实际{_handling(row, window)}"))
        elif suggested and resolved is None and row.opened_at < overdue:
            reasons.append(("alert_unresolved", f"违规告警逾期未处理：{headline}，至{window.cutoff_text}已"
                                                f"{(window.until - row.opened_at).days}天未处理（{suggested}）"))
        if reasons:
            evidence = [lists.alert(row.id, headline), lists.subject_file(row.subject_id, row.name)]
            found += [Candidate(row.county_id, row.subject_id, code, reason, evidence, (row.opened_at, row.id))
                      for code, reason in reasons]
    return found


def report_ins(window: Window, counties: Sequence[int] | None, rules) -> list[Candidate]:
    """Report-in (报到) after its deadline: recorded in the window from the subject's history, or still missing at
    the cutoff."""
    event = SubjectEvent
    late = db.session.execute(
        sa.select(event.id, event.subject_id, event.effective_on, Subject.county_id, Subject.name,
                  Subject.report_in_due).join(Subject, Subject.id == event.subject_id)
        .where(event.kind == EventKind.report_in, event.from_value == SubjectStatus.awaiting_report.value,
               event.effective_on >= window.first_day, event.effective_on <= window.cutoff,
               event.effective_on > Subject.report_in_due, event.recorded_at < window.until,
               within(Subject.county_id, counties)))
    found = [Candidate(row.county_id, row.subject_id, "report_in_late",
                       f"逾期报到：应于{row.report_in_due}前报到，{row.effective_on}报到，逾期"
                       f"{(row.effective_on - row.report_in_due).days}天",
                       [lists.subject_history(row.subject_id, f"报到记录：{row.effective_on}"),
                        lists.subject_file(row.subject_id, row.name)], (row.effective_on, row.id))
             for row in late]
    missing = db.session.execute(
        sa.select(Subject.id, Subject.county_id, Subject.name, Subject.report_in_due).where(
            within(Subject.county_id, counties), Subject.report_in_due < window.cutoff,
            Subject.effective_date <= window.cutoff,
            sa.or_(Subject.reported_in_on.is_(None), Subject.reported_in_on > window.cutoff),
            sa.or_(Subject.ended_on.is_(None), Subject.ended_on > window.cutoff)))
    found += [Candidate(row.county_id, row.id, "report_in_late",
                        f"逾期未报到：应于{row.report_in_due}前报到，至{window.cutoff_text}仍未报到，逾期"
                        f"{(window.cutoff - row.report_in_due).days}天",
                        [lists.subject_file(row.id, row.name)], (row.report_in_due, row.id))
              for row in missing]
    return found


def out_of_contact(window: Window, counties: Sequence[int] | None, rules) -> list[Candidate]:
    """疑似脱管 at the cutoff: out-of-bounds or missed check-in alerts unresolved for more than
    `inspection.out_of_contact_days`, or a subject with a bound mini-program and no fix for that long."""
    days = rules["inspection.out_of_contact_days"]
    since = window.days_before_until(days)
    fix = sa.select(CheckIn.id).where(CheckIn.subject_id == Subject.id, CheckIn.captured_at >= since,
                                      CheckIn.captured_at < window.until)
    last_fix = sa.select(sa.func.max(CheckIn.captured_at)).where(
        CheckIn.subject_id == Subject.id, CheckIn.captured_at < window.until).scalar_subquery()
    silent = db.session.execute(
        sa.select(Subject.id, Subject.county_id, Subject.name, last_fix.label("last_fix"))
        .join(SuperviseeAccount, SuperviseeAccount.subject_id == Subject.id)
        .where(within(Subject.county_id, counties), SuperviseeAccount.bound_at < since,
               Subject.reported_in_on <= window.cutoff,
               sa.or_(Subject.ended_on.is_(None), Subject.ended_on > window.cutoff), ~fix.exists()))
    unresolved = db.session.execute(
        sa.select(Alert.id, Alert.subject_id, Alert.title, Alert.opened_at, Subject.county_id, Subject.name)
        .join(Subject, Subject.id == Alert.subject_id)
        .where(within(Subject.county_id, counties), Alert.type.in_(tuple(LOCATION)), Alert.opened_at < since,
               sa.or_(Alert.resolved_at.is_(None), Alert.resolved_at >= window.until))
        .order_by(Alert.opened_at, Alert.id))
    who: dict[int, dict] = {}
    for row in unresolved:
        entry = who.setdefault(row.subject_id, {"county_id": row.county_id, "name": row.name, "alerts": []})
        entry["alerts"].append(row)
    for row in silent:
        who.setdefault(row.id, {"county_id": row.county_id, "name": row.name, "alerts": []})["last_fix"] = (
            row.last_fix or False)
    found = []
    for subject_id, entry in who.items():
        parts, evidence = [], [lists.alert(a.id, f"{a.title}（{when(a.opened_at)}）") for a in entry["alerts"]]
        if entry["alerts"]:
            parts.append(f"{len(entry['alerts'])}条越界或未签到告警超过{days}天未处理（最早"
                         f"{when(entry['alerts'][0].opened_at)}）")
        if "last_fix" in entry:
            last = entry["last_fix"]
            parts.append(f"超过{days}天无定位信息（最后定位{when(last)}）" if last else "绑定小程序后从未定位")
            evidence.append(lists.checkins(subject_id, "定位记录"))
        found.append(Candidate(entry["county_id"], subject_id, "out_of_contact", "疑似脱管：" + "；".join(parts),
                               [*evidence, lists.subject_file(subject_id, entry["name"])], (subject_id,)))
    return found


def releases(window: Window, counties: Sequence[int] | None, rules) -> list[Candidate]:
    """解除 later than the term's end by more than `inspection.late_release_days`: an expiry release dated or
    recorded late in the window, or a file still open at the cutoff whose term has ended."""
    grace = rules["inspection.late_release_days"]
    event = SubjectEvent
    recorded = db.session.execute(
        sa.select(event.id, event.subject_id, event.effective_on, event.recorded_at, Subject.county_id,
                  Subject.name, Subject.term_end).join(Subject, Subject.id == event.subject_id)
        .where(event.kind == EventKind.release, Subject.end_type == ReleaseType.expiry,
               event.recorded_at < window.until, within(Subject.county_id, counties),
               sa.or_(sa.and_(event.effective_on >= window.first_day, event.effective_on <= window.cutoff),
                      event.recorded_at >= window.start)))
    found = []
    for row in recorded:
        done = max(row.effective_on, local_date(row.recorded_at))
        if (done - row.term_end).days <= grace:
            continue
        how = (f"{row.effective_on}解除" if done == row.effective_on
               else f"解除日期{row.effective_on}，{done}才办理解除手续")
        found.append(Candidate(row.county_id, row.subject_id, "release_late",
                               f"未按期解除矫正：矫正期{row.term_end}届满，{how}，迟{(done - row.term_end).days}天",
                               [lists.subject_history(row.subject_id, f"解除记录：{row.effective_on}"),
                                lists.subject_file(row.subject_id, row.name)], (row.term_end, row.id)))
    still_open = db.session.execute(
        sa.select(Subject.id, Subject.county_id, Subject.name, Subject.term_end).where(
            within(Subject.county_id, counties), Subject.term_end < window.cutoff - timedelta(days=grace),
            Subject.effective_date <= window.cutoff,
            sa.or_(Subject.ended_on.is_(None), Subject.ended_on > window.cutoff)))
    found += [Candidate(row.county_id, row.id, "release_late",
                        f"未按期解除矫正：矫正期{row.term_end}届满，至{window.cutoff_text}尚未解除，已逾"
                        f"{(window.cutoff - row.term_end).days}天",
                        [lists.subject_file(row.id, row.name)], (row.term_end, row.id))
              for row in still_open]
    return found


def relocations(window: Window, counties: Sequence[int] | None, rules) -> list[Candidate]:
    """变更执行地 decided by the county (its agency's approval step, whichever county holds the file now): files
    handed over late, or the subject reporting to the new agency late, where the lateness falls in the window."""
    limits = RelocationRules.from_table(rules)
    request = RelocationRequest
    rows = db.session.execute(
        sa.select(request.id, request.subject_id, request.decided_at, request.handed_over_on, request.report_due,
                  request.reported_on, Subject.name, Subject.ended_on, ApprovalStep.unit_id.label("county_id"))
        .select_from(ApprovalStep).join(request, request.id == ApprovalStep.relocation_id)
        .join(Subject, Subject.id == request.subject_id)
        .where(ApprovalStep.step == "approved", ApprovalStep.at < window.until,
               within(ApprovalStep.unit_id, counties),
               sa.or_(request.handed_over_on.is_(None), request.handed_over_on >= window.first_day,
                      request.reported_on.is_(None), request.reported_on >= window.first_day)))
    found = []
    for row in rows:
        decided_on = local_date(row.decided_at)
        steps = (("relocation_handover_late", handover_due(limits, decided_on), row.handed_over_on,
                  f"变更执行地逾期移交：{decided_on}批准，应于{{due}}前移交档案，{{how}}"),
                 ("relocation_report_late", row.report_due, row.reported_on,
                  "变更执行地后逾期报到：应于{due}前到新执行地报到，{how}"))
        for code, due, day, text in steps:
            done = window.seen_day(day)
            if due >= window.cutoff or (done is not None and (done <= due or done < window.first_day)):
                continue
            if done is None and row.ended_on is not None and row.ended_on < window.first_day:
                continue  # the file closed before the quarter (death, custody): nothing more was owed
            how = (f"{done}完成，逾期{(done - due).days}天" if done
                   else f"至{window.cutoff_text}仍未完成，逾期{(window.cutoff - due).days}天")
            found.append(Candidate(row.county_id, row.subject_id, code, text.format(due=due, how=how),
                                   [lists.relocation_request(row.id, f"变更执行地申请（{decided_on}批准）"),
                                    lists.subject_file(row.subject_id, row.name)], (due, row.id)))
    return found
