"""Quarterly joint-inspection lists (联合巡检清单, domain-rules §15): generated for a county and a quarter from the
checks in `inspection_leave` and `inspection_supervision`, plus a reproducible random sample of other files.

A quarter that has ended is generated once, as it stood at its end (`final`), and then returned as is; the current
quarter's list is provisional, as of the moment asked, and regenerated (its items replaced) on each request.
Generating twice from the same data gives the same items in the same order.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from correction.clock import local_date
from correction.components import components
from correction.db import db, transaction
from correction.errors import Forbidden, NotFound, RuleViolation
from correction.models import Inspection, InspectionItem, Role, Subject, Unit, UnitKind, User
from correction.rules import inspection as lists
from correction.rules.quarters import Quarter
from correction.services import inspection_leave, inspection_supervision
from correction.services.inspection_window import Candidate, Window, within
from correction.services.notify import notify
from correction.services.paging import Page, page_of

CHECKS = (inspection_leave.approvals, inspection_leave.yearly_cap, inspection_leave.fast_track,
          inspection_leave.late_returns, inspection_supervision.alerts, inspection_supervision.report_ins,
          inspection_supervision.out_of_contact, inspection_supervision.releases, inspection_supervision.relocations)
EXPORT_HEADERS = ("序号", "矫正对象", "司法所", "问题类型代码", "问题说明", "证据")
NOT_FOUND = ("inspection_not_found", "巡检清单不存在。")


def parse_quarter(label: str) -> Quarter:
    """:raises RuleViolation: not a label such as 2026Q3."""
    try:
        return Quarter.parse(label)
    except ValueError:
        raise RuleViolation.on("quarter", "季度应写作“2026Q3”的形式。") from None


def window_for(quarter: Quarter, as_of: datetime) -> Window:
    """The quarter as it stood at its end once it is over, else as of `as_of`.

    :raises RuleViolation: the quarter has not begun.
    """
    if as_of < quarter.starts_at:
        raise RuleViolation.on("quarter", f"{quarter.name}尚未开始。")
    final = as_of >= quarter.ends_at
    return Window(quarter, quarter.ends_at if final else as_of, final)


def find_candidates(window: Window, counties: Sequence[int] | None) -> dict[int, list[Candidate]]:
    """Every check over the window for the counties (None: all), then the random sample of each county's other
    files; per county, in the list's order: by reason code, then by each check's own order."""
    rules = components().rules
    found: dict[int, list[Candidate]] = {county: [] for county in counties or ()}
    for check in CHECKS:
        for candidate in check(window, counties, rules):
            found.setdefault(candidate.county_id, []).append(candidate)
    for candidates in found.values():
        candidates.sort(key=lambda c: (lists.REASON_CODES.index(c.code), c.order, c.subject_id, c.reason))
    population: dict[int, list[tuple[int, str]]] = {}
    for subject_id, county_id, name in db.session.execute(
            sa.select(Subject.id, Subject.county_id, Subject.name).where(
                within(Subject.county_id, counties), Subject.effective_date <= window.cutoff,
                sa.or_(Subject.ended_on.is_(None), Subject.ended_on >= window.first_day))):
        population.setdefault(county_id, []).append((subject_id, name))
    count = components().rules["inspection.sample_files"]
    for county_id, files in population.items():
        listed = {c.subject_id for c in found.get(county_id, ())}
        names = dict(files)
        drawn = lists.draw_sample([s for s in names if s not in listed], county_id, str(window.quarter), count)
        found.setdefault(county_id, []).extend(
            Candidate(county_id, subject_id, lists.SAMPLE, f"随机抽查：{window.quarter.name}按规则随机抽取的档案",
                      [lists.subject_file(subject_id, names[subject_id]),
                       lists.subject_history(subject_id, "档案变更记录")]) for subject_id in drawn)
    return found


def _store(inspection: Inspection | None, county_id: int, window: Window, candidates: list[Candidate],
           as_of: datetime) -> Inspection:
    """Create the county's list for the quarter or replace its items, in the caller's transaction."""
    if inspection is None:
        inspection = Inspection(county_id=county_id, quarter=str(window.quarter))
        db.session.add(inspection)
    inspection.final, inspection.generated_at, inspection.as_of = window.final, as_of, window.until
    inspection.item_count = len(candidates)
    db.session.flush()
    db.session.execute(sa.delete(InspectionItem).where(InspectionItem.inspection_id == inspection.id))
    if candidates:
        db.session.execute(sa.insert(InspectionItem), [
            {"inspection_id": inspection.id, "position": position, "subject_id": c.subject_id,
             "reason_code": c.code, "reason": c.reason[:300], "evidence": c.evidence, "sampled": c.code == lists.SAMPLE}
            for position, c in enumerate(candidates, start=1)])
    db.session.expire(inspection, ["items"])
    return inspection


def generate(county_id: int, quarter: str, as_of: datetime) -> Inspection:
    """The county's list for `quarter` (e.g. "2026Q3"): a final list as it is, else generated now (final when the
    quarter has ended, provisional as of `as_of` when it is the current one).

    :raises RuleViolation: a malformed quarter, or one not yet begun.
    :raises Conflict: generated at the same moment by someone else.
    """
    window = window_for(parse_quarter(quarter), as_of)
    with transaction():
        inspection = db.session.scalar(sa.select(Inspection).where(
            Inspection.county_id == county_id, Inspection.quarter == str(window.quarter)))
        if inspection is not None and inspection.final:
            return inspection
        candidates = find_candidates(window, [county_id])[county_id]
        inspection = _store(inspection, county_id, window, candidates, as_of)
    return inspection


def generate_quarter_lists(as_of: datetime) -> dict[str, int]:
    """The scheduler's quarter job: for the quarter that ended before `as_of`, every county's final list, with
    one run of each check over all the counties still without one; a county's existing final list is left alone.
    Each new list is announced to the county's inspectors and county officers, once per county and quarter.
    Returns {counties, generated, items, notified}."""
    quarter = Quarter.containing(local_date(as_of)).previous()
    window = Window(quarter, quarter.ends_at, True)
    counted = {"counties": 0, "generated": 0, "items": 0, "notified": 0}
    with transaction():
        counties = db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.kind == UnitKind.county_agency)
                                      .order_by(Unit.id)).all()
        existing = {i.county_id: i for i in db.session.scalars(sa.select(Inspection).where(
            Inspection.quarter == str(quarter)))}
        todo = [(county_id, name) for county_id, name in counties
                if county_id not in existing or not existing[county_id].final]
        counted["counties"] = len(counties)
        found = find_candidates(window, None if len(todo) == len(counties) else [c for c, _ in todo]) if todo else {}
        for county_id, name in todo:
            candidates = found.get(county_id, [])
            inspection = _store(existing.get(county_id), county_id, window, candidates, as_of)
            counted["generated"] += 1
            counted["items"] += len(candidates)
            counted["notified"] += len(_announce(inspection, name, candidates, quarter, as_of))
    return counted


def _announce(inspection: Inspection, county_name: str, candidates: list[Candidate], quarter: Quarter,
              as_of: datetime) -> list:
    readers = db.session.scalars(sa.select(User.id).join(Unit, Unit.id == User.unit_id).where(
        User.is_active.is_(True), sa.or_(
            sa.and_(User.role == Role.inspector, Unit.kind == UnitKind.procuratorate,
                    Unit.supervises_id == inspection.county_id),
            sa.and_(User.role == Role.officer, Unit.id == inspection.county_id)))).all()
    sampled = sum(1 for c in candidates if c.code == lists.SAMPLE)
    return notify(readers, kind="inspection_list", title=f"{quarter.name}联合巡检清单", as_of=as_of,
                  body=f"{county_name}{quarter.name}巡检清单已生成：待核查事项{len(candidates) - sampled}项，"
                       f"随机抽查档案{sampled}份。",
                  link=f"{lists.API}/inspections/{inspection.id}",
                  data={"inspection_id": inspection.id, "county_id": inspection.county_id, "quarter": str(quarter)},
                  dedupe_key=f"inspection:{inspection.county_id}:{quarter}")


def reader_county(actor: User) -> int | None:
    """The county whose lists the actor reads: the one an inspector's procuratorate supervises, a county
    officer's own; None for an administrator (every county).

    :raises Forbidden: any other role or unit (a judicial office, a supervisee).
    """
    unit = actor.unit
    if actor.role == Role.admin:
        return None
    if actor.role == Role.inspector and unit is not None and unit.supervises_id is not None:
        return unit.supervises_id
    if actor.role == Role.officer and unit is not None and unit.kind == UnitKind.county_agency:
        return unit.id
    raise Forbidden("forbidden", "巡检清单由县级社区矫正机构、对其监督的人民检察院和系统管理员查阅。")


def generate_for(actor: User, quarter: str, as_of: datetime, county_id: int | None = None) -> Inspection:
    """On demand: a county officer for their county, an administrator for the county named.

    :raises Forbidden: not a county officer or an administrator.
    :raises RuleViolation: an administrator without a county, a malformed or future quarter.
    :raises NotFound: a county that is not the officer's, or no such county agency.
    """
    if actor.role == Role.inspector:
        raise Forbidden("read_only", "检察人员只能查阅巡检清单，由县级社区矫正机构生成。")
    if actor.role not in (Role.admin, Role.officer):
        raise Forbidden("forbidden", "无权生成巡检清单。")
    own = reader_county(actor)
    if own is None and county_id is None:
        raise RuleViolation.on("county_id", "请指定县级社区矫正机构。")
    county_id = county_id or own
    county = db.session.get(Unit, county_id)
    if county is None or county.kind != UnitKind.county_agency or own not in (None, county_id):
        raise NotFound("county_not_found", "县级社区矫正机构不存在。")
    return generate(county_id, quarter, as_of)


def list_inspections(actor: User, page: int, per_page: int, quarter: str | None = None) -> Page:
    """The lists of the actor's county (an administrator's: every county), newest quarter first."""
    county = reader_county(actor)
    stmt = sa.select(Inspection).where(sa.true() if county is None else Inspection.county_id == county)
    if quarter is not None:
        stmt = stmt.where(Inspection.quarter == str(parse_quarter(quarter)))
    return page_of(stmt.order_by(Inspection.quarter.desc(), Inspection.county_id), page, per_page)


def visible_inspection(actor: User, inspection_id: int) -> Inspection:
    """:raises NotFound: missing or another county's list."""
    county = reader_county(actor)
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None or county not in (None, inspection.county_id):
        raise NotFound(*NOT_FOUND)
    return inspection


