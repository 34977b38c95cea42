"""A demo district modelled on Dalian Jinpu: one county agency, 25 judicial offices, a procuratorate, ~750 subjects.

Deterministic from (seed, anchor date) and idempotent: units, users and subjects that exist are kept. The ID
numbers are generated with valid check characters; the people are fictitious.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from correction.clock import LOCAL_TZ, local_date
from correction import demo_assistance
from correction.components import components
from correction.db import db, transaction
from correction.geo import places
from correction.models import (
    Activity, ActivityStatus, Category, Level, Report, Role, Subject, SuperviseeAccount, Unit, UnitKind, User,
)
from correction.rules.identity import check_character
from correction.rules.obligations import owes, report_streams
from correction.rules.periods import latest_closed_period, period_containing, previous_period
from correction.rules.terms import add_months
from correction.services import accounts, activities, org, subjects
from correction.services.obligations import HOUR_KINDS, timeline_of

DEFAULT_SEED = 2023
DEFAULT_SUBJECTS = 750
DEMO_PASSWORD = "sqjz-demo"
COUNTY_CODE = "210213"  # 金州区; 金普新区 is a new area, not an administrative division (tech-notes §5)
JINZHOU_CENTRE = (39.0503, 121.7196)  # WGS-84
HOME_MARGIN_M = 500  # demo homes lie at least this far inside the county boundary

OFFICES = [
    "拥政", "友谊", "光明", "先进", "站前", "马桥子", "海青岛", "大孤山", "湾里", "金石滩", "董家沟", "得胜", "石河",
    "登沙河", "二十里堡", "亮甲店", "华家", "向应", "大魏家", "杏树", "七顶山", "三十里堡", "炮台", "复州湾", "永安",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红海波鹏辉玲飞鑫斌宇浩凯健俊峰帅晨"
ENTERPRISES = [
    "大连金普机械制造有限公司", "大连湾里海产品有限公司", "大连港湾物流有限公司", "大连金石滩旅游开发有限公司",
    "大连董家沟建材有限公司", "大连亮甲店农业科技有限公司", "大连保税区电子有限公司", "大连开发区汽车配件有限公司",
]
# National shares are roughly 缓刑 most, then 假释, 暂予监外执行, 管制 (domain-rules §18 gives only totals).
CATEGORY_WEIGHTS = [(Category.probation, 80), (Category.parole, 11), (Category.temporary_release, 6),
                    (Category.control, 3)]
LEVEL_WEIGHTS = [(Level.strict, 20), (Level.ordinary, 60), (Level.lenient, 20)]
TERM_MONTHS = {Category.probation: (12, 60), Category.parole: (6, 60), Category.temporary_release: (6, 24),
               Category.control: (6, 24)}
ENTERPRISE_SHARE = 0.08
AWAITING_SHARE = 0.02  # recently received, report-in still due
BOUND_DEMO_ACCOUNTS = 5
REPORT_HISTORY_DAYS = 70
REPORT_MISSED_SHARE = 0.04
REPORT_LATE_SHARE = 0.04
HOURS_SHORT_SHARE = 0.05
REPORT_TEXTS = ["本周遵纪守法，按时参加教育学习，工作正常。", "近期在家务农，身体状况良好，无违规情况。",
                "本期按时参加公益活动，思想稳定，家庭和睦。", "本期在企业正常上班，未离开居住地。"]
SEED_BATCH = 50


@dataclass
class PlannedSubject:
    name: str
    id_number: str
    sex: str
    birth_date: date
    category: Category
    level: Level
    effective_date: date
    term_end: date
    office_index: int
    phone: str
    home: tuple[float, float]
    reported: bool
    enterprise: dict | None


@dataclass
class Plan:
    seed: int
    anchor: date
    subjects: list[PlannedSubject] = field(default_factory=list)


@dataclass
class Summary:
    units: int = 0
    users: int = 0
    subjects: int = 0
    assistance: int = 0  # investigations and people of the resettlement register


def _id_number(rng: random.Random, birth: date, sex: str, serial: int) -> str:
    order = serial % 100 * 10 + (rng.choice([1, 3, 5, 7, 9]) if sex == "male" else rng.choice([0, 2, 4, 6, 8]))
    first17 = f"{COUNTY_CODE}{birth:%Y%m%d}{order:03d}"
    return first17 + check_character(first17)


def _credit_code(rng: random.Random) -> str:
    return "91210213" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(10))


def _home(rng: random.Random) -> tuple[float, float]:
    """A WGS-84 home around 金州 centre and well inside the county's real boundary (not in the sea or next
    door), so that a demo supervisee's check-in at home is `inside`."""
    fence = places.county_fence(COUNTY_CODE)
    while True:
        lat, lng = JINZHOU_CENTRE[0] + rng.uniform(-0.08, 0.08), JINZHOU_CENTRE[1] + rng.uniform(-0.1, 0.1)
        if fence.place(lat, lng, 0, HOME_MARGIN_M).state == "inside":
            return lat, lng


