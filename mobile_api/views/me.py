"""Supervisee (mini-program) endpoints, always about the caller."""

from correction.models import Role
from correction.services import accounts
from mobile_api.auth import BEARER, actor, roles
from mobile_api.routes import Blueprint
from mobile_api.schemas.me import MeSchema

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="矫正对象本人（小程序）")


@blp.get("")
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.response(200, MeSchema)
def get_me():
    """My profile: category, level, status, term, office and officer, enterprise role, what is due next."""
    return accounts.supervisee_subject(actor())
