"""Administration (role admin): /units and /users."""

from flask.views import MethodView

from correction.models import Role
from correction.services import org
from mobile_api.auth import BEARER, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.org import (
    UnitCreateSchema, UnitListArgsSchema, UnitPageSchema, UnitSchema, UserCreateSchema, UserListArgsSchema,
    UserPageSchema, UserSchema,
)

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="组织机构与用户管理（系统管理员）")


@blp.route("/units")
class Units(MethodView):
    decorators = [roles(Role.admin)]

    @blp.doc(security=BEARER)
    @blp.arguments(UnitListArgsSchema, location="query")
    @blp.response(200, UnitPageSchema)
    def get(self, args):
        """List units: county agencies, judicial offices, procuratorates."""
        return org.list_units(args["page"], args["per_page"], args["kind"])

    @blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
    @idempotent
    @blp.arguments(UnitCreateSchema)
    @blp.response(201, UnitSchema)
    def post(self, body):
        """Add a unit; a judicial office names its county agency, a procuratorate the county it supervises."""
        return org.create_unit(**body)


@blp.route(f"/units/<{ID}:unit_id>")
class UnitById(MethodView):
    decorators = [roles(Role.admin)]

    @blp.doc(security=BEARER)
    @blp.response(200, UnitSchema)
    def get(self, unit_id):
        """One unit."""
        return org.get_unit(unit_id)


@blp.route("/users")
class Users(MethodView):
    decorators = [roles(Role.admin)]

    @blp.doc(security=BEARER)
    @blp.arguments(UserListArgsSchema, location="query")
    @blp.response(200, UserPageSchema)
    def get(self, args):
        """List staff accounts."""
        return org.list_users(args["page"], args["per_page"], args["role"], args["unit_id"])

    @blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
    @idempotent
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, body):
        """Add a staff account (admin, officer of a county agency or office, inspector of a procuratorate)."""
        return org.create_user(**body)


@blp.route(f"/users/<{ID}:user_id>")
class UserById(MethodView):
    decorators = [roles(Role.admin)]

    @blp.doc(security=BEARER)
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One staff account."""
        return org.get_user(user_id)
