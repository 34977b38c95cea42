"""The register beyond the single person: reminders for the scheduler (releases coming up, contacts due by the
category's cadence), the period's figures for the statistics and the register as a table for the yearly report.

The figures are counts only, so they follow the unit like the other statistics (an office's, a county's, the
inspector's county, everything for an administrator); the register's rows stay with the resettlement role."""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from correction.clock import LOCAL_TZ, local_date
from correction.components import components
from correction.db import db, transaction
from correction.errors import Forbidden
from correction.models import (
    AssistanceCategory, AssistanceKind, AssistanceRecord, AssistanceSource, AssistanceStatus, AssistedPerson,
    Handover, RiskNote, Role, UnitKind, User,
)
from correction.rules.resettlement import contact_period
from correction.services.inspections import Export
from correction.services.notify import notify
from correction.services.resettlement import LINK, in_period, register_filter, resettlement_officers

CATEGORIES = {"key": "重点", "general": "一般"}
SOURCES = {"prison_release": "刑满释放", "correction_ended": "解除社区矫正"}
STATUSES = {"awaiting_release": "待释放", "in_assistance": "帮教中", "closed": "已结束"}
HEADERS = ("序号", "姓名", "身份证号", "来源", "类别", "司法所", "原服刑监狱", "预计释放日期", "释放日期", "帮教期至",
           "是否按时衔接", "是否省外", "状态", "联动处置")


def remind(as_of: datetime) -> dict[str, int]:
    """Tell an office's resettlement officers, once each, of a release coming within
    `resettlement.handover_reminder_days` (prepare the handover) and of a person with no contact yet in a contact
    period (重点 monthly, 一般 quarterly by the rule table) that closes within `resettlement.contact_reminder_days`.

    Returns the number of people reminded for the first time, per kind.
    """
    parts = components()
    today = local_date(as_of)
    before = parts.rules.day_count("resettlement.handover_reminder_days")
    counts = {"handover": 0, "contact": 0}
    with transaction():
        releasing = db.session.scalars(sa.select(AssistedPerson).where(
            AssistedPerson.status == AssistanceStatus.awaiting_release, AssistedPerson.expected_release_on >= today,
            AssistedPerson.expected_release_on <= parts.calendar.add(today, before)).order_by(AssistedPerson.id)).all()
        for person in releasing:
            if parts.calendar.subtract(person.expected_release_on, before) <= today:
                counts["handover"] += bool(notify(
                    resettlement_officers(person.office_id), kind="reminder", title="刑满释放人员即将出狱",
                    body=f"{person.name}预计于{person.expected_release_on}从{person.prison_name}释放，请做好接回衔接。",
                    as_of=as_of, link=LINK.format(person.id), data={"person_id": person.id},
                    dedupe_key=f"resettlement_handover:{person.id}:{person.expected_release_on}"))
        cadences = parts.rules["resettlement.contact_cadence"]
        horizon = today + timedelta(days=parts.rules["resettlement.contact_reminder_days"])
        for category in AssistanceCategory:
            period = contact_period(category, today, cadences, parts.rules["obligations.biweekly_anchor"])
            if period.end > horizon:
                continue
            uncontacted = db.session.scalars(sa.select(AssistedPerson).where(
                in_period(today), AssistedPerson.category == category,
                ~sa.exists().where(AssistanceRecord.person_id == AssistedPerson.id,
                                   AssistanceRecord.kind == AssistanceKind.contact,
                                   AssistanceRecord.occurred_on.between(period.start, period.end)))
                .order_by(AssistedPerson.id)).all()
            for person in uncontacted:
                counts["contact"] += bool(notify(
                    resettlement_officers(person.office_id), kind="reminder", title="帮教走访提醒",
                    body=f"{CATEGORIES[category]}帮教对象{person.name}在{period.start}至{period.end}期间尚无走访或联系记录。",
                    as_of=as_of, link=LINK.format(person.id), data={"person_id": person.id},
                    dedupe_key=f"resettlement_contact:{person.id}:{period.start}"))
    return counts


