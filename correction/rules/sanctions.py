"""The sanction ladder (考核奖惩, domain-rules §12–§13): what to suggest for a breach, given the subject's sanctions
within the lookback and how many days they were out of contact. Suggestions only: the county agency decides.

Pure functions over the rule table's `sanctions` values. "Uncorrected" (屡教不改) cannot be read from data, so the
sanctions decided within `lookback_months` stand for it.
"""

from dataclasses import asdict, dataclass, fields

ADMONITION = "admonition"                  # 训诫
WARNING = "warning"                        # 警告
REVOCATION = "revocation_proposal"         # 提请撤销缓刑、假释 / 提请收监执行
POLICE_PENALTY = "police_penalty_proposal"  # 管制 has no suspended sentence to revoke: 提请治安管理处罚
RANK = {ADMONITION: 1, WARNING: 2, REVOCATION: 3, POLICE_PENALTY: 3}

# The top rung by correction category (SPC interp arts 516, 543; 管制: law art 28, 刑法 art 38).
_TOP_RUNG = {
    "probation": (REVOCATION, "提请撤销缓刑"),
    "parole": (REVOCATION, "提请撤销假释"),
    "temporary_release": (REVOCATION, "提请收监执行"),
    "control": (POLICE_PENALTY, "提请公安机关给予治安管理处罚"),
}


@dataclass(frozen=True)
class SanctionRules:
    """The `sanctions` section of the rule table."""

    admonitions_for_warning: int      # this many 训诫 within the lookback: the next breach suggests 警告
    absence_days_for_warning: int     # out of contact more days than this: 警告 (this many or fewer: 训诫)
    warnings_for_revocation: int      # this many 警告 within the lookback: suggest the top rung
    absence_days_for_revocation: int  # out of contact more days than this: suggest the top rung
    lookback_months: int              # sanctions older than this no longer count

    @classmethod
    def from_table(cls, table) -> "SanctionRules":
        """Read each value as ``table["sanctions.<name>"]`` (a RuleTable or any mapping of dotted keys)."""
        return cls(**{f.name: table[f"sanctions.{f.name}"] for f in fields(cls)})


@dataclass(frozen=True)
class Suggestion:
    """What the ladder suggests (`code`) and why, in Chinese (`text`)."""

    code: str
    text: str

    def as_dict(self) -> dict:
        return asdict(self)


def suggest(rules: SanctionRules, category: str, *, admonitions: int, warnings: int,
            absence_days: int = 0) -> Suggestion:
    """The suggestion for one more breach by a subject of `category` who has `admonitions` and `warnings` within
    the lookback and was out of contact (未报到、越界、未销假) for `absence_days` (0 when the breach is no absence)."""
    months = rules.lookback_months
    if warnings >= rules.warnings_for_revocation:
        return _top(category, f"近{months}个月内已受警告{warnings}次")
    if absence_days > rules.absence_days_for_revocation:
        return _top(category, f"脱离监管{absence_days}天，超过{rules.absence_days_for_revocation}天")
    if admonitions >= rules.admonitions_for_warning:
        return Suggestion(WARNING, f"建议警告：近{months}个月内已受训诫{admonitions}次。")
    if absence_days > rules.absence_days_for_warning:
        return Suggestion(WARNING, f"建议警告：脱离监管{absence_days}天，超过{rules.absence_days_for_warning}天。")
    if absence_days > 0:
        return Suggestion(ADMONITION, f"建议训诫：脱离监管{absence_days}天，未超过{rules.absence_days_for_warning}天。")
    return Suggestion(ADMONITION, "建议训诫：违反监督管理规定，情节较轻。")


def _top(category: str, reason: str) -> Suggestion:
    code, action = _TOP_RUNG[category]
    return Suggestion(code, f"建议{action}：{reason}。")


def climbs(before: dict | None, after: dict | None) -> bool:
    """True when a refreshed suggestion (as stored: `{code, text}`) is a higher rung than the one before it."""
    return after is not None and RANK[after["code"]] > (RANK[before["code"]] if before else 0)
