"""Resettlement and assistance (安置帮教): the register for officers with the resettlement role, and the
mini-program's view for a person who consented. Every other caller gets 403 (`resettlement_role_required`)."""

from flask.views import MethodView

from correction import clock
from correction.models import Role
from correction.services import resettlement, resettlement_reports
from mobile_api import spreadsheets
from mobile_api.auth import BEARER, actor, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.resettlement import (
    AssistanceCloseSchema, AssistanceConsentSchema, AssistanceRecordCreateSchema, AssistanceRecordSchema,
    HandoverCreateSchema, MyAssistanceSchema, NoticeCreateSchema, PersonListArgsSchema, PersonPageSchema, PersonSchema,
    PersonUpdateSchema, RegisterExportArgsSchema, RiskCreateSchema, RiskResolveSchema, RiskSchema,
)

blp = Blueprint("resettlement", __name__, url_prefix="/api/v1",
                description="安置帮教：刑满释放人员预释放通知、必接必送衔接、帮教期与分类、帮教记录、风险与联动处置名单")
OFFICERS = roles(Role.officer)  # the service admits only officers with the resettlement role
ONE = f"/resettlement/persons/<{ID}:person_id>"


@blp.route("/resettlement/persons")
class Persons(MethodView):
    @blp.doc(security=BEARER)
    @OFFICERS
    @blp.arguments(PersonListArgsSchema, location="query")
    @blp.response(200, PersonPageSchema)
    def get(self, args):
        """The register of the caller's office or county, newest first; `current=true`: in the assistance period
        today; `joint_action=true`: with an open risk note (the list for joint action)."""
        return resettlement.list_persons(actor(), as_of=clock.now(), **args)

    @blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
    @OFFICERS
    @idempotent
    @blp.arguments(NoticeCreateSchema)
    @blp.response(201, PersonSchema)
    def post(self, body):
        """The prison's advance notice of release: the person enters the register awaiting release, 重点 for a key
        case; 409 when already in the register."""
        return resettlement.receive_notice(actor(), as_of=clock.now(), **body)


@blp.get("/resettlement/export")
@blp.doc(security=BEARER, responses=spreadsheets.RESPONSES)
@OFFICERS
@blp.arguments(RegisterExportArgsSchema, location="query")
def export_register(args):
    """The register today (awaiting release or in the period) as a spreadsheet with the headers 序号, 姓名,
    身份证号 (masked), 来源, 类别, 司法所, 原服刑监狱, 预计释放日期, 释放日期, 帮教期至, 是否按时衔接, 是否省外, 状态,
    联动处置."""
    table = resettlement_reports.export_register(actor(), clock.now())
    return spreadsheets.download(args["format"], table.name, table.ascii_name, table.title, table.headers,
                                 table.rows)


@blp.route(ONE)
class PersonById(MethodView):
    @blp.doc(security=BEARER)
    @OFFICERS
    @blp.response(200, PersonSchema)
    def get(self, person_id):
        """One person with the handover."""
        return resettlement.get_person(actor(), person_id)

    @blp.doc(security=BEARER)
    @OFFICERS
    @blp.arguments(PersonUpdateSchema)
    @blp.response(200, PersonSchema)
    def patch(self, body, person_id):
        """Reclassify (重点 ↔ 一般) or update the contacts, with a reason."""
        return resettlement.update_person(actor(), person_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/handover")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@OFFICERS
@idempotent
@blp.arguments(HandoverCreateSchema)
@blp.response(200, PersonSchema)
def record_handover(body, person_id):
    """必接必送: the person was received at release; on time when received by the release day (rule value). The
    assistance period (five years by the rule table) starts on the release day."""
    return resettlement.record_handover(actor(), person_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/consent")
@blp.doc(security=BEARER)
@OFFICERS
@blp.arguments(AssistanceConsentSchema)
@blp.response(200, PersonSchema)
def record_consent(body, person_id):
    """The person's consent to the mini-program (or its withdrawal); without it the mini-program shows nothing."""
    return resettlement.record_consent(actor(), person_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/close")
@blp.doc(security=BEARER)
@OFFICERS
@blp.arguments(AssistanceCloseSchema)
@blp.response(200, PersonSchema)
def close_person(body, person_id):
    """End the assistance early (death, imprisonment again, moved away)."""
    return resettlement.close(actor(), person_id, as_of=clock.now(), **body)


@blp.route(f"{ONE}/records")
class Records(MethodView):
    @blp.doc(security=BEARER)
    @OFFICERS
    @blp.response(200, AssistanceRecordSchema(many=True))
    def get(self, person_id):
        """The person's assistance records, newest first."""
        return resettlement.list_records(actor(), person_id)

    @blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
    @OFFICERS
    @idempotent
    @blp.arguments(AssistanceRecordCreateSchema)
    @blp.response(201, AssistanceRecordSchema)
    def post(self, body, person_id):
        """A contact, a job found, training, subsistence support or a place at an assistance base."""
        return resettlement.add_record(actor(), person_id, as_of=clock.now(), **body)


@blp.route(f"{ONE}/risks")
class Risks(MethodView):
    @blp.doc(security=BEARER)
    @OFFICERS
    @blp.response(200, RiskSchema(many=True))
    def get(self, person_id):
        """The person's risk notes, newest first."""
        return resettlement.list_risks(actor(), person_id)

    @blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
    @OFFICERS
    @idempotent
    @blp.arguments(RiskCreateSchema)
    @blp.response(201, RiskSchema)
    def post(self, body, person_id):
        """A risk (下落不明, 重新犯罪倾向): the person is on the joint-action list until it is resolved."""
        return resettlement.note_risk(actor(), person_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/risks/<{ID}:risk_id>/resolve")
@blp.doc(security=BEARER)
@OFFICERS
@blp.arguments(RiskResolveSchema)
@blp.response(200, RiskSchema)
def resolve_risk(body, person_id, risk_id):
    """Resolve a risk note; 409 if already resolved."""
    return resettlement.resolve_risk(actor(), person_id, risk_id, as_of=clock.now(), **body)


@blp.get("/me/assistance")
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.response(200, MyAssistanceSchema)
def my_assistance():
    """Mini-program: a person whose correction ended sees the assistance period and office, only after consenting
    (403 `consent_required` otherwise)."""
    return resettlement.my_assistance(actor())
