"""Pre-sentence investigations (调查评估): officers of the office and the county agency work them, the county agency
approves the opinions, the procuratorate supervising the county reads them."""

from flask.views import MethodView

from correction import clock
from correction.models import Role
from correction.services import investigation_reports, investigations
from mobile_api import spreadsheets
from mobile_api.auth import BEARER, actor, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.investigations import (
    ApprovalSchema, InvestigationExtensionCreateSchema, InvestigationCreateSchema, InvestigationExportArgsSchema,
    InvestigationListArgsSchema, InvestigationPageSchema, InvestigationSchema, OpinionSchema, OutcomeSchema,
    InvestigationRecordSchema, OpinionReturnSchema,
)

blp = Blueprint("investigations", __name__, url_prefix="/api/v1/investigations",
                description="调查评估：委托、调查记录、延期、评估意见审批与送达、采纳情况")
READERS = roles(Role.officer, Role.inspector)
WRITERS = roles(Role.officer)
ONE = f"/<{ID}:investigation_id>"


@blp.route("")
class Investigations(MethodView):
    @blp.doc(security=BEARER)
    @READERS
    @blp.arguments(InvestigationListArgsSchema, location="query")
    @blp.response(200, InvestigationPageSchema)
    def get(self, args):
        """The caller's investigations (an office's, a county's, the inspector's county), latest receipt first;
        filter by status, office, linked file, or `overdue` (open past the deadline)."""
        return investigations.list_investigations(actor(), as_of=clock.now(), **args)

    @blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
    @WRITERS
    @idempotent
    @blp.arguments(InvestigationCreateSchema)
    @blp.response(201, InvestigationSchema)
    def post(self, body):
        """A commission (委托函) received and assigned to a judicial office: the deadline is 10 working days from
        receipt, 5 for 速裁 (rule values), counted on the working-day calendar."""
        return investigations.commission(actor(), as_of=clock.now(), **body)


@blp.get("/export")
@blp.doc(security=BEARER, responses=spreadsheets.RESPONSES)
@READERS
@blp.arguments(InvestigationExportArgsSchema, location="query")
def export_investigations(args):
    """The commissions received from `from` to `to` as a spreadsheet (`format=xlsx`, default, or `csv`) with the
    headers 序号, 委托机关类别, 委托机关, 委托文号, 被调查人, 身份证号 (masked), 罪名, 拟适用矫正类别, 速裁, 司法所,
    收到委托日期, 办理期限, 延期次数, 状态, 调查评估意见, 送达日期, 是否按期, 是否采纳, 采纳情况日期."""
    table = investigation_reports.export_investigations(actor(), args["from_"], args["to"])
    return spreadsheets.download(args["format"], table.name, table.ascii_name, table.title, table.headers,
                                 table.rows)


@blp.route(ONE)
class InvestigationById(MethodView):
    @blp.doc(security=BEARER)
    @READERS
    @blp.response(200, InvestigationSchema)
    def get(self, investigation_id):
        """One investigation with its record, extensions, opinion and outcome."""
        return investigations.get_investigation(actor(), investigation_id)

    @blp.doc(security=BEARER)
    @WRITERS
    @blp.arguments(InvestigationRecordSchema)
    @blp.response(200, InvestigationSchema)
    def patch(self, body, investigation_id):
        """Write the investigation record (居所、家庭和社会关系、一贯表现、犯罪后果和影响、村（居）委会和被害人意见、
        拟禁止事项) while the case is being investigated; 409 once the opinion is submitted."""
        return investigations.record(actor(), investigation_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/extensions")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@WRITERS
@idempotent
@blp.arguments(InvestigationExtensionCreateSchema)
@blp.response(201, InvestigationSchema)
def extend_investigation(body, investigation_id):
    """An extension agreed with the commissioning organ: the new deadline, who agreed and why."""
    return investigations.extend(actor(), investigation_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/opinion")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@WRITERS
@idempotent
@blp.arguments(OpinionSchema)
@blp.response(200, InvestigationSchema)
def submit_opinion(body, investigation_id):
    """The office's opinion (适宜 / 不适宜社区矫正) for the county agency's approval; 422 while the record lacks
    residence, relations, conduct, consequences or the committee's opinion."""
    return investigations.submit_opinion(actor(), investigation_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/approve")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@WRITERS
@idempotent
@blp.arguments(ApprovalSchema)
@blp.response(200, InvestigationSchema)
def approve_opinion(body, investigation_id):
    """County agency: approve the opinion, sent to the commissioning organ on `sent_on` and copied to the
    procuratorate (its inspectors are told); on time when sent by the deadline in force."""
    return investigations.approve_opinion(actor(), investigation_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/return")
@blp.doc(security=BEARER)
@WRITERS
@blp.arguments(OpinionReturnSchema)
@blp.response(200, InvestigationSchema)
def return_opinion(body, investigation_id):
    """County agency: send the opinion back to the office for more investigation, with the reasons."""
    return investigations.return_opinion(actor(), investigation_id, as_of=clock.now(), **body)


@blp.post(f"{ONE}/outcome")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@WRITERS
@idempotent
@blp.arguments(OutcomeSchema)
@blp.response(200, InvestigationSchema)
def record_outcome(body, investigation_id):
    """The court's (or deciding organ's) outcome: whether the opinion was adopted (采纳)."""
    return investigations.record_outcome(actor(), investigation_id, as_of=clock.now(), **body)
