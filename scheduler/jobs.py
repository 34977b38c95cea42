"""Thin job bodies: each takes the instant it acts as of and calls correction.services, returning counts.

Every service called here is idempotent by its own keys (dedupe keys, conditional updates, a day's draw key),
so a period re-run after a crash adds only what the crashed attempt had not committed.
"""

from dataclasses import asdict
from datetime import datetime

from correction.services import (
    alert_jobs, deliveries as delivery_service, inspections, investigation_reports, location_upkeep, photo_upkeep,
    procuratorate, reminders, resettlement_reports, spot_checks,
)


def overdue_alerts(at: datetime) -> dict:
    return alert_jobs.alert_overdue(at)


def late_returns(at: datetime) -> dict:
    return alert_jobs.alert_late_returns(at)


def fast_track_deadlines(at: datetime) -> dict:
    return alert_jobs.alert_missed_fast_track(at)


def relocation_deadlines(at: datetime) -> dict:
    return alert_jobs.alert_relocation(at)


def location_signals(at: datetime) -> dict:
    """Missed spot checks become signals first, then every unconsumed signal becomes an alert."""
    missed = len(spot_checks.expire_spot_checks(at))
    return {"spot_checks_missed": missed, **alert_jobs.alert_location_signals(at)}


def missed_checkins(at: datetime) -> dict:
    return {"signals": location_upkeep.missed_checkins(at)}


def spot_check_draw(at: datetime) -> dict:
    return {"drawn": len(spot_checks.draw_spot_checks(at))}


def report_reminders(at: datetime) -> dict:
    return reminders.remind_due_reports(at)


def term_ending(at: datetime) -> dict:
    return reminders.remind_term_ending(at)


def investigation_deadlines(at: datetime) -> dict:
    return investigation_reports.remind_deadlines(at)


def resettlement_reminders(at: datetime) -> dict:
    return resettlement_reports.remind(at)


def monthly_leave_list(at: datetime) -> dict:
    return procuratorate.send_monthly_leave_lists(at)


def quarterly_inspection(at: datetime) -> dict:
    return inspections.generate_quarter_lists(at)


def location_retention(at: datetime) -> dict:
    return asdict(location_upkeep.purge_locations(at))


def checkin_partitions(at: datetime) -> dict:
    return {"partitions": location_upkeep.make_partitions_ahead(at)}


def photo_retention(at: datetime) -> dict:
    return {"photos": photo_upkeep.purge_unattached_photos(at)}


def deliveries(at: datetime) -> dict:
    return delivery_service.deliver_pending(at)
