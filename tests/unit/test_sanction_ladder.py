"""The sanction ladder on the national values: 训诫 for a first breach or a short absence, 警告 after two 训诫 or
more than 10 days, the top rung (by category) after two 警告 or more than a month."""

import pytest

from config import load_rules
from correction.rules.sanctions import SanctionRules, climbs, suggest

RULES = SanctionRules.from_table(load_rules())


def code(category="probation", **counts) -> str:
    return suggest(RULES, category, **{"admonitions": 0, "warnings": 0, **counts}).code


def test_the_rule_values_are_the_national_ones():
    assert RULES == SanctionRules(2, 10, 2, 30, 12)


def test_a_first_breach_suggests_an_admonition():
    suggestion = suggest(RULES, "probation", admonitions=0, warnings=0)
    assert suggestion.as_dict() == {"code": "admonition", "text": "建议训诫：违反监督管理规定，情节较轻。"}
    assert code(admonitions=1) == "admonition"


def test_two_admonitions_suggest_a_warning():
    suggestion = suggest(RULES, "probation", admonitions=2, warnings=0)
    assert suggestion.code == "warning" and suggestion.text == "建议警告：近12个月内已受训诫2次。"


@pytest.mark.parametrize("days, expected", [(1, "admonition"), (10, "admonition"), (11, "warning"),
                                            (30, "warning"), (31, "revocation_proposal")])
def test_absence_days_climb_the_ladder(days, expected):
    assert code(absence_days=days) == expected


def test_two_warnings_suggest_the_top_rung_of_the_category():
    texts = {category: suggest(RULES, category, admonitions=0, warnings=2) for category in
             ("probation", "parole", "temporary_release", "control")}
    assert {c: s.code for c, s in texts.items()} == {
        "probation": "revocation_proposal", "parole": "revocation_proposal",
        "temporary_release": "revocation_proposal", "control": "police_penalty_proposal"}
    assert texts["probation"].text == "建议提请撤销缓刑：近12个月内已受警告2次。"
    assert texts["parole"].text.startswith("建议提请撤销假释")
    assert texts["temporary_release"].text.startswith("建议提请收监执行")
    assert texts["control"].text.startswith("建议提请公安机关给予治安管理处罚")
    assert code(warnings=1) == "admonition" and code(warnings=1, admonitions=2) == "warning"


def test_a_region_may_change_the_thresholds():
    lenient = SanctionRules.from_table({
        "sanctions.admonitions_for_warning": 3, "sanctions.absence_days_for_warning": 15,
        "sanctions.warnings_for_revocation": 2, "sanctions.absence_days_for_revocation": 30,
        "sanctions.lookback_months": 6})
    assert suggest(lenient, "parole", admonitions=2, warnings=0, absence_days=12).code == "admonition"


def test_climbs_compares_rungs():
    admonition, warning = {"code": "admonition", "text": ""}, {"code": "warning", "text": ""}
    assert climbs(None, admonition) and climbs(admonition, warning)
    assert not climbs(warning, warning) and not climbs(warning, admonition) and not climbs(warning, None)
