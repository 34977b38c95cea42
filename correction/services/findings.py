"""Findings of the procuratorate on an inspection list (domain-rules §15): 纠正意见 on one item, 检察建议 on the
county agency's work; the county agency answers each once with its rectification (整改) by a rule-table deadline.
Both sides see the ones past that deadline."""

from datetime import date, datetime

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import db, transaction
from correction.errors import Conflict, Forbidden, NotFound, RuleViolation
from correction.models import Finding, FindingKind, InspectionItem, Role, UnitKind, User
from correction.rules.inspection import API, quote
from correction.services.inspections import reader_county, visible_inspection
from correction.services.notify import notify
from correction.services.paging import Page, page_of

NOT_FOUND = ("finding_not_found", "检察意见不存在。")
_DAYS = {FindingKind.correction_notice: "inspection.correction_notice_days",
         FindingKind.procuratorial_suggestion: "inspection.suggestion_days"}
_NAMES = {FindingKind.correction_notice: "纠正意见", FindingKind.procuratorial_suggestion: "检察建议"}


def is_overdue(finding: Finding, today: date) -> bool:
    """Not rectified and past the day the agency had to answer by."""
    return finding.rectified_on is None and finding.rectify_by < today


def issue_finding(actor: User, inspection_id: int, *, as_of: datetime, kind: FindingKind, text: str,
                  item_id: int | None = None) -> Finding:
    """An inspector of the procuratorate supervising the county issues a 纠正意见 on an item of the list or a
    检察建议 on the county; the agency answers by the issue day plus the rule's days. The county agency's officers
    are told.

    :raises Forbidden: not an inspector.
    :raises NotFound: another county's list.
    :raises RuleViolation: a 纠正意见 without an item of this list, or a 检察建议 naming one.
    """
    if actor.role != Role.inspector:
        raise Forbidden("inspectors_only", "检察意见由人民检察院检察人员提出。")
    with transaction():
        inspection = visible_inspection(actor, inspection_id)
        item = None
        if kind == FindingKind.correction_notice:
            item = db.session.scalar(sa.select(InspectionItem).where(
                InspectionItem.id == item_id, InspectionItem.inspection_id == inspection.id)) if item_id else None
            if item is None:
                raise RuleViolation.on("item_id", "纠正意见须针对本清单中的具体事项。")
        elif item_id is not None:
            raise RuleViolation.on("item_id", "检察建议针对县级社区矫正机构的整体工作，不针对单个事项。")
        parts = components()
        rectify_by = parts.calendar.add(local_date(as_of), parts.rules.day_count(_DAYS[kind]))
        finding = Finding(inspection_id=inspection.id, county_id=inspection.county_id, kind=kind, text=text,
                          item_subject_id=item.subject_id if item else None,
                          item_reason_code=item.reason_code if item else None, issued_by_id=actor.id,
                          issued_at=as_of, rectify_by=rectify_by)
        db.session.add(finding)
        db.session.flush()
        officers = db.session.scalars(sa.select(User.id).where(
            User.unit_id == inspection.county_id, User.role == Role.officer, User.is_active.is_(True))).all()
        notify(officers, kind="finding", title=f"{inspection.quarter}巡检：收到{_NAMES[kind]}", as_of=as_of,
               body=f"{quote(text, 80)}（请于{finding.rectify_by}前反馈整改情况）",
               link=f"{API}/findings/{finding.id}", data={"finding_id": finding.id, "kind": kind.value},
               dedupe_key=f"finding:{finding.id}")
    return finding


def list_findings(actor: User, page: int, per_page: int, *, as_of: datetime, inspection_id: int | None = None,
                  overdue: bool | None = None) -> Page:
    """Findings on the actor's county (an administrator's: every county), newest first; `overdue` keeps those
    not rectified past their deadline (or, false, the others).

    :raises Forbidden: the role reads no inspection lists.
    :raises NotFound: `inspection_id` names another county's list.
    """
    county = reader_county(actor)
    stmt = sa.select(Finding).where(sa.true() if county is None else Finding.county_id == county)
    if inspection_id is not None:
        stmt = stmt.where(Finding.inspection_id == visible_inspection(actor, inspection_id).id)
    if overdue is not None:
        late = sa.and_(Finding.rectified_on.is_(None), Finding.rectify_by < local_date(as_of))
        stmt = stmt.where(late if overdue else sa.not_(late))
    return page_of(stmt.order_by(Finding.issued_at.desc(), Finding.id.desc()), page, per_page)


def get_finding(actor: User, finding_id: int) -> Finding:
    """:raises NotFound: missing or on another county."""
    county = reader_county(actor)
    finding = db.session.get(Finding, finding_id)
    if finding is None or county not in (None, finding.county_id):
        raise NotFound(*NOT_FOUND)
    return finding


def rectify(actor: User, finding_id: int, *, as_of: datetime, rectified_on: date, rectification: str) -> Finding:
    """The county agency's answer (整改情况), once: a conditional UPDATE on the version, so of two answers at the
    same moment one is recorded and the other gets 409. The inspector who issued the finding is told.

    :raises Forbidden: not an officer of a county agency.
    :raises NotFound: missing or on another county.
    :raises RuleViolation: a date in the future or before the finding was issued.
    :raises Conflict: already rectified (also by someone else at the same moment).
    """
    unit = actor.unit
    if actor.role != Role.officer or unit is None or unit.kind != UnitKind.county_agency:
        raise Forbidden("county_agency_only", "整改情况由县级社区矫正机构反馈。")
    with transaction():
        finding = get_finding(actor, finding_id)
        if rectified_on > local_date(as_of) or rectified_on < local_date(finding.issued_at):
            raise RuleViolation.on("rectified_on", "整改日期不能晚于今天，也不能早于检察意见提出日期。")
        if finding.rectified_on is not None:
            raise Conflict("already_rectified", "该检察意见已反馈整改情况。")
        done = db.session.execute(
            sa.update(Finding).where(Finding.id == finding.id, Finding.version == finding.version,
                                     Finding.rectified_on.is_(None))
            .values(version=Finding.version + 1, rectified_on=rectified_on, rectification=rectification,
                    rectified_by_id=actor.id, rectified_at=as_of)
            .execution_options(synchronize_session=False)).rowcount
        if done != 1:
            raise Conflict("already_rectified", "该检察意见已由他人反馈整改情况。")
        db.session.expire(finding)
        notify([finding.issued_by_id], kind="finding", title=f"{_NAMES[finding.kind]}已反馈整改情况",
               body=quote(rectification, 80), as_of=as_of, link=f"{API}/findings/{finding.id}",
               data={"finding_id": finding.id}, dedupe_key=f"finding_rectified:{finding.id}")
    return finding
