"""What people do with alerts (告警): officers read, acknowledge (签收) and resolve them, recording 训诫、警告 or a
revocation proposal as a sanction; the supervisee contests one (申辩) with an explanation and photos, and an
officer answers the contest. A contested alert takes no sanction until the contest is answered.

Every step is a conditional UPDATE on the alert's version (`claim`): of two officers acting at once, one wins and
the other gets 409. Alerts follow the subject's file like every other record (`subject_filter`), so another unit's
alert is a 404.
"""

from datetime import datetime

import sqlalchemy as sa

from correction.db import claim, db, transaction
from correction.errors import InvalidTransition, NotFound, RuleViolation
from correction.models import (
    Alert, AlertStatus, AlertType, Category, Disposition, Sanction, SanctionKind, Subject, Upload, User,
)
from correction.services.accounts import supervisee_subject
from correction.services.alerts import TOLD_SUPERVISEE, UNRESOLVED, is_breach, officer_ids, resuggest, tell_supervisee
from correction.services.notify import notify
from correction.services.paging import Page, page_of
from correction.services.scope import read_record, require_officer, subject_filter
from correction.services.uploads import attach_to_alert

CHANGED = ("alert_changed", "该告警已被他人处理，请刷新后重试。")
NOT_FOUND = ("alert_not_found", "告警不存在。")
_SANCTION_OF = {Disposition.admonition: SanctionKind.admonition, Disposition.warning: SanctionKind.warning}
_NAMES = {Disposition.admonition: "训诫", Disposition.warning: "警告"}


def list_alerts(actor: User, page: int, per_page: int, status: AlertStatus | None = None,
                type: AlertType | None = None, subject_id: int | None = None) -> Page:
    """Alerts of the subjects in the actor's scope, newest first.

    :raises Forbidden: the role reads no subject files.
    """
    stmt = sa.select(Alert).join(Subject, Subject.id == Alert.subject_id).where(subject_filter(actor))
    if status is not None:
        stmt = stmt.where(Alert.status == status)
    if type is not None:
        stmt = stmt.where(Alert.type == type)
    if subject_id is not None:
        stmt = stmt.where(Alert.subject_id == subject_id)
    return page_of(stmt.order_by(Alert.opened_at.desc(), Alert.id.desc()), page, per_page)


def get_alert(actor: User, alert_id: int) -> Alert:
    """:raises NotFound: missing or outside the actor's scope."""
    return read_record(actor, Alert, alert_id, NOT_FOUND, "alert")


def attachment_ids(alert: Alert) -> list[int]:
    """The uploads the supervisee sent with their contest."""
    return list(db.session.scalars(sa.select(Upload.id).where(Upload.alert_id == alert.id).order_by(Upload.id)))


def acknowledge(actor: User, alert_id: int, *, as_of: datetime) -> Alert:
    """签收: an officer has seen the alert and is looking into it.

    :raises NotFound: missing or outside the officer's scope.
    :raises InvalidTransition: acknowledged or resolved already.
    :raises Conflict: another officer acted on it at the same moment.
    """
    require_officer(actor)
    with transaction():
        alert = get_alert(actor, alert_id)
        if alert.status != AlertStatus.open:
            raise InvalidTransition("not_open", "该告警已签收或已处理。")
        claim(alert, (AlertStatus.open,), CHANGED, status=AlertStatus.acknowledged, acknowledged_at=as_of,
              acknowledged_by_id=actor.id)
    return alert


def resolve(actor: User, alert_id: int, *, as_of: datetime, disposition: Disposition, note: str,
            propose_revocation: bool = False) -> Alert:
    """Close the alert with a decision: excused (不予处理), 训诫, 警告 or other; `propose_revocation` (with `other`)
    records a proposal to revoke 缓刑/假释 or to 收监执行. 训诫、警告 and proposals are sanctions: recorded, counted
    by the ladder and announced to the supervisee.

    :raises NotFound: missing or outside the officer's scope.
    :raises RuleViolation: a sanction on the agency's own lateness, a proposal with another disposition or for 管制.
    :raises InvalidTransition: resolved already, or a sanction while the supervisee's contest is unanswered.
    :raises Conflict: another officer acted on it at the same moment.
    """
    require_officer(actor)
    with transaction():
        alert = get_alert(actor, alert_id)
        kinds = [_SANCTION_OF[disposition]] if disposition in _SANCTION_OF else []
        if propose_revocation:
            if disposition != Disposition.other:
                raise RuleViolation.on("propose_revocation", "提请撤销或收监时，处理结果应为“其他”。")
            if alert.subject.category == Category.control:
                raise RuleViolation.on("propose_revocation", "管制对象不适用撤销缓刑、假释或收监执行。")
            kinds.append(SanctionKind.revocation_proposal)
        if alert.status == AlertStatus.resolved:
            raise InvalidTransition("already_resolved", "该告警已处理。")
        if kinds and not is_breach(alert.type, alert.evidence):
            raise RuleViolation.on("disposition", "该告警是对机关工作的提醒，不能据此处分矫正对象。", "not_a_breach")
        if kinds and alert.contested_at is not None and alert.contest_answered_at is None:
            raise InvalidTransition("contest_unanswered",
                                    "矫正对象已提出申辩，须先答复申辩，才能作出训诫、警告或提请撤销。")
        claim(alert, UNRESOLVED, CHANGED, status=AlertStatus.resolved, resolved_at=as_of, resolved_by_id=actor.id,
              disposition=disposition, resolution_note=note)
        for kind in kinds:
            db.session.add(Sanction(subject_id=alert.subject_id, kind=kind, alert_id=alert.id, decided_at=as_of,
                                    decided_by_id=actor.id, note=note))
        if kinds:
            db.session.flush()
            resuggest(alert.subject_id, as_of)
        if disposition in _SANCTION_OF:  # announced to the supervisee; a proposal is the court's to serve
            name = _NAMES[disposition]
            tell_supervisee(alert, f"处理决定：{name}", f"因“{alert.title}”，决定给予{name}。", as_of)
    return alert


