"""随机点验: a request for a location fix within a response window, drawn at random each day (for the scheduler)
or asked by an officer. A check-in received within the window answers it (`services.checkins`); a window that
closes unanswered becomes a `missed_spot_check` signal."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import db, transaction
from correction.errors import Conflict, InvalidTransition
from correction.models import (
    ACTIVE_STATUSES, LocationSignal, SignalKind, SpotCheck, SpotCheckStatus, Subject, SubjectStatus,
    SuperviseeAccount, User,
)
from correction.rules.location import draw_spot_checks as draw
from correction.services import signals
from correction.services.accounts import supervisee_subject
from correction.services.scope import require_officer, visible_subject
from correction.services.subjects import serialize_on


def _open(subject_id: int, as_of: datetime):
    return sa.and_(SpotCheck.subject_id == subject_id, SpotCheck.status == SpotCheckStatus.pending,
                   SpotCheck.requested_at <= as_of, SpotCheck.respond_by >= as_of)


def request_spot_check(actor: User, subject_id: int, *, as_of: datetime) -> SpotCheck:
    """An officer asks the subject for a fix now, within the rule's response window.

    :raises NotFound: missing or outside the officer's scope.
    :raises InvalidTransition: the file is closed.
    :raises Conflict: a spot check of the subject is still open.
    """
    require_officer(actor)
    minutes = components().rules["location.spot_check.response_minutes"]
    with transaction():
        subject = visible_subject(actor, subject_id)
        if subject.status not in ACTIVE_STATUSES:
            raise InvalidTransition("subject_closed", "矫正已解除或终止，不能点验。")
        if db.session.scalar(sa.select(SpotCheck.id).where(_open(subject.id, as_of))):
            raise Conflict("spot_check_open", "该对象尚有未完成的点验。")
        serialize_on(subject)  # two officers at once: one spot check, the other gets 409
        spot_check = SpotCheck(subject_id=subject.id, requested_at=as_of, respond_by=as_of + timedelta(
            minutes=minutes), requested_by_id=actor.id, status=SpotCheckStatus.pending)
        db.session.add(spot_check)
    return spot_check


def my_spot_checks(user: User, as_of: datetime) -> list[SpotCheck]:
    """The supervisee's spot checks open now, the earliest deadline first."""
    subject = supervisee_subject(user)
    return list(db.session.scalars(sa.select(SpotCheck).where(_open(subject.id, as_of))
                                   .order_by(SpotCheck.respond_by, SpotCheck.id)))


def draw_spot_checks(as_of: datetime) -> list[SpotCheck]:
    """The day's random draw among subjects under correction with a bound mini-program (the others cannot
    answer), reproducible from the day; a second run on the same day draws nothing. A time drawn before `as_of`
    (a late run) is moved to `as_of`, so every subject has the whole response window.
    """
    rules = components().rules["location.spot_check"]
    day = local_date(as_of)
    with transaction():
        if db.session.scalar(sa.select(SpotCheck.id).where(SpotCheck.draw_key.like(f"{day.isoformat()}:%"))
                             .limit(1)):
            return []
        eligible = db.session.scalars(sa.select(Subject.id).join(
            SuperviseeAccount, SuperviseeAccount.subject_id == Subject.id).where(
            Subject.status == SubjectStatus.under_correction)).all()
        drawn = []
        for pick in draw(eligible, day, rules["daily_share"], rules["hours"]):
            requested_at = max(pick.requested_at, as_of)
            drawn.append(SpotCheck(subject_id=pick.subject_id, requested_at=requested_at,
                                   respond_by=requested_at + timedelta(minutes=rules["response_minutes"]),
                                   status=SpotCheckStatus.pending, draw_key=f"{day.isoformat()}:{pick.subject_id}"))
        db.session.add_all(drawn)
    return drawn


def expire_spot_checks(as_of: datetime) -> list[LocationSignal]:
    """未点验: spot checks whose window closed before `as_of` without a fix become missed, each with a
    `missed_spot_check` signal, in one conditional UPDATE (a fix answering at the same moment wins or loses
    cleanly); a second run changes nothing. Returns the new signals."""
    with transaction():
        missed = db.session.execute(sa.update(SpotCheck).where(
            SpotCheck.status == SpotCheckStatus.pending, SpotCheck.respond_by < as_of)
            .values(status=SpotCheckStatus.missed)
            .returning(SpotCheck.id, SpotCheck.subject_id, SpotCheck.requested_at, SpotCheck.respond_by,
                       SpotCheck.draw_key, SpotCheck.requested_by_id)
            .execution_options(synchronize_session=False)).all()
        added = signals.add_new([LocationSignal(
            subject_id=row.subject_id, kind=SignalKind.missed_spot_check, detected_at=as_of, spot_check_id=row.id,
            dedupe_key=f"spot:{row.id}", evidence={
                "spot_check_id": row.id, "requested_at": row.requested_at.isoformat(),
                "respond_by": row.respond_by.isoformat(), "drawn": row.draw_key is not None,
                "requested_by_id": row.requested_by_id}) for row in sorted(missed, key=lambda r: r.id)])
    return added
