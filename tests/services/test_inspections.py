"""The quarterly inspection list: county A run through 2026Q4 with one irregularity planted per subject (see
tests/inspection_scenario.py); each is listed with its reason code and the clean file is not; generating twice
gives the same list; the sample is reproducible; the quarter job makes every county's final list once."""

from collections import defaultdict
from datetime import date

import pytest
import sqlalchemy as sa

from correction.db import db
from correction.errors import RuleViolation
from correction.models import Inspection, Notification, Subject
from correction.rules.inspection import REASON_CODES, draw_sample
from correction.rules.quarters import Quarter
from correction.services import inspections
from tests.apps import at
from tests.factories import intake_body
from tests.inspection_scenario import CLEAN, PLANTED, local, rules_changed, run_quarter


@pytest.fixture
def quarter(app, client, world):
    return run_quarter(app, client, world)


def listed(inspection: Inspection) -> list[tuple]:
    return [(i.position, i.subject_id, i.reason_code, i.reason, i.evidence, i.sampled) for i in
            inspections.inspection_items(inspection)]


def codes_by_name(inspection: Inspection, ids: dict[str, int]) -> dict[str, set[str]]:
    names = {subject_id: name for name, subject_id in ids.items()}
    found = defaultdict(set)
    for item in inspections.inspection_items(inspection):
        if not item.sampled:
            found[names.get(item.subject_id, item.subject_id)].add(item.reason_code)
    return found


def test_quarters_parse_bound_and_step_back():
    q = Quarter.parse("2026Q4")
    assert (str(q), q.name, q.first_day, q.last_day) == ("2026Q4", "2026年第四季度", date(2026, 10, 1),
                                                         date(2026, 12, 31))
    assert q.ends_at == local(2027, 1, 1, 0) and q.starts_at == local(2026, 10, 1, 0)
    assert (str(q.previous()), str(q.next()), str(Quarter.parse("2027Q1").previous())) == ("2026Q3", "2027Q1",
                                                                                           "2026Q4")
    assert Quarter.containing(date(2026, 2, 28)) == Quarter(2026, 1)
    for bad in ("2026Q5", "2026q1", "26Q1", ""):
        with pytest.raises(ValueError):
            Quarter.parse(bad)


