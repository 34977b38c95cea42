"""The complete model registry (Alembic autogenerate and `flask db check` read it from here)."""

from correction.models.idempotency import IdempotencyRecord
from correction.models.org import Role, Unit, UnitKind, User
from correction.models.subject import (
    ACTIVE_STATUSES, ActivationCode, Category, EnterpriseRole, EnterpriseRoleKind, EventKind, Level, ReleaseType,
    Sex, Subject, SubjectEvent, SubjectStatus, SuperviseeAccount,
)

__all__ = [
    "ACTIVE_STATUSES", "ActivationCode", "Category", "EnterpriseRole", "EnterpriseRoleKind", "EventKind",
    "IdempotencyRecord", "Level", "ReleaseType", "Role", "Sex", "Subject", "SubjectEvent", "SubjectStatus",
    "SuperviseeAccount", "Unit", "UnitKind", "User",
]
