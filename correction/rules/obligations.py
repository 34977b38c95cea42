"""What a subject owes, as pure functions over the rule table's values and the subject's dated level history.

A periodic-report period is owed under the level in force on its last day; during the first months after
report-in (rule `classification.new_intake_strict_months`) that level is 严管 whatever was recorded. A period
is owed only if it starts on or after the report-in day and ends before the file closes.
"""

from dataclasses import dataclass
from datetime import date

from correction.rules.periods import Period, period_containing, previous_period
from correction.rules.terms import add_months


@dataclass(frozen=True)
class LevelSpan:
    level: str
    valid_from: date
    valid_to: date | None  # exclusive; None = still in force


@dataclass(frozen=True)
class Timeline:
    """The dates of one subject that decide what they owe."""

    category: str
    reported_in_on: date | None
    ended_on: date | None
    levels: tuple[LevelSpan, ...]

    def level_on(self, day: date, strict_months: int) -> str | None:
        """The level that governs `day`: 严管 while a new intake, else the span in force, else None."""
        if self.reported_in_on is not None and day < add_months(self.reported_in_on, strict_months):
            return "strict"
        for span in self.levels:
            if span.valid_from <= day and (span.valid_to is None or day < span.valid_to):
                return span.level
        return None

    def active_over(self, period: Period) -> bool:
        """Under correction for the whole period (reported in before it starts, not ended before it ends)."""
        return (self.reported_in_on is not None and self.reported_in_on <= period.start
                and (self.ended_on is None or self.ended_on > period.end))


@dataclass(frozen=True)
class Stream:
    """One kind of recurring report: its cadence per level (or fixed), grace and the categories that owe it."""

    kind: str
    cadence_by_level: dict[str, str] | None
    cadence: str | None
    grace_days: int
    categories: tuple[str, ...] | None  # None: every category

    def cadences(self) -> set[str]:
        return set(self.cadence_by_level.values()) if self.cadence_by_level else {self.cadence}

    def cadence_for(self, level: str | None) -> str | None:
        if self.cadence_by_level is None:
            return self.cadence
        return self.cadence_by_level.get(level) if level else None


def report_streams(rules) -> list[Stream]:
    """The recurring report obligations of the rule table."""
    periodic = rules["obligations.periodic_report"]
    streams = [Stream("periodic", periodic["cadence"], None, periodic["grace_days"], None)]
    for kind in ("health_report", "medical_review"):
        entry = rules[f"obligations.{kind}"]
        streams.append(Stream(kind, None, entry["cadence"], entry["grace_days"], tuple(entry["categories"])))
    return streams


def owes(stream: Stream, timeline: Timeline, period: Period, cadence: str, strict_months: int) -> bool:
    """Whether `period` of `cadence` is owed in `stream` by this subject."""
    if stream.categories is not None and timeline.category not in stream.categories:
        return False
    if not timeline.active_over(period):
        return False
    return stream.cadence_for(timeline.level_on(period.end, strict_months)) == cadence


def owed_periods_around(stream: Stream, timeline: Timeline, today: date, strict_months: int,
                        anchor: date) -> list[Period]:
    """Owed periods from the latest closed one to the current one, oldest first (those still in grace between)."""
    found: set[Period] = set()
    for cadence in stream.cadences():
        period = period_containing(cadence, today, anchor)
        candidates = [period]
        while period.deadline(stream.grace_days) >= today:  # walk back to the first closed period
            period = previous_period(cadence, period, anchor)
            candidates.append(period)
        found |= {p for p in candidates if owes(stream, timeline, p, cadence, strict_months)}
    return sorted(found)
