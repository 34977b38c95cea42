"""变更执行地: the supervisee's application and its progress; the officers' queue, opinion, consultation of the
receiving county, decision, hand-over of the file and the report-in at the new agency."""

from correction import clock
from correction.models import Role
from correction.services import relocation
from mobile_api.auth import BEARER, actor, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.base import PageArgsSchema
from mobile_api.schemas.relocation import (
    RelocationApprovalSchema, RelocationConsultSchema, RelocationCreateSchema, RelocationHandoverSchema,
    RelocationListArgsSchema, RelocationOpinionSchema, RelocationPageSchema, RelocationReplySchema,
    RelocationReportedSchema, RelocationSchema,
)

blp = Blueprint("relocation", __name__, url_prefix="/api/v1",
                description="变更执行地：申请、司法所意见、征求接收地意见、决定、移交与新执行地报到")
ONE = f"/relocation-requests/<{ID}:relocation_id>"


@blp.post("/me/relocation-requests")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@roles(Role.supervisee)
@idempotent
@blp.arguments(RelocationCreateSchema)
@blp.response(201, RelocationSchema)
def submit_relocation(body):
    """变更执行地申请: apply a month ahead; a later application is accepted with the warning `short_notice`."""
    return relocation.submit_relocation(actor(), as_of=clock.now(), **body)


@blp.get("/me/relocation-requests")
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, RelocationPageSchema)
def list_my_relocations(args):
    """My applications, newest first, with their steps and the deadline of each step."""
    return relocation.own_relocations(actor(), args["page"], args["per_page"])


@blp.get("/relocation-requests")
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector)
@blp.arguments(RelocationListArgsSchema, location="query")
@blp.response(200, RelocationPageSchema)
def list_relocations(args):
    """Applications of subjects in scope, oldest first; `status=open` for those not yet over."""
    return relocation.list_relocations(actor(), **args)


@blp.get(ONE)
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector)
@blp.response(200, RelocationSchema)
def get_relocation(relocation_id):
    """One application with its steps and deadlines."""
    return relocation.get_relocation(actor(), relocation_id)


@blp.post(f"{ONE}/opinion")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(RelocationOpinionSchema)
@blp.response(200, RelocationSchema)
def give_opinion(body, relocation_id):
    """司法所意见 (optional, once, before the decision); judicial-office officers only."""
    return relocation.give_opinion(actor(), relocation_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/consult")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(RelocationConsultSchema)
@blp.response(200, RelocationSchema)
def send_consultation(body, relocation_id):
    """征求接收地意见: the county agency wrote to the receiving county; the reply is then due."""
    return relocation.send_consultation(actor(), relocation_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/consult-reply")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(RelocationReplySchema)
@blp.response(200, RelocationSchema)
def record_consultation_reply(body, relocation_id):
    """The receiving county's reply; a later reply (after coordination by the next level) replaces it."""
    return relocation.record_consultation_reply(actor(), relocation_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/approve")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(RelocationApprovalSchema)
@blp.response(200, RelocationSchema)
def approve_relocation(body, relocation_id):
    """变更决定 (county agency, after a favourable reply): the hand-over and the subject's report-in are then due."""
    return relocation.approve_relocation(actor(), relocation_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/reject")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(RelocationOpinionSchema)
@blp.response(200, RelocationSchema)
def reject_relocation(body, relocation_id):
    """Refuse the change, with reasons the supervisee sees (county agency)."""
    return relocation.reject_relocation(actor(), relocation_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/handover")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(RelocationHandoverSchema)
@blp.response(200, RelocationSchema)
def hand_over(body, relocation_id):
    """移交 (county agency): into a county of this deployment the file moves to `target_office_id`; otherwise
    `note` records what was sent."""
    return relocation.hand_over(actor(), relocation_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/reported")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(RelocationReportedSchema)
@blp.response(200, RelocationSchema)
def record_reported(body, relocation_id):
    """The subject reported to the new agency (late after the deadline): recorded by the receiving county, or by
    the original county when the receiving county is not in this deployment."""
    return relocation.record_reported(actor(), relocation_id, as_of=clock.now(), **body)
