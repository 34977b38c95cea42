"""经常性跨市县 standing permits: the supervisee applies, notifies trips and withdraws; the county agency decides
and revokes; officers and inspectors read the permits in scope."""

from correction import clock
from correction.models import Role
from correction.services import permits
from mobile_api.auth import BEARER, actor, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.base import PageArgsSchema
from mobile_api.schemas.permits import (
    PermitCreateSchema, PermitDecisionSchema, PermitListArgsSchema, PermitPageSchema, PermitRejectionSchema,
    PermitRevocationSchema, PermitSchema, PermitTripCreateSchema, PermitTripSchema,
)

blp = Blueprint("permits", __name__, url_prefix="/api/v1", description="经常性跨市县活动许可与许可下的外出报备")

SUPERVISEE = roles(Role.supervisee)
OFFICERS = roles(Role.officer)


@blp.post("/me/travel-permits")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@SUPERVISEE
@idempotent
@blp.arguments(PermitCreateSchema)
@blp.response(201, PermitSchema)
def submit_permit(body):
    """Apply for a standing permit for the listed cities, valid up to six months (rule table), decided by the
    county agency; `fast_track` for eligible enterprise subjects sets a decision deadline."""
    return permits.submit_permit(actor(), as_of=clock.now(), **body)


@blp.get("/me/travel-permits")
@blp.doc(security=BEARER)
@SUPERVISEE
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, PermitPageSchema)
def list_my_permits(args):
    """My permits, newest first, with their cities and steps."""
    return permits.own_permits(actor(), args["page"], args["per_page"])


@blp.post(f"/me/travel-permits/<{ID}:permit_id>/cancel")
@blp.doc(security=BEARER)
@SUPERVISEE
@blp.response(200, PermitSchema)
def cancel_my_permit(permit_id):
    """Withdraw an application, or give up an approved permit (trips not yet begun are cancelled with it)."""
    return permits.cancel_permit(actor(), permit_id, as_of=clock.now())


@blp.post(f"/me/travel-permits/<{ID}:permit_id>/trips")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@SUPERVISEE
@idempotent
@blp.arguments(PermitTripCreateSchema)
@blp.response(201, PermitTripSchema)
def notify_trip(body, permit_id):
    """报备 one trip to a listed city inside the validity: approved at once; return (销假) through
    /me/leave-requests/{id}/return. 409 `leave_overlap` when another open trip overlaps."""
    return permits.notify_trip(actor(), permit_id, as_of=clock.now(), **body)


@blp.get("/travel-permits")
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector)
@blp.arguments(PermitListArgsSchema, location="query")
@blp.response(200, PermitPageSchema)
def list_permits(args):
    """Permits of subjects in scope, optionally by status; fast track first by its deadline, then oldest first."""
    return permits.list_permits(actor(), **args)


@blp.post(f"/travel-permits/<{ID}:permit_id>/approve")
@blp.doc(security=BEARER)
@OFFICERS
@blp.arguments(PermitDecisionSchema)
@blp.response(200, PermitSchema)
def approve_permit(body, permit_id):
    """Approve (county agency only: a judicial office gets 403 `county_decides`); 409 if already decided."""
    return permits.decide_permit(actor(), permit_id, as_of=clock.now(), approve=True, opinion=body["opinion"])


@blp.post(f"/travel-permits/<{ID}:permit_id>/reject")
@blp.doc(security=BEARER)
@OFFICERS
@blp.arguments(PermitRejectionSchema)
@blp.response(200, PermitSchema)
def reject_permit(body, permit_id):
    """Reject with the reasons (county agency only); 409 if already decided."""
    return permits.decide_permit(actor(), permit_id, as_of=clock.now(), approve=False, opinion=body["opinion"])


@blp.post(f"/travel-permits/<{ID}:permit_id>/revoke")
@blp.doc(security=BEARER)
@OFFICERS
@blp.arguments(PermitRevocationSchema)
@blp.response(200, PermitSchema)
def revoke_permit(body, permit_id):
    """Revoke an approved permit after a violation (county agency only); trips not yet begun are cancelled."""
    return permits.revoke_permit(actor(), permit_id, as_of=clock.now(), reason=body["reason"])
