"""Alerts (告警) opened by the scheduler's jobs: once per dedupe key, with the office of the subject at opening, the
sanction ladder's suggestion and inbox notifications, all in the caller's transaction. Officers and supervisees act
on them in `alert_actions`.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from correction.db import db, transaction, upsert
from correction.models import Alert, AlertStatus, AlertType, Role, Subject, SuperviseeAccount, User
from correction.rules.sanctions import climbs
from correction.services.notify import notify, officers_of
from correction.services.sanctions import lookback_start, sanction_rules, sanctions_since, suggestion_for

# The supervisee hears of (and may contest) the breaches they can put right. Never of suspected spoofing (being
# checked), nor of the agency's own lateness (审批超时、变更执行地 steps).
TOLD_SUPERVISEE = frozenset({AlertType.not_reported_in, AlertType.report_overdue, AlertType.hours_behind,
                             AlertType.out_of_bounds, AlertType.late_return, AlertType.missed_checkin})
UNRESOLVED = (AlertStatus.open, AlertStatus.acknowledged)
_CHUNK = 500  # keys per IN list: far below SQLite's bound-parameter limit


@dataclass(frozen=True)
class Candidate:
    """An alert a job would open: about whom, what, once per `dedupe_key`, a Chinese title and the evidence (JSON
    values only; `absent_days` for absences, which the ladder reads)."""

    subject_id: int
    type: AlertType
    dedupe_key: str
    title: str
    evidence: dict


def is_breach(alert_type: AlertType, evidence: dict) -> bool:
    """True when the alert is about the subject's conduct (a sanction may follow); False for the agency's own
    lateness: a fast-track decision overdue, or a 变更执行地 step the agencies owe."""
    if alert_type == AlertType.approval_overdue:
        return False
    return alert_type != AlertType.relocation_overdue or evidence.get("step") == "report_in"


def open_alert(subject: Subject, type: AlertType, *, dedupe_key: str, title: str, evidence: dict,
               as_of: datetime) -> Alert | None:
    """Open one alert unless its dedupe key was opened before (then None); see `open_alerts`."""
    opened = open_alerts([Candidate(subject.id, type, dedupe_key, title, evidence)], as_of)
    return opened[0] if opened else None


def open_alerts(candidates: Sequence[Candidate], as_of: datetime) -> list[Alert]:
    """Open the candidates whose dedupe key is new, each with the office of its subject now and the ladder's
    suggestion, and notify the responsible officers (and the supervisee, for TOLD_SUPERVISEE), in the caller's
    transaction (or in one of its own, committed, when called outside any). Known keys are skipped with one query
    per chunk; a twin inserted at the same moment by another process is skipped by INSERT … ON CONFLICT DO NOTHING.
    Returns the alerts opened."""
    with transaction():
        unique = list({c.dedupe_key: c for c in candidates}.values())
        known = {key for chunk in _chunks([c.dedupe_key for c in unique])
                 for key in db.session.scalars(sa.select(Alert.dedupe_key).where(Alert.dedupe_key.in_(chunk)))}
        fresh = [c for c in unique if c.dedupe_key not in known]
        context = _Context({c.subject_id for c in fresh}, as_of)
        opened = []
        for candidate in fresh:
            subject = context.subjects[candidate.subject_id]
            alert = _insert_new(dict(
                subject_id=subject.id, office_id=subject.office_id, type=candidate.type, status=AlertStatus.open,
                dedupe_key=candidate.dedupe_key, title=candidate.title, evidence=candidate.evidence,
                suggestion=context.suggestion(subject, candidate.type, candidate.evidence), opened_at=as_of))
            if alert is not None:
                _announce(alert, subject, context.supervisees.get(subject.id), as_of)
                opened.append(alert)
    return opened


def resuggest(subject_id: int, as_of: datetime) -> None:
    """After a sanction is decided, the subject's other unresolved alerts suggest from the new counts (plain
    UPDATEs without the version, like `refresh_open`)."""
    context = _Context({subject_id}, as_of)
    subject = context.subjects[subject_id]
    for alert_id, alert_type, evidence, before in db.session.execute(
            sa.select(Alert.id, Alert.type, Alert.evidence, Alert.suggestion)
            .where(Alert.subject_id == subject_id, Alert.status.in_(UNRESOLVED))):
        suggestion = context.suggestion(subject, alert_type, evidence)
        if suggestion != before:
            db.session.execute(sa.update(Alert).where(Alert.id == alert_id).values(suggestion=suggestion)
                               .execution_options(synchronize_session=False))


def refresh_open(candidates: Sequence[Candidate], as_of: datetime) -> int:
    """An absence (未报到、未按时销假) grows after its alert opened: bring the evidence and the ladder's suggestion of
    unresolved alerts up to date, and tell the officers once per rung the suggestion climbs. Plain UPDATEs without
    the version, so an officer acting on the alert at that moment is not refused. Returns how many changed."""
    by_key = {c.dedupe_key: c for c in candidates}
    with transaction():
        rows = [row for chunk in _chunks(list(by_key)) for row in db.session.execute(
            sa.select(Alert.id, Alert.subject_id, Alert.type, Alert.dedupe_key, Alert.evidence, Alert.suggestion)
            .where(Alert.dedupe_key.in_(chunk), Alert.status.in_(UNRESOLVED)))]
        changed = [row for row in rows if row.evidence != by_key[row.dedupe_key].evidence]
        context = _Context({row.subject_id for row in changed}, as_of)
        for row in changed:
            subject, evidence = context.subjects[row.subject_id], by_key[row.dedupe_key].evidence
            suggestion = context.suggestion(subject, row.type, evidence)
            db.session.execute(sa.update(Alert).where(Alert.id == row.id).values(
                evidence=evidence, suggestion=suggestion).execution_options(synchronize_session=False))
            if climbs(row.suggestion, suggestion):
                notify(officer_ids(subject, row.type, evidence), kind="alert", title=f"{subject.name}：处理建议升级",
                       body=suggestion["text"], as_of=as_of, link=f"/alerts/{row.id}", alert_id=row.id,
                       data={"alert_id": row.id, "suggestion": suggestion["code"]},
                       dedupe_key=f"alert:{row.id}:{suggestion['code']}")
    return len(changed)


class _Context:
    """What opening or refreshing alerts of some subjects needs, read once: the subjects, their sanctions within
    the lookback and their mini-program users."""

    def __init__(self, subject_ids: set[int], as_of: datetime):
        self.rules = sanction_rules()
        ids = list(subject_ids)
        self.subjects = {s.id: s for chunk in _chunks(ids)
                         for s in db.session.scalars(sa.select(Subject).where(Subject.id.in_(chunk)))}
        self.counts = sanctions_since(ids, lookback_start(self.rules, as_of), as_of)
        self.supervisees = dict(row for chunk in _chunks(ids) for row in db.session.execute(
            sa.select(SuperviseeAccount.subject_id, SuperviseeAccount.user_id).join(User).where(
                SuperviseeAccount.subject_id.in_(chunk), User.is_active.is_(True))))

    def suggestion(self, subject: Subject, alert_type: AlertType, evidence: dict) -> dict | None:
        if not is_breach(alert_type, evidence):
            return None
        return suggestion_for(self.rules, subject.category, self.counts.get(subject.id),
                              evidence.get("absent_days", 0)).as_dict()


def _chunks(items: list) -> Iterator[list]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _insert_new(values: dict) -> Alert | None:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING: the new alert, or None when the key exists."""
    stmt = upsert(Alert).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return db.session.scalars(stmt.returning(Alert)).first()


