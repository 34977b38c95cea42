"""The rule table: national defaults from the law and practice, overridden per region.

Every deadline, frequency, threshold and approval level that the law or a province sets is a value here,
never a literal in code (../shared/docs/domain-rules.md §0 and §23). `national.toml` holds the national
defaults with their sources; `regions/<code>.toml` overrides any subset for one region.

A day count is either a plain integer of calendar days (durations and thresholds: a trip's length, days out of
contact) or, for a deadline, a table that says how it counts: ``{ days = 10, count = "working" }`` or
``{ days = 5, count = "calendar" }``. A region may change the days and the counting of a counted rule; it may
not turn a plain value into a table (its readers take the number as calendar days).
"""

import copy
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

COUNTINGS = ("working", "calendar")


@dataclass(frozen=True)
class DayCount:
    """A number of days and whether they are working days (工作日) or calendar days (自然日)."""

    days: int
    working: bool

    @classmethod
    def of(cls, value, where: str = "day count") -> "DayCount":
        """Read a rule value: an integer (calendar days) or ``{days, count}``.

        :raises ValueError: anything else.
        """
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return cls(value, False)
        if (isinstance(value, (dict, MappingProxyType)) and set(value) == {"days", "count"}
                and isinstance(value["days"], int) and not isinstance(value["days"], bool) and value["days"] >= 0
                and value["count"] in COUNTINGS):
            return cls(value["days"], value["count"] == "working")
        raise ValueError(f"{where} must be a whole number of days or {{ days = N, count = \"working\" | "
                         f"\"calendar\" }}, not {value!r}")

RULES_DIR = Path(__file__).parent
REGIONS_DIR = RULES_DIR / "regions"


class RuleTable:
    """Read-only rule values addressed by dotted keys, e.g. ``rules["intake.report_in_days"]``."""

    def __init__(self, values: dict, region: str | None = None):
        self._values = MappingProxyType(copy.deepcopy(values))
        self.region = region

    def __getitem__(self, dotted: str):
        node = self._values
        for part in dotted.split("."):
            if not isinstance(node, (dict, MappingProxyType)) or part not in node:
                raise KeyError(f"no rule {dotted!r} in the rule table")
            node = node[part]
        return copy.deepcopy(node) if isinstance(node, (dict, list)) else node

    def day_count(self, dotted: str) -> DayCount:
        """A day count, e.g. ``rules.day_count("investigation.deadline_days")`` → DayCount(10, working=True)."""
        return DayCount.of(self[dotted], dotted)

    def section(self, name: str) -> dict:
        """A copy of one section, e.g. ``rules.section("term_bounds")``."""
        return self[name]


def _merge(base: dict, override: dict, path: str = "") -> dict:
    for key, value in override.items():
        where = f"{path}.{key}" if path else key
        if key not in base:
            raise ValueError(f"region override names unknown rule {where!r}")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ValueError(f"region override {where!r} must be a table")
            _merge(base[key], value, where)
        elif isinstance(value, dict):
            raise ValueError(f"region override {where!r} must be a plain value like the national rule")
        else:
            base[key] = value
    return base


def load_rules(region: str | None = None, regions_dir: Path = REGIONS_DIR) -> RuleTable:
    """Load the national table and, when `region` is given, overlay ``regions_dir/<region>.toml``.

    :raises FileNotFoundError: the region has no override file.
    :raises ValueError: the override names a rule the national table does not have.
    """
    with open(RULES_DIR / "national.toml", "rb") as fh:
        values = tomllib.load(fh)
    if region:
        with open(Path(regions_dir) / f"{region}.toml", "rb") as fh:
            _merge(values, tomllib.load(fh))
    _check_day_counts(values)
    return RuleTable(values, region)


def _check_day_counts(node: dict, path: str = "") -> None:
    """Every counted table (one with a `count`) is a well-formed day count.

    :raises ValueError: naming the first that is not.
    """
    for key, value in node.items():
        where = f"{path}.{key}" if path else key
        if isinstance(value, dict):
            if "count" in value:
                DayCount.of(value, where)
            else:
                _check_day_counts(value, where)
