"""The demo district's pre-sentence investigations (调查评估) and resettlement register (安置帮教): a few cases in
every state and people released from prison, handed over on time or late, with records and a risk note.

Deterministic from (seed, today) and idempotent by ID number. Called by `demo.seed`; the people are fictitious.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from correction.clock import LOCAL_TZ
from correction.components import components
from correction.db import db, transaction
from correction.models import (
    AssistanceKind, AssistedPerson, Category, CommissionerKind, Investigation, RiskKind, Role, Unit, User,
)
from correction.rules.identity import check_character
from correction.services import investigations, resettlement

INVESTIGATIONS = 12
RELEASES = 14
NAMES = ["赵立新", "钱卫东", "孙海涛", "李建军", "周小龙", "吴志刚", "郑国庆", "王晓峰", "冯长春", "陈德明", "褚金山",
         "卫红兵", "蒋宏伟", "沈玉林", "韩春雨", "杨振华"]
CHARGES = ["危险驾驶罪", "盗窃罪", "诈骗罪", "故意伤害罪", "交通肇事罪", "寻衅滋事罪"]
COMMISSIONERS = [(CommissionerKind.court, "大连市金州区人民法院"),
                 (CommissionerKind.procuratorate, "大连金普新区人民检察院"),
                 (CommissionerKind.police, "大连市公安局金普新区分局"), (CommissionerKind.prison, "大连监狱")]
PRISONS = ["大连监狱", "辽宁省瓦房店监狱", "辽宁省沈阳第一监狱", "吉林省四平监狱"]
RECORD = {"residence": "有固定住所，与家人同住", "family_relations": "家庭关系和睦，家属愿意协助监管",
          "conduct": "平时表现良好，无违法记录", "offence_impact": "已赔偿被害人损失，影响较小",
          "committee_opinion": "村（居）委会同意接收", "victim_opinion": "被害人表示谅解"}


def _id_number(rng: random.Random, serial: int) -> str:
    birth = date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28))
    first17 = f"210213{birth:%Y%m%d}{901 + serial % 50 * 2:03d}"  # odd: the demo people are men
    return first17 + check_character(first17)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC)


def seed_assistance(seed: int, today: date, county: Unit, offices: list[Unit], office_officers: list[User],
                    county_officer: User, register_officers: tuple[User, User]) -> int:
    """Create the cases and people the database lacks; returns how many were created. Each draws from a random
    generator of its own, so what exists already does not shift what comes after it."""
    vault, created = components().vault, 0
    cases = set(db.session.scalars(sa.select(Investigation.id_number_digest).where(
        Investigation.county_id == county.id)))
    for n in range(INVESTIGATIONS):
        rng = random.Random(f"{seed}:investigation:{n}")
        id_number, index = _id_number(rng, n), rng.randrange(len(offices))
        received = today - timedelta(days=rng.randint(3, 60))
        if vault.digest(id_number) not in cases:
            _seed_case(n, id_number, received, offices[index], office_officers[index], county_officer, today, rng)
            created += 1
    people = set(db.session.scalars(sa.select(AssistedPerson.id_number_digest).where(
        AssistedPerson.county_id == county.id)))
    for n in range(RELEASES):
        rng = random.Random(f"{seed}:release:{n}")
        id_number, index = _id_number(rng, 50 + n), rng.randrange(3)  # the first offices keep the register
        released = today + timedelta(days=rng.randint(-120, 20))
        if vault.digest(id_number) not in people:
            _seed_person(n, id_number, released, offices[index], register_officers, today, rng)
            created += 1
    return created


def _seed_case(n: int, id_number: str, received: date, office: Unit, officer: User, county_officer: User,
               today: date, rng: random.Random) -> None:
    """One case, taken as far as its age allows: the older, the more likely sent and decided."""
    kind, name = COMMISSIONERS[n % len(COMMISSIONERS)]
    case = investigations.commission(
        county_officer, as_of=_at(received), commissioner_kind=kind, commissioner_name=name, received_on=received,
        office_id=office.id, name=NAMES[n % len(NAMES)], id_number=id_number, sex="male",
        address=f"辽宁省大连市金州区{office.name.removesuffix('司法所')}街道{n + 3}号", charge=rng.choice(CHARGES),
        intended_category=Category.parole if kind == CommissionerKind.prison else Category.probation,
        fast_track=n % 4 == 1, commission_number=f"（{received.year}）辽0213委{n + 1}号")
    worked = received + timedelta(days=rng.randint(4, 16))
    if worked >= today:
        return
    investigations.record(officer, case.id, as_of=_at(worked), **RECORD)
    investigations.submit_opinion(officer, case.id, as_of=_at(worked), suitable=n % 6 != 0,
                                  opinion="经调查评估，建议" + ("适用社区矫正。" if n % 6 else "不适用社区矫正。"))
    sent = worked + timedelta(days=1)
    if sent >= today:
        return
    investigations.approve_opinion(county_officer, case.id, as_of=_at(sent), sent_on=sent)
    decided = sent + timedelta(days=rng.randint(5, 20))
    if decided < today:
        investigations.record_outcome(officer, case.id, as_of=_at(decided), adopted=n % 9 != 0, outcome_on=decided)


def _seed_person(n: int, id_number: str, released: date, office: Unit, officers: tuple[User, User], today: date,
                 rng: random.Random) -> None:
    """One release from prison: awaiting release when still ahead, else handed over (late now and then), with
    contacts and, for one person, an open risk note."""
    county_officer, office_officer = officers
    person = resettlement.receive_notice(
        county_officer, as_of=_at(released - timedelta(days=30)), office_id=office.id,
        name=NAMES[-1 - n % len(NAMES)], id_number=id_number, sex="male",
        address=f"辽宁省大连市金州区{office.name.removesuffix('司法所')}街道{n + 20}号",
        prison_name=PRISONS[n % len(PRISONS)], notice_received_on=released - timedelta(days=30),
        expected_release_on=released, key_case=n % 5 == 0,
        out_of_province=PRISONS[n % len(PRISONS)].startswith("吉林"), phone=f"139{rng.randint(0, 99999999):08d}")
    if released >= today:
        return
    received = released + timedelta(days=1 if n % 7 == 3 else 0)
    resettlement.record_handover(county_officer, person.id, as_of=_at(received, 16), released_on=released,
                                 received_at=_at(received), received_by="司法所工作人员、家属", place="监狱门口")
    actor = office_officer if office_officer.unit_id == office.id else county_officer
    for day in (released + timedelta(days=d) for d in (3, 35, 70)):
        if day < today:
            resettlement.add_record(actor, person.id, as_of=_at(day), kind=AssistanceKind.contact, occurred_on=day,
                                    note="走访，了解就业和生活情况")
    if n % 4 == 2 and released + timedelta(days=10) < today:
        resettlement.add_record(actor, person.id, as_of=_at(released + timedelta(days=10)),
                                kind=AssistanceKind.base_placement, occurred_on=released + timedelta(days=10),
                                base_name="金普新区安置帮教基地", note="安排到基地就业")
    if n == 6:
        resettlement.note_risk(actor, person.id, as_of=_at(today - timedelta(days=1)), kind=RiskKind.address_unknown,
                               note="电话停机，家属不知去向", noted_on=today - timedelta(days=1))


def register_staff(password_hash: str, county: Unit, office: Unit) -> tuple[User, User]:
    """`bangjiao` (county agency) and `bangjiao01` (the first office): officers with the resettlement role."""
    staff = []
    for username, unit, name in (("bangjiao", county, "金普矫正局安置帮教科"),
                                 ("bangjiao01", office, "司法所帮教干部")):
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            with transaction():
                user = User(username=username, password_hash=password_hash, role=Role.officer, name=name,
                            unit_id=unit.id, resettlement_officer=True)
                db.session.add(user)
        staff.append(user)
    return staff[0], staff[1]