def plan_district(seed: int, count: int, anchor: date) -> Plan:
    """The same seed and anchor date always give the same people, terms and assignments."""
    rng = random.Random(seed)
    plan = Plan(seed, anchor)
    for serial in range(count):
        sex = "male" if rng.random() < 0.86 else "female"
        birth = date(rng.randint(1960, 2005), rng.randint(1, 12), rng.randint(1, 28))
        category = rng.choices(*zip(*CATEGORY_WEIGHTS, strict=False))[0]
        term_months = rng.randint(*TERM_MONTHS[category])
        awaiting = rng.random() < AWAITING_SHARE
        elapsed_days = rng.randint(0, 9) if awaiting else rng.randint(15, term_months * 30 - 5)
        effective = anchor - timedelta(days=elapsed_days)
        enterprise = None
        if rng.random() < ENTERPRISE_SHARE:
            enterprise = {"enterprise_name": rng.choice(ENTERPRISES), "credit_code": _credit_code(rng),
                          "role": rng.choice(["legal_representative", "shareholder", "manager", "key_staff"])}
        plan.subjects.append(PlannedSubject(
            name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
            id_number=_id_number(rng, birth, sex, serial), sex=sex, birth_date=birth, category=category,
            level=rng.choices(*zip(*LEVEL_WEIGHTS, strict=False))[0], effective_date=effective,
            term_end=add_months(effective, term_months) - timedelta(days=1),
            office_index=rng.randrange(len(OFFICES)), phone=f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}",
            home=_home(rng),
            reported=not awaiting, enterprise=enterprise))
    return plan


def _unit(summary: Summary, kind: UnitKind, code: str, name: str, **links) -> Unit:
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code))
    if unit is None:
        unit = org.create_unit(kind, code, name, **links)
        summary.units += 1
    return unit


def _staff(summary: Summary, password_hash: str, username: str, role: Role, name: str, unit: Unit | None) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        with transaction():
            # One hash for every demo account: they share the demo password, and seeding stays fast.
            user = User(username=username, password_hash=password_hash, role=role, name=name,
                        unit_id=unit.id if unit else None)
            db.session.add(user)
        summary.users += 1
    return user


def seed(plan: Plan, as_of: datetime, progress: Callable[[int], None] = lambda n: None) -> Summary:
    """Create what the plan has and the database lacks; report what was created."""
    summary = Summary()
    password_hash = components().passwords.hash(DEMO_PASSWORD)
    geometry, datum = places.county_geometry(COUNTY_CODE)  # the real 金州区 boundary, GCJ-02 as Amap has it
    county = _unit(summary, UnitKind.county_agency, COUNTY_CODE, "大连金普新区社区矫正管理局", fence=geometry,
                   fence_coord_type=datum)
    if county.fence is None:  # a district seeded before the boundary shipped
        with transaction():
            county.fence, county.fence_coord_type = geometry, datum
    procuratorate = _unit(summary, UnitKind.procuratorate, f"{COUNTY_CODE}-JCY", "大连金普新区人民检察院",
                          supervises_id=county.id)
    offices = [_unit(summary, UnitKind.judicial_office, f"{COUNTY_CODE}-{i + 1:02d}", f"{name}司法所",
                     parent_id=county.id) for i, name in enumerate(OFFICES)]
    _staff(summary, password_hash, "admin", Role.admin, "系统管理员", None)
    county_officer = _staff(summary, password_hash, "county", Role.officer, "金普矫正局值班员", county)
    _staff(summary, password_hash, "inspector", Role.inspector, "金普检察院检察官", procuratorate)
    office_officers = [_staff(summary, password_hash, f"office{i + 1:02d}", Role.officer, f"{OFFICES[i]}所矫正干部",
                              office) for i, office in enumerate(offices)]
    vault = components().vault
    existing = set(db.session.scalars(sa.select(Subject.id_number_digest)))
    for start in range(0, len(plan.subjects), SEED_BATCH):
        batch = plan.subjects[start:start + SEED_BATCH]
        with transaction():  # one commit per batch: the services inside only flush
            for planned in batch:
                if vault.digest(planned.id_number) not in existing:
                    _seed_subject(planned, offices, office_officers, county_officer, as_of)
                    summary.subjects += 1
        progress(len(batch))
    with transaction():
        activities.rebuild_totals()  # once for the whole district, not one upsert per seeded session
    _bind_demo_accounts(plan, county_officer, as_of)
    register_officers = demo_assistance.register_staff(password_hash, county, offices[0])
    summary.assistance = demo_assistance.seed_assistance(plan.seed, plan.anchor, county, offices, office_officers,
                                                         county_officer, register_officers)
    return summary