def figures_filter(actor: User) -> sa.ColumnElement[bool]:
    """The register an actor's counts cover: its office, its county, the inspector's county, or all (admin).

    :raises Forbidden: a supervisee.
    """
    unit = actor.unit
    if actor.role == Role.admin:
        return sa.true()
    if actor.role == Role.officer and unit is not None:
        return (AssistedPerson.county_id if unit.kind == UnitKind.county_agency else AssistedPerson.office_id) \
            == unit.id
    if actor.role == Role.inspector and unit is not None and unit.supervises_id is not None:
        return AssistedPerson.county_id == unit.supervises_id
    raise Forbidden("forbidden", "当前角色无权查看统计。")


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def resettlement_figures(scope: sa.ColumnElement[bool], first_day: date, last_day: date) -> dict:
    """Releases from prison in the period and their handovers (on time, late, from other provinces, missing: the
    handover rate is on time / releases), people moved in from community correction, the people in the assistance
    period at its end by category, risk notes opened and people on the joint-action list at its end, and assistance
    records by kind."""
    def count(*conditions, select_from=AssistedPerson) -> int:
        stmt = sa.select(sa.func.count()).select_from(select_from)
        if select_from is not AssistedPerson:
            stmt = stmt.join(AssistedPerson, AssistedPerson.id == select_from.person_id)
        return db.session.scalar(stmt.where(scope, *conditions))

    def within(column) -> sa.ColumnElement[bool]:
        return sa.and_(column >= first_day, column <= last_day)

    start = datetime.combine(first_day, time(0), tzinfo=LOCAL_TZ)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    prison = AssistedPerson.source == AssistanceSource.prison_release
    handed = sa.and_(prison, within(Handover.released_on))
    missing = sa.and_(prison, AssistedPerson.status == AssistanceStatus.awaiting_release,
                      within(AssistedPerson.expected_release_on), AssistedPerson.expected_release_on < last_day)
    handovers, on_time = count(handed, select_from=Handover), count(handed, Handover.on_time, select_from=Handover)
    not_handed_over = count(missing)
    by_category = dict(db.session.execute(sa.select(AssistedPerson.category, sa.func.count()).where(
        scope, in_period(last_day)).group_by(AssistedPerson.category)).all())
    records = dict(db.session.execute(sa.select(AssistanceRecord.kind, sa.func.count()).join(
        AssistedPerson, AssistedPerson.id == AssistanceRecord.person_id).where(
        scope, within(AssistanceRecord.occurred_on)).group_by(AssistanceRecord.kind)).all())
    open_at_end = sa.exists().where(RiskNote.person_id == AssistedPerson.id, RiskNote.noted_on <= last_day,
                                    sa.or_(RiskNote.resolved_on.is_(None), RiskNote.resolved_on > last_day))
    return {
        "notices": count(prison, within(AssistedPerson.notice_received_on)),
        "releases": handovers + not_handed_over,
        "handovers": handovers, "handovers_on_time": on_time, "handovers_late": handovers - on_time,
        "handovers_out_of_province": count(handed, AssistedPerson.out_of_province.is_(True), select_from=Handover),
        "not_handed_over": not_handed_over, "handover_rate": _share(on_time, handovers + not_handed_over),
        "handovers_recorded": count(Handover.received_at >= start, Handover.received_at < end, select_from=Handover),
        "moved_from_correction": count(AssistedPerson.source == AssistanceSource.correction_ended,
                                       within(AssistedPerson.released_on)),
        "in_period_at_end": sum(by_category.values()),
        "in_period_by_category": {c.value: by_category.get(c.value, 0) for c in AssistanceCategory},
        "risk_notes_opened": count(within(RiskNote.noted_on), select_from=RiskNote),
        "joint_action_at_end": count(open_at_end),
        "records_by_kind": {k.value: records.get(k.value, 0) for k in AssistanceKind},
    }


def export_register(actor: User, as_of: datetime) -> Export:
    """The register in the actor's scope (people awaiting release and in their period today), one row each.

    :raises Forbidden: no resettlement role.
    """
    today = local_date(as_of)
    open_risk = sa.exists().where(RiskNote.person_id == AssistedPerson.id, RiskNote.resolved_on.is_(None))
    people = db.session.execute(sa.select(AssistedPerson, open_risk).where(
        register_filter(actor), sa.or_(AssistedPerson.status == AssistanceStatus.awaiting_release, in_period(today)))
        .order_by(AssistedPerson.office_id, AssistedPerson.id)).all()
    rows = [[n, p.name, p.id_number_masked, SOURCES[p.source], CATEGORIES[p.category], p.office.name,
             p.prison_name or "", _day(p.expected_release_on), _day(p.released_on), _day(p.period_end),
             "" if p.handover is None else "是" if p.handover.on_time else "否", "是" if p.out_of_province else "否",
             STATUSES[p.status], "是" if risky else "否"] for n, (p, risky) in enumerate(people, start=1)]
    return Export(f"安置帮教名册（截至{today}）", f"resettlement-{today}", "安置帮教名册", HEADERS, rows)


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""
