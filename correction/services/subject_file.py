"""The officer's and inspector's view of one subject's file: the record, what is owed, the latest reports, trips,
alerts and fixes, and the jurisdiction fence the fixes were judged against (for the console's plot)."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

from correction.components import components
from correction.db import db
from correction.models import Alert, CheckIn, LeaveRequest, Report, Subject, User
from correction.services import fencing
from correction.services.reports import Obligation, obligations_of
from correction.services.scope import read_subject

RECENT = 10  # reports, trips and alerts listed on the file
RECENT_FIXES = 50  # fixes drawn on the plot


@dataclass(frozen=True)
class Fence:
    """The fence a subject's fixes are judged against, in WGS-84: the county polygon, else the home circle."""

    kind: str  # fencing.COUNTY or fencing.HOME
    geometry: BaseGeometry


@dataclass(frozen=True)
class SubjectFile:
    subject: Subject
    obligations: list[Obligation]
    reports: list[Report]
    trips: list[LeaveRequest]
    alerts: list[Alert]
    fixes: list[CheckIn]  # latest capture first
    fence: Fence | None
    home: tuple[float, float] | None  # WGS-84 (lat, lng)


def subject_file(actor: User, subject_id: int, as_of: datetime) -> SubjectFile:
    """One subject's file as the console shows it; the read goes into the audit trail.

    :raises NotFound: missing or outside the actor's scope.
    """
    subject = read_subject(actor, subject_id, "file")
    fence, home = _fence_of(subject)
    return SubjectFile(
        subject=subject,
        obligations=obligations_of(subject, as_of),
        reports=_latest(Report, subject.id, Report.submitted_at, RECENT),
        trips=_latest(LeaveRequest, subject.id, LeaveRequest.submitted_at, RECENT),
        alerts=_latest(Alert, subject.id, Alert.opened_at, RECENT),
        fixes=_latest(CheckIn, subject.id, CheckIn.captured_at, RECENT_FIXES),
        fence=fence, home=home)


def _latest(model, subject_id: int, instant, limit: int) -> list:
    return list(db.session.scalars(sa.select(model).where(model.subject_id == subject_id)
                                   .order_by(instant.desc(), model.id.desc()).limit(limit)))


def _fence_of(subject: Subject) -> tuple[Fence | None, tuple[float, float] | None]:
    """The jurisdiction fence exactly as check-ins use it (services/checkins.py), and home in WGS-84."""
    home_fence, home = (fencing.home_fence(subject.home_lat, subject.home_lng, subject.home_coord_type,
                                           components().rules["location"]["home_radius_m"])
                        if subject.home_lat is not None else (None, None))
    county = fencing.county_fence(subject.county_id)
    if county is not None:
        return Fence(fencing.COUNTY, county.geometry), home
    if home_fence is not None:
        return Fence(fencing.HOME, home_fence.geometry), home
    return None, home