def _seed_subject(planned: PlannedSubject, offices: list[Unit], officers: list[User], county_officer: User,
                  as_of: datetime) -> None:
    office, officer = offices[planned.office_index], officers[planned.office_index]
    subject = subjects.intake(
        county_officer, as_of=as_of, name=planned.name, id_number=planned.id_number, sex=planned.sex,
        birth_date=planned.birth_date, category=planned.category, judgment_date=planned.effective_date,
        effective_date=planned.effective_date, term_start=planned.effective_date, term_end=planned.term_end,
        office_id=office.id, officer_id=officer.id, level=planned.level, phone=planned.phone,
        address=f"辽宁省大连市金州区{office.name.removesuffix('司法所')}街道{planned.office_index + 1}号",
        home={"lat": planned.home[0], "lng": planned.home[1], "coord_type": "wgs84"},
        enterprise_role=planned.enterprise)
    if planned.reported:
        report_day = min(planned.effective_date + timedelta(days=3), local_date(as_of))
        subjects.record_report_in(officer, subject.id, as_of=as_of, on_date=report_day)
        _seed_reports(subject, random.Random(planned.id_number), local_date(as_of))


def _seed_reports(subject: Subject, rng: random.Random, today: date) -> None:
    """Recent report history: each owed period of the last REPORT_HISTORY_DAYS, mostly on time, some late,
    a few missed, so that the overdue list of the demo looks like a real county's."""
    rules = components().rules
    anchor, strict_months = rules["obligations.biweekly_anchor"], rules["classification.new_intake_strict_months"]
    timeline = timeline_of(subject)
    for stream in report_streams(rules):
        for cadence in stream.cadences():
            period = latest_closed_period(cadence, today, stream.grace_days, anchor)
            while period.end >= today - timedelta(days=REPORT_HISTORY_DAYS):
                if owes(stream, timeline, period, cadence, strict_months) and rng.random() >= REPORT_MISSED_SHARE:
                    late = rng.random() < REPORT_LATE_SHARE
                    day = period.deadline(stream.grace_days) + timedelta(days=rng.randint(1, 5)) if late else \
                        period.start + timedelta(days=rng.randrange((period.end - period.start).days + 1))
                    day = min(day, today)
                    db.session.add(Report(
                        subject_id=subject.id, kind=stream.kind, content=rng.choice(REPORT_TEXTS),
                        period_start=period.start, period_end=period.end, on_time=not late, submitted_on=day,
                        submitted_at=datetime.combine(day, time(10), LOCAL_TZ).astimezone(UTC)))
                period = previous_period(cadence, period, anchor)
    _seed_activities(subject, timeline, rng, today)


def _seed_activities(subject: Subject, timeline, rng: random.Random, today: date) -> None:
    """Education and public-welfare sessions of this month and the last two, meeting the quota most months."""
    rules = components().rules
    strict_months, officer_id = rules["classification.new_intake_strict_months"], subject.officer_id
    month = period_containing("monthly", today, rules["obligations.biweekly_anchor"])
    for _ in range(3):
        level = timeline.level_on(month.end, strict_months)
        for kind in HOUR_KINDS:
            quota = rules[f"obligations.monthly_hours.{kind}"].get(level, 0) if level else 0
            hours = quota if rng.random() >= HOURS_SHORT_SHARE else quota / 2
            days = [day for day in (month.start + timedelta(days=n) for n in range(0, 28, 7))
                    if timeline.reported_in_on <= day <= today]
            for day in days[:2] if hours else []:
                db.session.add(Activity(
                    subject_id=subject.id, kind=kind, occurred_on=day, minutes=int(hours * 60 / min(2, len(days))),
                    status=ActivityStatus.confirmed, recorded_by_id=officer_id, decided_by_id=officer_id,
                    created_at=datetime.combine(day, time(16), LOCAL_TZ).astimezone(UTC)))
        month = period_containing("monthly", month.start - timedelta(days=1), rules["obligations.biweekly_anchor"])


def _bind_demo_accounts(plan: Plan, officer: User, as_of: datetime) -> None:
    """Bind the first few subjects to `dev:demo-000N` openids, so the mini-program flow can be tried at once."""
    vault = components().vault
    for index, planned in enumerate(plan.subjects[:BOUND_DEMO_ACCOUNTS]):
        openid = f"demo-{index + 1:04d}"
        if db.session.scalar(sa.select(SuperviseeAccount.id).where(SuperviseeAccount.wx_openid == openid)):
            continue
        subject_id = db.session.scalar(sa.select(Subject.id).where(
            Subject.id_number_digest == vault.digest(planned.id_number)))
        code, _ = accounts.issue_activation_code(officer, subject_id, as_of)
        accounts.bind(openid, planned.id_number, planned.name, code, as_of)


def login_lines(plan: Plan) -> list[str]:
    """What the seed prints: staff usernames and the mini-program demo codes."""
    lines = ["admin      系统管理员 (admin)", "county     县级社区矫正机构 officer (sees all 25 offices)",
             "office01…office25  司法所 officers", "inspector  人民检察院 inspector (read-only)",
             "bangjiao, bangjiao01  officers with the resettlement role (安置帮教 register; county, 拥政司法所)"]
    lines += [f"mini-program: POST /api/v1/auth/wx-login {{\"code\": \"dev:demo-{i + 1:04d}\"}}"
              for i in range(min(BOUND_DEMO_ACCOUNTS, len(plan.subjects)))]
    return lines
