"""Activity records: education, public-welfare work, talks and visits, with hours and the monthly totals."""

from flask.views import MethodView

from correction import clock
from correction.models import Role
from correction.services import activities
from mobile_api.auth import BEARER, actor, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.activities import (
    ActivityCreateSchema, ActivityDecisionSchema, ActivityMonthArgsSchema, ActivityMonthSchema, ActivitySchema,
    OwnActivityCreateSchema,
)

blp = Blueprint("activities", __name__, url_prefix="/api/v1", description="教育学习、公益活动、个别谈话与走访记录")

READERS = roles(Role.officer, Role.inspector)
OFFICERS = roles(Role.officer)
SUPERVISEE = roles(Role.supervisee)


@blp.route(f"/subjects/<{ID}:subject_id>/activities")
class SubjectActivities(MethodView):
    @blp.doc(security=BEARER)
    @READERS
    @blp.arguments(ActivityMonthArgsSchema, location="query")
    @blp.response(200, ActivityMonthSchema)
    def get(self, args, subject_id):
        """The subject's activities in a month, newest first, with education and public-welfare hours
        (confirmed, pending) against the hours the governing level requires."""
        return activities.list_activities(actor(), subject_id, as_of=clock.now(), **args)

    @blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
    @OFFICERS
    @idempotent
    @blp.arguments(ActivityCreateSchema)
    @blp.response(201, ActivitySchema)
    def post(self, body, subject_id):
        """Record an activity (confirmed at once); 409 if the file is closed or the subject has not reported in."""
        return activities.record_activity(actor(), subject_id, as_of=clock.now(), **body)


@blp.route("/me/activities")
class OwnActivities(MethodView):
    @blp.doc(security=BEARER)
    @SUPERVISEE
    @blp.arguments(ActivityMonthArgsSchema, location="query")
    @blp.response(200, ActivityMonthSchema)
    def get(self, args):
        """My activities in a month, with my hours against the hours required of me."""
        return activities.list_own_activities(actor(), as_of=clock.now(), **args)

    @blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
    @SUPERVISEE
    @idempotent
    @blp.arguments(OwnActivityCreateSchema)
    @blp.response(201, ActivitySchema)
    def post(self, body):
        """Submit my education or public-welfare hours; they count once an officer confirms them."""
        return activities.submit_activity(actor(), as_of=clock.now(), **body)


@blp.post(f"/activities/<{ID}:activity_id>/confirm")
@blp.doc(security=BEARER)
@OFFICERS
@blp.arguments(ActivityDecisionSchema)
@blp.response(200, ActivitySchema)
def confirm_activity(body, activity_id):
    """Confirm a submitted activity: its hours now count; 409 if it was already decided."""
    return activities.decide_activity(actor(), activity_id, as_of=clock.now(), confirm=True, note=body["note"])


@blp.post(f"/activities/<{ID}:activity_id>/reject")
@blp.doc(security=BEARER)
@OFFICERS
@blp.arguments(ActivityDecisionSchema)
@blp.response(200, ActivitySchema)
def reject_activity(body, activity_id):
    """Reject a submitted activity, with an optional note; 409 if it was already decided."""
    return activities.decide_activity(actor(), activity_id, as_of=clock.now(), confirm=False, note=body["note"])