def test_each_planted_irregularity_is_listed_and_the_clean_file_is_not(app, quarter):
    with app.app_context():
        final = inspections.generate(quarter.world.units["county_a"], "2026Q4", local(2027, 1, 5))
        assert final.final and final.as_of == local(2027, 1, 1, 0) and final.item_count == len(listed(final))
        found = codes_by_name(final, quarter.ids)
        for name, codes in PLANTED.items():
            assert found[name] == codes, name
        assert set(found) == set(PLANTED)  # nobody else, and never the clean file
        sampled = [i for i in inspections.inspection_items(final) if i.sampled]
        # the only county-A file not listed is the clean one (寅迁居 moved to county B)
        assert [(i.subject_id, i.reason_code) for i in sampled] == [(quarter.ids[CLEAN], "random_sample")]
        items = inspections.inspection_items(final)
        assert [i.position for i in items] == list(range(1, len(items) + 1))
        assert [REASON_CODES.index(i.reason_code) for i in items] == sorted(REASON_CODES.index(i.reason_code)
                                                                            for i in items)
        reasons = {(i.subject_id, i.reason_code): i.reason for i in items}
        links = {(i.subject_id, e["link"]) for i in items for e in i.evidence}
    ids = quarter.ids
    assert reasons[ids["乙越权"], "leave_wrong_level"] == "越权审批：外出共9天，超过司法所审批权限（7天），由司法所批准"
    assert reasons[ids["丙迟批"], "leave_approved_late"] == (
        "外出开始后才批准：外出2026-12-01至2026-12-03，2026-12-02批准")
    assert reasons[ids["丁急批"], "leave_short_notice"] == "未提前3天申请即获批准：2026-12-10申请，2026-12-11出发"
    assert reasons[ids["戊涉企"], "fast_track_approval"].startswith("涉企简捷审批在时限内：2026-12-01 10:00申请，"
                                                                  "2026-12-01 15:00批准，用时5.0小时")
    assert reasons[ids["戊涉企"], "fast_track_overdue"].endswith("用时31.0小时（应于2026-12-09 09:00前决定），"
                                                                 "已报县级社区矫正机构负责人")
    assert reasons[ids["己逾期销假"], "late_return"] == ("未按时销假：外出应于2026-12-16结束，2026-12-20才销假，逾期4天"
                                                        "（告警已处理：训诫）")
    assert reasons[ids["庚越界"], "out_of_bounds_alert"] == (
        "越界：连续定位在执行地范围外（2026-12-05 12:00）；处理：不予处理（经核实）；申辩：手机定位漂移，本人在家。；"
        "答复：经核实属定位漂移。")
    assert "建议训诫" in reasons[ids["庚越界"], "sanction_missing"]
    assert "建议警告：近12个月内已受训诫2次" in reasons[ids["辛未警告"], "sanction_missing"]
    assert "实际处理：训诫" in reasons[ids["辛未警告"], "sanction_missing"]
    assert reasons[ids["壬脱管"], "missed_checkin_alert"].endswith("至季度末未处理")
    assert reasons[ids["壬脱管"], "out_of_contact"] == (
        "疑似脱管：1条越界或未签到告警超过15天未处理（最早2026-12-01 12:00）；绑定小程序后从未定位")
    assert reasons[ids["癸迟报到"], "report_in_late"] == "逾期报到：应于2026-11-30前报到，2026-12-05报到，逾期5天"
    assert reasons[ids["对象A1"], "report_in_late"] == "逾期未报到：应于2026-11-30前报到，至季度末仍未报到，逾期31天"
    assert reasons[ids["子迟解矫"], "release_late"] == "未按期解除矫正：矫正期2026-11-30届满，2026-12-10解除，迟10天"
    assert reasons[ids["丑未解矫"], "release_late"] == (
        "未按期解除矫正：矫正期2026-12-14届满，至季度末尚未解除，已逾17天")
    assert reasons[ids["寅迁居"], "relocation_handover_late"] == (
        "变更执行地逾期移交：2026-12-01批准，应于2026-12-06前移交档案，2026-12-10完成，逾期4天")
    assert reasons[ids["寅迁居"], "relocation_report_late"] == (
        "变更执行地后逾期报到：应于2026-12-08前到新执行地报到，2026-12-12完成，逾期4天")
    with at(2027, 1, 5):  # every piece of evidence is a path the inspector can open
        for subject_id, link in sorted(links):
            # 寅迁居's file, and with it the request, moved to county B at the hand-over: B's scope now
            reader = "inspector_b" if subject_id == ids["寅迁居"] else "inspector_a"
            assert quarter.client.get(link, headers=quarter.world.h(reader)).status_code == 200, link
            if subject_id != ids["寅迁居"]:  # and the other county's procuratorate cannot
                assert quarter.client.get(link, headers=quarter.world.h("inspector_b")).status_code == 404, link


def test_generating_twice_gives_the_same_list(app, quarter):
    county = quarter.world.units["county_a"]
    with app.app_context():
        early = inspections.generate(county, "2026Q4", local(2026, 12, 3))  # sees only what happened by then
        found = codes_by_name(early, quarter.ids)
        reasons = [i.reason for i in early.items if i.subject_id == quarter.ids["对象A1"]]
        first = listed(inspections.generate(county, "2026Q4", local(2026, 12, 30)))
        provisional = inspections.generate(county, "2026Q4", local(2026, 12, 30))
        assert not provisional.final and provisional.as_of == local(2026, 12, 30) and provisional.id == early.id
        assert listed(provisional) == first  # regenerated (items replaced) with the same result
        final = inspections.generate(county, "2026Q4", local(2027, 1, 5))
        assert final.id == provisional.id and final.final and final.generated_at == local(2027, 1, 5)
        items = listed(final)
        again = inspections.generate(county, "2026Q4", local(2027, 3, 1))  # returned as it is
        assert again.generated_at == local(2027, 1, 5) and listed(again) == items
        other = inspections.generate(quarter.world.units["county_b"], "2026Q4", local(2027, 1, 5))
        in_b = {i.subject_id: i.reason_code for i in inspections.inspection_items(other) if not i.sampled}
    assert found["丙迟批"] == {"leave_approved_late"} and "丁急批" not in found  # not yet asked for on 12-03
    assert reasons == ["逾期未报到：应于2026-11-30前报到，至2026-12-03仍未报到，逾期3天"]
    # county B: b1 never reported in; 寅迁居 moved in with a bound mini-program and no fix since
    assert in_b == {quarter.world.subjects["b1"]: "report_in_late", quarter.ids["寅迁居"]: "out_of_contact"}


