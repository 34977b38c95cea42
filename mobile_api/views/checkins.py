"""信息化核查: the supervisee's check-ins (live and queued offline) and open spot checks; the officers' location
history, latest fixes, spot-check requests and location signals (inspectors read)."""

from correction import clock
from correction.models import Role
from correction.services import checkin_history, checkins, signals, spot_checks
from mobile_api.auth import BEARER, actor, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.limits import DOC_429, rate_limited
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.base import PageArgsSchema
from mobile_api.schemas.checkins import (
    CheckInBatchResultSchema, CheckInBatchSchema, CheckInCreateSchema, CheckInPageSchema, CheckInResultSchema,
    LatestArgsSchema, SignalListArgsSchema, SignalPageSchema, SpotCheckSchema,
)

blp = Blueprint("checkins", __name__, url_prefix="/api/v1",
                description="定位签到（信息化核查）、离线补传、随机点验与定位预警线索")

SUPERVISEE = roles(Role.supervisee)
READERS = roles(Role.officer, Role.inspector)


@blp.post("/me/checkins")
@rate_limited("checkin")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@SUPERVISEE
@idempotent
@blp.arguments(CheckInCreateSchema)
@blp.response(201, CheckInResultSchema)
@blp.alt_response(429, **DOC_429)
def check_in(body):
    """签到: one fix, judged at its capture time (inside, on_approved_trip, outside, uncertain); answers an open
    spot check; a retry with the same `client_id` returns the first result. Limited per supervisee (429)."""
    return checkins.record_checkin(actor(), body, clock.now())


@blp.post("/me/checkins/batch")
@rate_limited("checkin_batch")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@SUPERVISEE
@idempotent
@blp.arguments(CheckInBatchSchema)
@blp.response(200, CheckInBatchResultSchema)
@blp.alt_response(429, **DOC_429)
def check_in_batch(body):
    """离线补传: fixes queued on the phone, each judged at its capture time against the fences in force then;
    one result per item in the order sent (the fix, or its error); resending returns the same ids. Limited per
    supervisee apart from single check-ins, so a phone retrying its queue is not held up by its live ones (429)."""
    return {"items": checkins.record_batch(actor(), body["items"], clock.now())}


@blp.get("/me/spot-checks")
@blp.doc(security=BEARER)
@SUPERVISEE
@blp.response(200, SpotCheckSchema(many=True))
def list_my_spot_checks():
    """随机点验 open now: send a check-in before `respond_by`."""
    return spot_checks.my_spot_checks(actor(), clock.now())


@blp.get(f"/subjects/<{ID}:subject_id>/checkins")
@blp.doc(security=BEARER)
@READERS
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, CheckInPageSchema)
def list_subject_checkins(args, subject_id):
    """A subject's location history with verdicts and distances, the latest capture first."""
    return checkin_history.subject_checkins(actor(), subject_id, args["page"], args["per_page"])


@blp.post(f"/subjects/<{ID}:subject_id>/spot-checks")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@roles(Role.officer)
@idempotent
@blp.response(201, SpotCheckSchema)
def request_spot_check(subject_id):
    """点验: ask the subject for a fix within the response window; 409 while one is still open."""
    return spot_checks.request_spot_check(actor(), subject_id, as_of=clock.now())


@blp.get("/checkins/latest")
@blp.doc(security=BEARER)
@READERS
@blp.arguments(LatestArgsSchema, location="query")
@blp.response(200, CheckInPageSchema)
def list_latest_checkins(args):
    """The latest fix of each subject in scope, the most recent first; `verdict=outside` shows who is out now."""
    return checkin_history.latest_checkins(actor(), **args)


@blp.get("/location-signals")
@blp.doc(security=BEARER)
@READERS
@blp.arguments(SignalListArgsSchema, location="query")
@blp.response(200, SignalPageSchema)
def list_location_signals(args):
    """Alert candidates with their evidence (越界 runs, impossible speed, mock location, late fixes, missed spot
    checks and check-ins), newest first."""
    return signals.list_signals(actor(), **args)