def contest(user: User, alert_id: int, *, as_of: datetime, explanation: str, attachments: list[int] = ()) -> Alert:
    """申辩: the supervisee explains an alert (a dead phone, a hospital visit), with photos uploaded before; once,
    before it is resolved. The officers are told.

    :raises Unauthorized: the user is not a bound supervisee.
    :raises NotFound: not one of the supervisee's alerts.
    :raises InvalidTransition: resolved or contested already.
    :raises RuleViolation: an attachment that is not an unattached upload of theirs.
    """
    with transaction():
        subject = supervisee_subject(user)
        alert = _own(subject, alert_id)
        if alert.status == AlertStatus.resolved:
            raise InvalidTransition("already_resolved", "该告警已处理，不能再申辩。")
        if alert.contested_at is not None:
            raise InvalidTransition("already_contested", "已对该告警提出过申辩。")
        claim(alert, UNRESOLVED, CHANGED, Alert.contested_at.is_(None), contested_at=as_of,
              contest_explanation=explanation)
        attach_to_alert(subject, alert.id, attachments)
        notify(officer_ids(subject, alert.type, alert.evidence), kind="alert", title=f"{subject.name}：对告警提出申辩",
               body=f"“{alert.title}”：{explanation}", as_of=as_of, link=f"/alerts/{alert.id}", alert_id=alert.id,
               data={"alert_id": alert.id, "type": alert.type.value, "subject_id": subject.id})
    return alert


def answer_contest(actor: User, alert_id: int, *, as_of: datetime, answer: str) -> Alert:
    """An officer answers the supervisee's contest (at any status: the inspection list shows the answers); the
    supervisee is told.

    :raises NotFound: missing or outside the officer's scope.
    :raises InvalidTransition: not contested, or answered already.
    :raises Conflict: another officer acted on it at the same moment.
    """
    require_officer(actor)
    with transaction():
        alert = get_alert(actor, alert_id)
        if alert.contested_at is None:
            raise InvalidTransition("not_contested", "矫正对象未对该告警提出申辩。")
        if alert.contest_answered_at is not None:
            raise InvalidTransition("contest_answered", "该申辩已答复。")
        claim(alert, tuple(AlertStatus), CHANGED, Alert.contest_answered_at.is_(None), contest_answered_at=as_of,
              contest_answered_by_id=actor.id, contest_answer=answer)
        tell_supervisee(alert, "申辩已答复", f"“{alert.title}”：{answer}", as_of)
    return alert


def _told(subject_id: int) -> sa.ColumnElement[bool]:
    """The supervisee's alerts they were told of: the types they hear of, and any that brought a sanction."""
    return sa.and_(Alert.subject_id == subject_id, sa.or_(Alert.type.in_(TOLD_SUPERVISEE),
                                                          Alert.disposition.in_(tuple(_SANCTION_OF))))


def _own(subject: Subject, alert_id: int) -> Alert:
    alert = db.session.scalar(sa.select(Alert).where(Alert.id == alert_id, _told(subject.id)))
    if alert is None:
        raise NotFound(*NOT_FOUND)
    return alert


def own_alerts(user: User, page: int, per_page: int) -> Page:
    """The supervisee's alerts, newest first.

    :raises Unauthorized: the user is not a bound supervisee.
    """
    subject = supervisee_subject(user)
    return page_of(sa.select(Alert).where(_told(subject.id)).order_by(Alert.opened_at.desc(), Alert.id.desc()),
                   page, per_page)


def own_alert(user: User, alert_id: int) -> Alert:
    """:raises NotFound: not one of the supervisee's alerts."""
    return _own(supervisee_subject(user), alert_id)
