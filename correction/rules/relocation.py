"""变更执行地 (change of residence): the deadline of each step and whether the application is early enough
(domain-rules §10).

Pure functions over the rule table's `relocation` values. Applying later than the rule's days ahead is a warning,
not a refusal: officers decide.
"""

import re
from dataclasses import dataclass, fields
from datetime import date, timedelta

# GB/T 2260 province-level codes of the mainland, where community correction is executed (no 71, 81, 82).
PROVINCES = frozenset({"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
                       "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
                       "65"})
_SIX_DIGITS = re.compile(r"^\d{6}$")

SHORT_NOTICE = "short_notice"
# The deadlines a request can miss, in the order of the chain.
MISSABLE = ("consult", "reply", "handover", "report_in")


@dataclass(frozen=True)
class RelocationRules:
    """The `relocation` section of the rule table."""

    apply_days_ahead: int  # apply this many days before moving
    consult_days: int      # the county agency writes to the receiving county within these days of the application
    reply_days: int        # the receiving county replies within these days of the letter
    handover_days: int     # files go to the receiving agency within these days of the decision
    report_days: int       # the subject reports to the new agency within these days of the decision

    @classmethod
    def from_table(cls, table) -> "RelocationRules":
        """Read each value as ``table["relocation.<name>"]`` (a RuleTable or any mapping of dotted keys)."""
        return cls(**{f.name: table[f"relocation.{f.name}"] for f in fields(cls)})


def county_code_problem(code: str) -> str | None:
    """Why a code is not a county-level division (县、县级市、区) of GB/T 2260, or None."""
    if not _SIX_DIGITS.match(code) or code[:2] not in PROVINCES or code[2:4] == "00" or code[4:] == "00":
        return "新执行地应为6位县级行政区划代码（如210213），不能是省或地级市的代码。"
    return None


def apply_by(rules: RelocationRules, move_date: date) -> date:
    """The last day to apply on time for a move on `move_date`."""
    return move_date - timedelta(days=rules.apply_days_ahead)


def move_date_problem(today: date, move_date: date, term_end: date) -> str | None:
    """Why a move date cannot be applied for (Chinese), or None. Lateness is only a warning (`warnings`)."""
    if move_date < today:
        return "迁居日期不能早于今天。"
    if move_date > term_end:
        return "迁居日期在矫正期满之后，无需申请变更执行地。"
    return None


def warnings(rules: RelocationRules, applied_on: date, move_date: date) -> tuple[str, ...]:
    """`short_notice` when the application came later than the rule's days ahead of the move."""
    return (SHORT_NOTICE,) if applied_on > apply_by(rules, move_date) else ()


def consult_due(rules: RelocationRules, submitted_on: date) -> date:
    """Last day for the county agency to write to the receiving county."""
    return submitted_on + timedelta(days=rules.consult_days)


def reply_due(rules: RelocationRules, consult_sent_on: date) -> date:
    """Last day for the receiving county's written reply."""
    return consult_sent_on + timedelta(days=rules.reply_days)


def handover_due(rules: RelocationRules, approved_on: date) -> date:
    """Last day to hand the files over to the receiving agency."""
    return approved_on + timedelta(days=rules.handover_days)


def report_due(rules: RelocationRules, approved_on: date) -> date:
    """Last day for the subject to report to the new agency, counted from the decision date."""
    return approved_on + timedelta(days=rules.report_days)


@dataclass(frozen=True)
class Deadlines:
    """The deadline of each step that applies so far (None: the step it counts from has not happened)."""

    apply_by: date
    consult_due: date
    reply_due: date | None
    handover_due: date | None
    report_due: date | None


def deadlines(rules: RelocationRules, *, move_date: date, submitted_on: date, consult_sent_on: date | None = None,
              approved_on: date | None = None) -> Deadlines:
    """The deadlines of a request; hand-over and report-in only once it was approved on `approved_on`."""
    return Deadlines(
        apply_by=apply_by(rules, move_date),
        consult_due=consult_due(rules, submitted_on),
        reply_due=reply_due(rules, consult_sent_on) if consult_sent_on else None,
        handover_due=handover_due(rules, approved_on) if approved_on else None,
        report_due=report_due(rules, approved_on) if approved_on else None,
    )


def missed(status: str, due: Deadlines, consult_reply_on: date | None, today: date) -> list[tuple[str, date]]:
    """The (kind, due day) of each step past due on `today` for a request in `status`.

    consult: not yet written to the receiving county; reply: no reply to the letter; handover: approved, files not
    handed over; report_in: approved or handed over, the subject not yet reported to the new agency.
    """
    steps = (
        ("consult", status == "submitted", due.consult_due),
        ("reply", status == "consulting" and consult_reply_on is None, due.reply_due),
        ("handover", status == "approved", due.handover_due),
        ("report_in", status in ("approved", "handed_over"), due.report_due),
    )
    return [(kind, day) for kind, applies, day in steps if applies and day is not None and day < today]
