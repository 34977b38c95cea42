"""Joint inspections (联合巡检): the quarterly lists of a county, read by the procuratorate that supervises it, the
county agency and administrators; generated on demand by the county agency; exported; and the procuratorate's
findings (纠正意见、检察建议) with the agency's rectification (整改)."""

from correction import clock
from correction.models import Role
from correction.services import findings, inspections
from mobile_api import spreadsheets
from mobile_api.auth import BEARER, actor, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.inspections import (
    ExportArgsSchema, FindingArgsSchema, FindingCreateSchema, FindingPageSchema, FindingSchema, InspectionArgsSchema,
    InspectionCreateSchema, InspectionDetailSchema, InspectionPageSchema, InspectionSchema, ItemArgsSchema,
    RectifySchema,
)

blp = Blueprint("inspections", __name__, url_prefix="/api/v1",
                description="联合巡检：季度巡检清单、导出、检察意见（纠正意见、检察建议）与整改反馈")
READERS = (Role.inspector, Role.officer, Role.admin)
ONE = f"/inspections/<{ID}:inspection_id>"
FINDING = f"/findings/<{ID}:finding_id>"


@blp.get("/inspections")
@blp.doc(security=BEARER)
@roles(*READERS)
@blp.arguments(InspectionArgsSchema, location="query")
@blp.response(200, InspectionPageSchema)
def list_inspections(args):
    """The caller's county's lists (an administrator's: every county), newest quarter first; filter `quarter`.
    Inspectors read the county their procuratorate supervises; officers of the county agency their own."""
    return inspections.list_inspections(actor(), args["page"], args["per_page"], args["quarter"])


@blp.post("/inspections")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@roles(Role.officer, Role.admin)
@idempotent
@blp.arguments(InspectionCreateSchema)
@blp.response(200, InspectionSchema)
def generate_inspection(body):
    """Generate on demand (county agency officers; administrators name `county_id`). A quarter that has ended is
    generated once, as it stood at its end, and then returned as is; the current quarter gives a provisional list
    as of now, regenerated on each request. A quarter not yet begun is a 422."""
    return inspections.generate_for(actor(), body["quarter"], clock.now(), body["county_id"])


@blp.get(ONE)
@blp.doc(security=BEARER)
@roles(*READERS)
@blp.arguments(ItemArgsSchema, location="query")
@blp.response(200, InspectionDetailSchema)
def get_inspection(args, inspection_id):
    """The list with its items in order, each with its reason and evidence; filter `reason_code`, `sampled`."""
    return inspections.read_inspection(actor(), inspection_id, args["reason_code"], args["sampled"])


@blp.get(f"{ONE}/export")
@blp.doc(security=BEARER, responses=spreadsheets.RESPONSES)
@roles(*READERS)
@blp.arguments(ExportArgsSchema, location="query")
def export_inspection(args, inspection_id):
    """The list as a spreadsheet (`format=xlsx`, default, or `csv` in UTF-8 with BOM) with the headers 序号, 矫正对象,
    司法所, 问题类型代码, 问题说明, 证据."""
    table = inspections.export_inspection(actor(), inspection_id)
    return spreadsheets.download(args["format"], table.name, table.ascii_name, table.title, table.headers,
                                 table.rows)


@blp.post(f"{ONE}/findings")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@roles(Role.inspector)
@idempotent
@blp.arguments(FindingCreateSchema)
@blp.response(201, FindingSchema)
def issue_finding(body, inspection_id):
    """Inspectors of the procuratorate supervising the county: a 纠正意见 (`correction_notice`) on one item
    (`item_id`) or a 检察建议 (`procuratorial_suggestion`) on the county's work. The agency answers by
    `rectify_by` (the issue day plus 15 or 60 days by the rule table); its officers are told."""
    return findings.issue_finding(actor(), inspection_id, as_of=clock.now(), **body)


@blp.get(f"{ONE}/findings")
@blp.doc(security=BEARER)
@roles(*READERS)
@blp.arguments(FindingArgsSchema, location="query")
@blp.response(200, FindingPageSchema)
def list_inspection_findings(args, inspection_id):
    """The findings on one list, newest first; `overdue=true` for those not rectified in time."""
    return findings.list_findings(actor(), args["page"], args["per_page"], as_of=clock.now(),
                                  inspection_id=inspection_id, overdue=args["overdue"])


@blp.get("/findings")
@blp.doc(security=BEARER)
@roles(*READERS)
@blp.arguments(FindingArgsSchema, location="query")
@blp.response(200, FindingPageSchema)
def list_findings(args):
    """The findings on the caller's county, newest first; `overdue=true`: not rectified past `rectify_by`, seen by
    both the procuratorate and the county agency."""
    return findings.list_findings(actor(), args["page"], args["per_page"], as_of=clock.now(),
                                  overdue=args["overdue"])


@blp.get(FINDING)
@blp.doc(security=BEARER)
@roles(*READERS)
@blp.response(200, FindingSchema)
def get_finding(finding_id):
    """One finding with its rectification."""
    return findings.get_finding(actor(), finding_id)


@blp.post(f"{FINDING}/rectify")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(RectifySchema)
@blp.response(200, FindingSchema)
def rectify_finding(body, finding_id):
    """The county agency's rectification (整改), once; of two answers at the same moment one is recorded and the
    other gets 409."""
    return findings.rectify(actor(), finding_id, as_of=clock.now(), **body)
