"""The path of a request (外出, 经常性跨市县, 变更执行地): one recorded step per action."""

from datetime import datetime

from correction.db import db
from correction.models import ApprovalStep, Role, User


def record_step(step: str, actor: User | None, as_of: datetime, opinion: str | None = None, **owner: int) -> None:
    """One step on a request's path (`leave_id=`, `permit_id=` or `relocation_id=` names the request); the unit
    and level are an officer's, never a supervisee's."""
    officer = actor if actor is not None and actor.role == Role.officer else None
    db.session.add(ApprovalStep(step=step, actor_id=actor.id if actor else None, opinion=opinion, at=as_of,
                                unit_id=officer.unit_id if officer else None,
                                level=officer.unit.kind if officer else None, **owner))
