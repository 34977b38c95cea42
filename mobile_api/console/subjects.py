"""Subjects in the console: the list with filters, and one file with its obligations, reports, trips, alerts
and the plot of recent fixes against the fence."""

from flask import Blueprint, render_template, request

from correction import clock
from correction.models import Category, Level, SubjectStatus
from correction.services import subject_file, subjects
from mobile_api.auth import actor
from mobile_api.console.forms import load
from mobile_api.routes import ID
from mobile_api.console.guard import STAFF, page
from mobile_api.console.plot import plot
from mobile_api.schemas.subjects import SubjectListArgsSchema

bp = Blueprint("subjects", __name__, url_prefix="/subjects")


@bp.get("")
@page(*STAFF)
def list_subjects():
    """Subjects in scope, filtered by name or ID number, status, level and category."""
    args = load(SubjectListArgsSchema, request.args)
    return render_template("console/subject_list.html", args=args, statuses=SubjectStatus, levels=Level,
                           categories=Category, found=subjects.list_subjects(actor(), **args))


@bp.get(f"/<{ID}:subject_id>")
@page(*STAFF)
def show_subject(subject_id):
    """One subject's file (the read is in the audit trail)."""
    file = subject_file.subject_file(actor(), subject_id, clock.now())
    return render_template("console/subject_detail.html", file=file, subject=file.subject,
                           plot=plot(file.fence.geometry if file.fence else None, file.fixes, file.home))
