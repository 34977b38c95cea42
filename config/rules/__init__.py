"""The rule table: national defaults from the law and practice, overridden per region.

Every deadline, frequency, threshold and approval level that the law or a province sets is a value here,
never a literal in code (../shared/docs/domain-rules.md §0 and §23). `national.toml` holds the national
defaults with their sources; `regions/<code>.toml` overrides any subset for one region.
"""

import copy
import tomllib
from pathlib import Path
from types import MappingProxyType

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
    return RuleTable(values, region)
