"""Officer endpoints on subject files (inspectors read): /subjects and its actions."""

from flask.views import MethodView

from correction import clock
from correction.models import Role
from correction.services import accounts, subjects
from mobile_api.auth import BEARER, actor, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.subjects import (
    ActivationCodeSchema, ReleaseSchema, ReportInSchema, SubjectCreateSchema, SubjectEventSchema,
    SubjectListArgsSchema, SubjectPageSchema, SubjectSchema, SubjectUpdateSchema,
)

blp = Blueprint("subjects", __name__, url_prefix="/api/v1/subjects",
                description="矫正对象档案：接收、报到、等级调整、解除与终止")

READERS = roles(Role.officer, Role.inspector)
WRITERS = roles(Role.officer)


@blp.route("")
class Subjects(MethodView):
    @blp.doc(security=BEARER)
    @READERS
    @blp.arguments(SubjectListArgsSchema, location="query")
    @blp.response(200, SubjectPageSchema)
    def get(self, args):
        """Subjects in the caller's scope, filtered by status, level, category, office or a name/ID query."""
        return subjects.list_subjects(actor(), **args)

    @blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
    @WRITERS
    @idempotent
    @blp.arguments(SubjectCreateSchema)
    @blp.response(201, SubjectSchema)
    def post(self, body):
        """接收 (intake): register a person received for community correction; 409 if already under correction."""
        return subjects.intake(actor(), as_of=clock.now(), **body)


@blp.route(f"/<{ID}:subject_id>")
class SubjectById(MethodView):
    @blp.doc(security=BEARER)
    @READERS
    @blp.response(200, SubjectSchema)
    def get(self, subject_id):
        """The subject's file."""
        return subjects.get_subject(actor(), subject_id)

    @blp.doc(security=BEARER)
    @WRITERS
    @blp.arguments(SubjectUpdateSchema)
    @blp.response(200, SubjectSchema)
    def patch(self, body, subject_id):
        """Change level (from a date), office, officer, contact details or enterprise role, with a reason."""
        return subjects.update_subject(actor(), subject_id, as_of=clock.now(), **body)


@blp.post(f"/<{ID}:subject_id>/report-in")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@WRITERS
@idempotent
@blp.arguments(ReportInSchema)
@blp.response(200, SubjectSchema)
def report_in(body, subject_id):
    """报到: the subject reported in; a report-in after the deadline is recorded as late."""
    return subjects.record_report_in(actor(), subject_id, as_of=clock.now(), on_date=body["date"], note=body["note"])


@blp.post(f"/<{ID}:subject_id>/release")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@WRITERS
@idempotent
@blp.arguments(ReleaseSchema)
@blp.response(200, SubjectSchema)
def release(body, subject_id):
    """解除 (expiry, pardon) or 终止 (revocation, custody, death, other)."""
    return subjects.release(actor(), subject_id, as_of=clock.now(), on_date=body["date"],
                            release_type=body["type"], note=body["note"])


@blp.post(f"/<{ID}:subject_id>/activation-code")
@blp.doc(security=BEARER)
@WRITERS
@blp.response(201, ActivationCodeSchema)
def issue_activation_code(subject_id):
    """A single-use code for binding the mini-program; earlier unused codes stop working. Not idempotent on
    purpose: codes are stored only as digests, so a retry issues a fresh code."""
    code, issued = accounts.issue_activation_code(actor(), subject_id, clock.now())
    return {"code": code, "expires_at": issued.expires_at}


@blp.get(f"/<{ID}:subject_id>/history")
@blp.doc(security=BEARER)
@READERS
@blp.response(200, SubjectEventSchema(many=True))
def subject_history(subject_id):
    """The dated history: intake, report-in, level changes, reassignments, release, with who and why."""
    return subjects.history(actor(), subject_id)
