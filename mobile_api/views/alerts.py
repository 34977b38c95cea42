"""Alerts (告警): officers list, acknowledge and resolve them and answer contests; inspectors read them; the
supervisee reads their own and contests one."""

from correction import clock
from correction.models import Role
from correction.services import alert_actions
from mobile_api.auth import BEARER, actor, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.alerts import (
    AlertArgsSchema, AlertPageSchema, AlertSchema, ContestAnswerSchema, ContestSchema, MyAlertPageSchema,
    MyAlertSchema, ResolveSchema,
)
from mobile_api.schemas.base import PageArgsSchema

blp = Blueprint("alerts", __name__, url_prefix="/api/v1", description="告警：签收、处理（训诫、警告）、申辩与答复")
ONE = f"/alerts/<{ID}:alert_id>"
MINE = f"/me/alerts/<{ID}:alert_id>"


@blp.get("/alerts")
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector)
@blp.arguments(AlertArgsSchema, location="query")
@blp.response(200, AlertPageSchema)
def list_alerts(args):
    """Alerts of the subjects in the caller's scope, newest first; filter by `status`, `type`, `subject_id`."""
    return alert_actions.list_alerts(actor(), args["page"], args["per_page"], args["status"], args["type"],
                                     args["subject_id"])


@blp.get(ONE)
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector)
@blp.response(200, AlertSchema)
def get_alert(alert_id):
    """One alert with its evidence, the ladder's suggestion, the decision and the contest."""
    return alert_actions.get_alert(actor(), alert_id)


@blp.post(f"{ONE}/acknowledge")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@roles(Role.officer)
@idempotent
@blp.response(200, AlertSchema)
def acknowledge_alert(alert_id):
    """签收. 409 once acknowledged or resolved, or when another officer acts at the same moment."""
    return alert_actions.acknowledge(actor(), alert_id, as_of=clock.now())


@blp.post(f"{ONE}/resolve")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@roles(Role.officer)
@idempotent
@blp.arguments(ResolveSchema)
@blp.response(200, AlertSchema)
def resolve_alert(body, alert_id):
    """Close with a decision. 训诫 (admonition), 警告 (warning) and `propose_revocation` are recorded as sanctions
    and wait for the answer to a contest (409 `contest_unanswered`); 409 once resolved."""
    return alert_actions.resolve(actor(), alert_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/contest-answer")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@roles(Role.officer)
@idempotent
@blp.arguments(ContestAnswerSchema)
@blp.response(200, AlertSchema)
def answer_contest(body, alert_id):
    """Answer the supervisee's contest; they are told. 409 without a contest or once answered."""
    return alert_actions.answer_contest(actor(), alert_id, as_of=clock.now(), answer=body["answer"])


@blp.get("/me/alerts")
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, MyAlertPageSchema)
def list_my_alerts(args):
    """My alerts, newest first."""
    return alert_actions.own_alerts(actor(), args["page"], args["per_page"])


@blp.get(MINE)
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.response(200, MyAlertSchema)
def get_my_alert(alert_id):
    """One of my alerts."""
    return alert_actions.own_alert(actor(), alert_id)


@blp.post(f"{MINE}/contest")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@roles(Role.supervisee)
@idempotent
@blp.arguments(ContestSchema)
@blp.response(200, MyAlertSchema)
def contest_alert(body, alert_id):
    """申辩: explain an alert (a dead phone, a hospital visit), with photos from POST /me/uploads; once, before it is
    resolved."""
    return alert_actions.contest(actor(), alert_id, as_of=clock.now(), **body)