def inspection_items(inspection: Inspection, reason_code: str | None = None,
                     sampled: bool | None = None) -> list[InspectionItem]:
    """The list's items in order, optionally of one reason code or only (not) sampled ones."""
    stmt = (sa.select(InspectionItem).where(InspectionItem.inspection_id == inspection.id)
            .options(selectinload(InspectionItem.subject).selectinload(Subject.office))
            .order_by(InspectionItem.position))
    if reason_code is not None:
        stmt = stmt.where(InspectionItem.reason_code == reason_code)
    if sampled is not None:
        stmt = stmt.where(InspectionItem.sampled.is_(sampled))
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class Listing:
    """A list with (some of) its items."""

    inspection: Inspection
    items: list[InspectionItem]


def read_inspection(actor: User, inspection_id: int, reason_code: str | None = None,
                    sampled: bool | None = None) -> Listing:
    """:raises NotFound: missing or another county's list."""
    inspection = visible_inspection(actor, inspection_id)
    return Listing(inspection, inspection_items(inspection, reason_code, sampled))


@dataclass(frozen=True)
class Export:
    """A list as a table: file names (Chinese, and ASCII for old clients), sheet title, headers, rows."""

    name: str
    ascii_name: str
    title: str
    headers: tuple[str, ...]
    rows: list[list]


def export_inspection(actor: User, inspection_id: int) -> Export:
    """The list under EXPORT_HEADERS, one row per item; the evidence one line each (summary and API path).

    :raises NotFound: missing or another county's list.
    """
    inspection = visible_inspection(actor, inspection_id)
    rows = [[item.position, item.subject.name if item.subject else "",
             item.subject.office.name if item.subject else "", item.reason_code, item.reason,
             "\n".join(f"{e['summary']} {e['link']}" for e in item.evidence)]
            for item in inspection_items(inspection)]
    quarter = parse_quarter(inspection.quarter)
    state = "" if inspection.final else f"（截至{local_date(inspection.as_of)}）"
    return Export(f"{inspection.county.name}{quarter.name}巡检清单{state}",
                  f"inspection-{inspection.county_id}-{quarter}", f"{quarter}巡检清单", EXPORT_HEADERS, rows)
