"""Thin job bodies: each takes the instant it acts as of and calls correction.services, returning counts.

Every service called here is idempotent by its own keys (dedupe keys, conditional updates, a day's draw key),
so a period re-run after a crash adds only what the crashed attempt had not committed.
"""

from dataclasses import asdict
from datetime import datetime

from correction.services import location_upkeep, spot_checks


def missed_checkins(at: datetime) -> dict:
    return {"signals": location_upkeep.missed_checkins(at)}


def spot_check_draw(at: datetime) -> dict:
    return {"drawn": len(spot_checks.draw_spot_checks(at))}


def spot_check_expiry(at: datetime) -> dict:
    return {"missed": len(spot_checks.expire_spot_checks(at))}


def location_retention(at: datetime) -> dict:
    return asdict(location_upkeep.purge_locations(at))
