"""Investigations beyond the single case: deadline reminders for the scheduler, the period's figures for the
statistics (count, on-time share, adoption rate) and the list as a table for the yearly report."""

from datetime import date, datetime

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import db, transaction
from correction.models import Investigation, InvestigationStatus, Role, User
from correction.services.inspections import Export
from correction.services.investigations import LINK, OPEN, unit_officers, investigation_filter
from correction.services.notify import notify

COMMISSIONERS = {"court": "人民法院", "procuratorate": "人民检察院", "police": "公安机关", "prison": "监狱"}
CATEGORIES = {"control": "管制", "probation": "缓刑", "parole": "假释", "temporary_release": "暂予监外执行"}
STATUSES = {"investigating": "调查中", "submitted": "待审批", "sent": "已送达", "closed": "已反馈采纳情况"}
HEADERS = ("序号", "委托机关类别", "委托机关", "委托文号", "被调查人", "身份证号", "罪名", "拟适用矫正类别", "速裁",
           "司法所", "收到委托日期", "办理期限", "延期次数", "状态", "调查评估意见", "送达日期", "是否按期", "是否采纳",
           "采纳情况日期")


def remind_deadlines(as_of: datetime) -> dict[str, int]:
    """Tell whoever holds an open case that its deadline is near (within `investigation.reminder_days`, counted
    like the deadline) or has passed: the office while it investigates, the county agency while the opinion awaits
    approval, both once it is late. Once per case and deadline, by dedupe key, however often the job runs.

    Returns the number of cases reminded for the first time as due soon and as overdue.
    """
    parts = components()
    today, before = local_date(as_of), parts.rules.day_count("investigation.reminder_days")
    counts = {"due_soon": 0, "overdue": 0}
    with transaction():
        cases = db.session.scalars(sa.select(Investigation).where(
            Investigation.status.in_(OPEN), Investigation.due_on <= parts.calendar.add(today, before))
            .order_by(Investigation.id)).all()
        for case in cases:
            holder = case.office_id if case.status == InvestigationStatus.investigating else case.county_id
            if case.due_on < today:
                kind, users = "overdue", unit_officers(case.office_id, case.county_id)
                title = "调查评估已超期"
                body = f"对{case.name}的调查评估已超过期限{case.due_on}，请尽快办结或与委托机关协商延期。"
            elif parts.calendar.subtract(case.due_on, before) <= today:
                kind, users = "due_soon", unit_officers(holder)
                title, body = "调查评估即将到期", f"对{case.name}的调查评估须于{case.due_on}前送达委托机关。"
            else:
                continue
            created = notify(users, kind="reminder", title=title, body=body, as_of=as_of,
                             link=LINK.format(case.id),
                             data={"investigation_id": case.id, "due": case.due_on.isoformat()},
                             dedupe_key=f"investigation_{kind}:{case.id}:{case.due_on}")
            counts[kind] += bool(created)
    return counts


def figures_filter(actor: User) -> sa.ColumnElement[bool]:
    """The investigations an actor's statistics cover (an administrator's: all)."""
    return sa.true() if actor.role == Role.admin else investigation_filter(actor)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def investigation_figures(scope: sa.ColumnElement[bool], first_day: date, last_day: date) -> dict:
    """Commissions received in the period (by commissioning organ, 速裁), opinions sent in it (on time, suitable)
    and outcomes recorded in it (adopted): on-time share = on time / sent, adoption rate = adopted / outcomes."""
    def count(*conditions) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(Investigation).where(scope, *conditions))

    received = sa.and_(Investigation.received_on >= first_day, Investigation.received_on <= last_day)
    sent = sa.and_(Investigation.sent_on >= first_day, Investigation.sent_on <= last_day)
    decided = sa.and_(Investigation.outcome_on >= first_day, Investigation.outcome_on <= last_day)
    by_kind = dict(db.session.execute(sa.select(Investigation.commissioner_kind, sa.func.count()).where(
        scope, received).group_by(Investigation.commissioner_kind)).all())
    n_sent, on_time = count(sent), count(sent, Investigation.sent_on <= Investigation.due_on)
    outcomes, adopted = count(decided), count(decided, Investigation.adopted.is_(True))
    return {
        "received": sum(by_kind.values()),
        "received_by_commissioner": {kind: by_kind.get(kind, 0) for kind in COMMISSIONERS},
        "fast_track": count(received, Investigation.fast_track.is_(True)),
        "sent": n_sent, "sent_on_time": on_time, "on_time_share": _share(on_time, n_sent),
        "suitable": count(sent, Investigation.suitable.is_(True)),
        "unsuitable": count(sent, Investigation.suitable.is_(False)),
        "outcomes": outcomes, "adopted": adopted, "adoption_rate": _share(adopted, outcomes),
        "overdue_at_end": count(Investigation.received_on <= last_day, Investigation.due_on < last_day,
                                sa.or_(Investigation.sent_on.is_(None), Investigation.sent_on > last_day)),
    }


def export_investigations(actor: User, first_day: date, last_day: date) -> Export:
    """The commissions received in the period in the actor's scope, one row each, in order of receipt.

    :raises Forbidden: the role reads no investigations.
    """
    cases = db.session.scalars(sa.select(Investigation).where(
        investigation_filter(actor), Investigation.received_on >= first_day, Investigation.received_on <= last_day)
        .order_by(Investigation.received_on, Investigation.id)).all()
    rows = [_row(n, case) for n, case in enumerate(cases, start=1)]
    return Export(f"调查评估情况{first_day}至{last_day}", f"investigations-{first_day}-{last_day}", "调查评估",
                  HEADERS, rows)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "是" if value else "否"


def _row(n: int, case: Investigation) -> list:
    opinion = "" if case.suitable is None or case.sent_on is None else "适宜" if case.suitable else "不适宜"
    return [n, COMMISSIONERS[case.commissioner_kind], case.commissioner_name, case.commission_number or "",
            case.name, case.id_number_masked, case.charge, CATEGORIES[case.intended_category],
            _yes_no(case.fast_track), case.office.name, case.received_on.isoformat(), case.due_on.isoformat(),
            len(case.extensions), STATUSES[case.status], opinion, case.sent_on.isoformat() if case.sent_on else "",
            _yes_no(case.on_time), _yes_no(case.adopted), case.outcome_on.isoformat() if case.outcome_on else ""]
