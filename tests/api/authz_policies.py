"""Who may call what: each policy answers, for a caller and a record (office A1's "a", office B1's "b" or None for a
route without one), the status the matrix expects. OK means "let through": any answer but 401, 403, 404 or a 5xx
(the body or the record's state may still make it a 409 or 422)."""

from tests.api.authz_world import Caller

OK = 0


def _staff_scope(caller: Caller, record: str | None) -> bool:
    """An officer sees its office's records (its county's at the county agency); an inspector its county's."""
    if record is None:
        return True
    if caller.role == "officer" and caller.office is not None:
        return caller.office == f"{record}1"
    return caller.county == record


def _gate(caller: Caller, *roles: str) -> int | None:
    """401 without a token, 403 for a role the route does not serve, None to go on."""
    if caller.role == "anonymous":
        return 401
    return None if caller.role in roles else 403


def public(name, caller, record):
    return OK


def admin_only(name, caller, record):
    return _gate(caller, "admin") or OK


def supervisee(name, caller, record):
    """The mini-program's routes, always about the caller: another subject's record is a 404."""
    return _gate(caller, "supervisee") or (OK if record in (None, caller.county) else 404)


def staff_read(name, caller, record):
    """Officers and inspectors read within their scope; administrators keep out of files."""
    return _gate(caller, "officer", "inspector") or (OK if _staff_scope(caller, record) else 404)


def not_in_register(name, caller, record):
    """Assistance is shown only to a person in the register who consented; the world's supervisees are not."""
    return _gate(caller, "supervisee") or 403


def office_write(name, caller, record):
    """A judicial office's own step: the county agency gets 403 before any lookup."""
    gate = _gate(caller, "officer")
    if gate or caller.office is None:
        return gate or 403
    return OK if _staff_scope(caller, record) else 404


def officer_write(name, caller, record):
    """Officers change records in their scope; inspectors only read (403), administrators keep out (403)."""
    return _gate(caller, "officer") or (OK if _staff_scope(caller, record) else 404)


def county_write(name, caller, record):
    """The county agency's own steps: an office's officer gets 403 before any lookup."""
    gate = _gate(caller, "officer")
    if gate or caller.office is not None:
        return gate or 403
    return OK if _staff_scope(caller, record) else 404


def county_decides(name, caller, record):
    """The county agency decides on a record it finds first: an office sees its own (403) but not another's (404)."""
    answer = officer_write(name, caller, record)
    return 403 if answer == OK and caller.office is not None else answer


def county_or_admin_write(name, caller, record):
    """Generating an inspection list: the county agency for its county, an administrator for any."""
    if caller.role == "admin":
        return OK
    return county_write(name, caller, record)


def inspection_read(name, caller, record):
    """Inspection lists and findings: the county's procuratorate and agency, and administrators."""
    gate = _gate(caller, "officer", "inspector", "admin")
    if gate:
        return gate
    if caller.role == "admin":
        return OK
    if caller.role == "officer" and caller.office is not None:
        return 403
    return OK if _staff_scope(caller, record) else 404


def inspector_write(name, caller, record):
    """Findings are the procuratorate's (of the inspected county) alone."""
    return _gate(caller, "inspector") or (OK if _staff_scope(caller, record) else 404)


def audit_read(name, caller, record):
    """A file's audit trail: the county's inspectors and agency, and administrators; not an office."""
    return inspection_read(name, caller, record)


def staff_account(name, caller, record):
    """The caller's own inbox and browsers; record "a" is a message to officer_a1, "b" one to officer_b1."""
    gate = _gate(caller, "officer", "inspector", "admin")
    if gate or record is None:
        return gate or OK
    return OK if name == f"officer_{record}1" else 404


def resettlement(name, caller, record):
    """The register (安置帮教): officers with the resettlement role, within their scope; 403 for everyone else."""
    gate = _gate(caller, "officer")
    if gate or not caller.resettlement:
        return gate or 403
    return OK if _staff_scope(caller, record) else 404
