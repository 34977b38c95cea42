"""What the county agency sends the procuratorate on a schedule: the monthly list of approved leave
(外出审批情况, domain-rules §8 row 16), as an inbox message to the inspectors of each county's procuratorate with
a link to the list (`GET /leave-requests/monthly?month=`)."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from correction.clock import local_date
from correction.db import db, transaction
from correction.models import Role, Unit, UnitKind, User
from correction.services.leave import approved_in_month
from correction.services.notify import notify


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def send_monthly_leave_lists(as_of: datetime) -> dict[str, int]:
    """For the month before `as_of`, tell each county's inspectors how many trips were approved, once per county
    and month (a second run sends nothing). Counties without a procuratorate inspector are counted, not sent."""
    month = previous_month(local_date(as_of))
    counted = {"counties": 0, "sent": 0, "no_inspector": 0}
    inspectors = sa.select(User.id).join(Unit, Unit.id == User.unit_id).where(
        User.role == Role.inspector, User.is_active.is_(True), Unit.kind == UnitKind.procuratorate)
    with transaction():
        for county in db.session.scalars(sa.select(Unit).where(Unit.kind == UnitKind.county_agency)
                                         .order_by(Unit.id)):
            counted["counties"] += 1
            readers = db.session.scalars(inspectors.where(Unit.supervises_id == county.id)).all()
            if not readers:
                counted["no_inspector"] += 1
                continue
            approved = approved_in_month(county.id, month)
            fast = sum(1 for request in approved if request.fast_track)
            counted["sent"] += len(notify(
                readers, kind="leave_monthly_list", as_of=as_of,
                title=f"{month.year}年{month.month}月外出审批情况",
                body=f"{county.name}{month.year}年{month.month}月批准外出{len(approved)}人次"
                     f"（其中涉企简捷审批{fast}人次），清单见链接。",
                link=f"/api/v1/leave-requests/monthly?month={month:%Y-%m}",
                data={"county_id": county.id, "month": f"{month:%Y-%m}", "approved": len(approved),
                      "fast_track": fast},
                dedupe_key=f"leave_monthly:{county.id}:{month:%Y-%m}"))
    return counted
