"""Settings classes and the rule table: the bottom layer, importing nothing of the project."""

from config.rules import DayCount, RuleTable, load_rules
from config.settings import CONFIGS, ConfigError, Development, Production, Settings, Testing, settings_for

__all__ = [
    "CONFIGS", "ConfigError", "DayCount", "Development", "Production", "RuleTable", "Settings", "Testing",
    "load_rules", "settings_for",
]
