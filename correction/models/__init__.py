"""The complete model registry (Alembic autogenerate and `flask db check` read it from here)."""

from correction.models.alert import Alert, AlertStatus, AlertType, Disposition, Sanction, SanctionKind
from correction.models.audit import AuditEntry, AuditHead
from correction.models.idempotency import IdempotencyRecord
from correction.models.inspection import Finding, FindingKind, Inspection, InspectionItem
from correction.models.investigation import (
    CommissionerKind, Investigation, InvestigationExtension, InvestigationStatus,
)
from correction.models.jobs import JobRun, RunStatus, SchedulerLease
from correction.models.leave import (
    ApprovalStep, ApproverLevel, Destination, LeaveKind, LeaveRequest, LeaveStatus, PermitStatus, RelocationRequest,
    RelocationStatus, TravelPermit,
)
from correction.models.location import (
    CheckIn, FixSource, LocationSignal, SignalKind, SpotCheck, SpotCheckStatus, Verdict,
)
from correction.models.login import LoginLockout
from correction.models.obligation import (
    Activity, ActivityKind, ActivityStatus, ActivityTotal, LifeEvent, Report, ReportKind, SubjectLevel, Upload,
)
from correction.models.notify import (
    Channel, Delivery, DeliveryStatus, Notification, PushSubscription, WechatConsent,
)
from correction.models.org import Role, Unit, UnitKind, User
from correction.models.resettlement import (
    AssistanceCategory, AssistanceKind, AssistanceRecord, AssistanceSource, AssistanceStatus, AssistedPerson,
    Handover, RiskKind, RiskNote,
)
from correction.models.subject import (
    ACTIVE_STATUSES, ActivationCode, Category, EnterpriseRole, EnterpriseRoleKind, EventKind, Level, ReleaseType,
    Sex, Subject, SubjectEvent, SubjectStatus, SuperviseeAccount,
)

__all__ = [
    "AuditEntry", "AuditHead", "Finding", "FindingKind", "Inspection", "InspectionItem",
    "CommissionerKind", "Investigation", "InvestigationExtension", "InvestigationStatus",
    "AssistanceCategory", "AssistanceKind", "AssistanceRecord", "AssistanceSource", "AssistanceStatus",
    "AssistedPerson", "Handover", "RiskKind", "RiskNote",
    "Alert", "AlertStatus", "AlertType", "Disposition", "Sanction", "SanctionKind",
    "JobRun", "RunStatus", "SchedulerLease",
    "Channel", "Delivery", "DeliveryStatus", "Notification", "PushSubscription", "WechatConsent",
    "ApprovalStep", "ApproverLevel", "Destination", "LeaveKind", "LeaveRequest", "LeaveStatus", "PermitStatus",
    "RelocationRequest", "RelocationStatus", "TravelPermit",
    "CheckIn", "FixSource", "LocationSignal", "SignalKind", "SpotCheck", "SpotCheckStatus", "Verdict",
    "LoginLockout",
    "Activity", "ActivityKind", "ActivityStatus", "ActivityTotal", "LifeEvent", "Report", "ReportKind",
    "SubjectLevel", "Upload",
    "ACTIVE_STATUSES", "ActivationCode", "Category", "EnterpriseRole", "EnterpriseRoleKind", "EventKind",
    "IdempotencyRecord", "Level", "ReleaseType", "Role", "Sex", "Subject", "SubjectEvent", "SubjectStatus",
    "SuperviseeAccount", "Unit", "UnitKind", "User",
]
