"""变更执行地: county codes, the move date, the short-notice warning, each step's deadline (domain-rules §10)."""

from datetime import date, timedelta

import pytest

from config import load_rules
from correction.rules.relocation import (
    Deadlines, RelocationRules, county_code_problem, deadlines, missed, move_date_problem, warnings,
)

RULES = RelocationRules.from_table(load_rules())
TODAY = date(2026, 11, 26)
TERM_END = date(2028, 11, 19)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def test_the_rules_are_the_tables_relocation_section():
    table = load_rules()
    assert RULES == RelocationRules(**table["relocation"])
    # The national values (domain-rules §10): a month ahead, 5 days each way, 5 to hand over, 7 to report.
    assert (RULES.apply_days_ahead, RULES.consult_days, RULES.reply_days, RULES.handover_days,
            RULES.report_days) == (30, 5, 5, 5, 7)


def test_a_region_overrides_the_deadlines(tmp_path):
    (tmp_path / "990000.toml").write_text("[relocation]\nconsult_days = 3\nreport_days = 10\n", encoding="utf-8")
    regional = RelocationRules.from_table(load_rules("990000", tmp_path))
    assert (regional.consult_days, regional.report_days, regional.reply_days) == (3, 10, RULES.reply_days)
    due = deadlines(regional, move_date=date(2027, 1, 10), submitted_on=TODAY, approved_on=TODAY)
    assert (due.consult_due, due.report_due) == (TODAY + days(3), TODAY + days(10))


@pytest.mark.parametrize("code", ["210213", "210214", "110105", "429004", "650102"])
def test_county_codes(code):
    assert county_code_problem(code) is None


@pytest.mark.parametrize("code", [
    "210200",  # 大连市: a prefecture-level city, not a county
    "210000",  # 辽宁省
    "210013",  # no prefecture part
    "990101",  # no such province
    "810001",  # Hong Kong: outside the mainland's community correction
    "21021", "2102130", "21021x", "",
])
def test_codes_that_are_not_counties(code):
    assert county_code_problem(code)


@pytest.mark.parametrize("lead, warned", [
    (RULES.apply_days_ahead + 60, False),
    (RULES.apply_days_ahead, False),      # exactly the rule's days ahead is on time
    (RULES.apply_days_ahead - 1, True),
    (0, True),                            # moving today: accepted, with the warning
])
def test_short_notice_is_a_warning(lead, warned):
    move = TODAY + days(lead)
    assert move_date_problem(TODAY, move, TERM_END) is None
    assert warnings(RULES, TODAY, move) == (("short_notice",) if warned else ())


def test_move_dates_that_cannot_be_applied_for():
    assert move_date_problem(TODAY, TODAY - days(1), TERM_END) == "迁居日期不能早于今天。"
    assert "期满" in move_date_problem(TODAY, TERM_END + days(1), TERM_END)
    assert move_date_problem(TODAY, TERM_END, TERM_END) is None


def test_each_deadline_counts_from_its_step():
    move, sent, approved = date(2027, 1, 5), date(2026, 11, 28), date(2026, 12, 4)
    assert deadlines(RULES, move_date=move, submitted_on=TODAY) == Deadlines(
        apply_by=move - days(RULES.apply_days_ahead), consult_due=TODAY + days(RULES.consult_days),
        reply_due=None, handover_due=None, report_due=None)
    assert deadlines(RULES, move_date=move, submitted_on=TODAY, consult_sent_on=sent, approved_on=approved) == \
        Deadlines(apply_by=date(2026, 12, 6), consult_due=date(2026, 12, 1), reply_due=date(2026, 12, 3),
                  handover_due=date(2026, 12, 9), report_due=date(2026, 12, 11))


def _due(**steps) -> Deadlines:
    return deadlines(RULES, move_date=date(2027, 1, 5), submitted_on=TODAY, **steps)


@pytest.mark.parametrize("status, steps, reply_on, expected", [
    ("submitted", {}, None, ["consult"]),
    ("consulting", {"consult_sent_on": TODAY}, None, ["reply"]),
    ("consulting", {"consult_sent_on": TODAY}, TODAY, []),              # replied: the decision has no deadline
    ("approved", {"consult_sent_on": TODAY, "approved_on": TODAY}, TODAY, ["handover", "report_in"]),
    ("handed_over", {"consult_sent_on": TODAY, "approved_on": TODAY}, TODAY, ["report_in"]),
    ("reported", {"consult_sent_on": TODAY, "approved_on": TODAY}, TODAY, []),
    ("rejected", {"consult_sent_on": TODAY}, TODAY, []),
])
def test_missed_steps_by_status(status, steps, reply_on, expected):
    due = _due(**steps)
    long_after = TODAY + days(60)
    assert [kind for kind, _ in missed(status, due, reply_on, long_after)] == expected
    assert missed(status, due, reply_on, TODAY) == []


def test_a_deadline_is_missed_the_day_after_it():
    due = _due()
    assert missed("submitted", due, None, due.consult_due) == []
    assert missed("submitted", due, None, due.consult_due + days(1)) == [("consult", due.consult_due)]