def test_caps_follow_the_rule_table(app, quarter):
    with rules_changed(app, "leave", per_trip_max_days=8, yearly_max_days=3), app.app_context():
        listed_now = inspections.generate(quarter.world.units["county_a"], "2026Q4", local(2026, 12, 30))
        found = codes_by_name(listed_now, quarter.ids)
    assert "leave_over_trip_cap" in found["乙越权"]
    assert "leave_over_yearly_cap" in found["戊涉企"]  # 2 + 2 days by 12-09: the second trip passes 3
    assert "leave_over_yearly_cap" not in found[CLEAN]  # 3 days


def test_future_and_malformed_quarters_are_refused(app, world):
    with app.app_context():
        for label in ("2027Q1", "2026-Q4"):
            with pytest.raises(RuleViolation):
                inspections.generate(world.units["county_a"], label, local(2026, 12, 30))


def test_the_sample_is_reproducible_and_leaves_out_listed_files(app, client, world):
    with at(2026, 11, 24, 13):
        for serial in range(30, 45):
            assert client.post("/api/v1/subjects", headers=world.h("officer_a1"),
                               json=intake_body(world.units["office_a1"], serial, name=f"对象{serial}",
                                                effective_date="2026-11-25")).status_code == 201
    county = world.units["county_a"]
    with app.app_context():
        population = list(db.session.scalars(sa.select(Subject.id).where(Subject.county_id == county)))
        first = inspections.generate(county, "2026Q4", local(2026, 12, 1))
        drawn = [i.subject_id for i in first.items if i.sampled]
        assert len(drawn) == 10 and world.subjects["a1"] not in drawn  # a1 is listed (not reported in)
        assert drawn == draw_sample(set(population) - {world.subjects["a1"]}, county, "2026Q4", 10)
        assert [i.subject_id for i in inspections.generate(county, "2026Q4", local(2026, 12, 2)).items
                if i.sampled] == drawn
        assert draw_sample(population, county, "2026Q3", 10) != draw_sample(population, county, "2026Q4", 10)


def test_the_quarter_job_makes_every_final_list_once_and_tells_the_readers(app, quarter):
    world = quarter.world
    with app.app_context():
        inspections.generate(world.units["county_a"], "2026Q4", local(2026, 12, 30))  # a provisional list
        counted = inspections.generate_quarter_lists(local(2027, 1, 1, 0, 5))
        lists_now = {i.county_id: (i.id, i.final, listed(i)) for i in db.session.scalars(sa.select(Inspection))}
        assert counted == {"counties": 2, "generated": 2, "notified": 4,
                           "items": sum(len(items) for _, _, items in lists_now.values())}
        assert all(final for _, final, _ in lists_now.values()) and len(lists_now) == 2
        again = inspections.generate_quarter_lists(local(2027, 1, 2))
        assert again == {"counties": 2, "generated": 0, "items": 0, "notified": 0}
        assert {i.county_id: (i.id, i.final, listed(i)) for i in db.session.scalars(sa.select(Inspection))} == \
            lists_now
        messages = db.session.scalars(sa.select(Notification).where(Notification.kind == "inspection_list")
                                      .order_by(Notification.user_id)).all()
    assert sorted(m.user_id for m in messages) == sorted(world.users[u] for u in ("county_a", "inspector_a",
                                                                                  "county_b", "inspector_b"))
    assert messages[0].title == "2026年第四季度联合巡检清单"
    assert {m.link for m in messages} == {f"/api/v1/inspections/{i}" for i, _, _ in lists_now.values()}