def officer_ids(subject: Subject, alert_type: AlertType, evidence: dict) -> list[int]:
    """Who answers for an alert: the subject's officers; for the agency's own lateness also the county agency's."""
    ids = list(officers_of(subject))
    if not is_breach(alert_type, evidence):
        ids += db.session.scalars(sa.select(User.id).where(
            User.unit_id == subject.county_id, User.role == Role.officer, User.is_active.is_(True)))
    return list(dict.fromkeys(ids))


def _announce(alert: Alert, subject: Subject, supervisee_id: int | None, as_of: datetime) -> None:
    data = {"alert_id": alert.id, "type": alert.type.value, "subject_id": subject.id}
    notify(officer_ids(subject, alert.type, alert.evidence), kind="alert", title=f"{subject.name}：{alert.title}",
           body=alert.suggestion["text"] if alert.suggestion else "请及时核实处理。", as_of=as_of,
           link=f"/alerts/{alert.id}", data=data, alert_id=alert.id)
    if supervisee_id is not None and alert.type in TOLD_SUPERVISEE:
        notify([supervisee_id], kind="alert", title=alert.title, as_of=as_of, link=f"/me/alerts/{alert.id}",
               body="请尽快按规定改正；如有正当理由，可在小程序“我的告警”中提出申辩。", data=data, alert_id=alert.id)


def tell_supervisee(alert: Alert, title: str, body: str, as_of: datetime) -> None:
    """An inbox message about the alert to the subject's mini-program user, if bound."""
    user_id = db.session.scalar(sa.select(SuperviseeAccount.user_id).where(
        SuperviseeAccount.subject_id == alert.subject_id))
    if user_id is not None:
        notify([user_id], kind="alert", title=title, body=body, as_of=as_of, link=f"/me/alerts/{alert.id}",
               data={"alert_id": alert.id, "type": alert.type.value}, alert_id=alert.id)
