"""联合巡检 in the console: the quarterly lists, one list with its items and evidence (filtered), the export
buttons (the API's own XLSX/CSV downloads), findings (纠正意见、检察建议) and the agency's rectification."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from correction import clock
from correction.models import FindingKind, Role
from correction.rules.inspection import REASON_CODES
from correction.rules.quarters import Quarter
from correction.services import findings, inspections
from mobile_api.auth import actor
from mobile_api.console.forms import load
from mobile_api.routes import ID
from mobile_api.console.guard import STAFF, page
from mobile_api.schemas.inspections import (
    FindingArgsSchema, FindingCreateSchema, InspectionArgsSchema, InspectionCreateSchema, ItemArgsSchema,
    RectifySchema,
)

bp = Blueprint("inspections", __name__)
ALL_FINDINGS = 100


@bp.get("/inspections")
@page(*STAFF)
def list_inspections():
    """The county's lists, newest quarter first; filter by quarter."""
    args = load(InspectionArgsSchema, request.args)
    return render_template("console/inspection_list.html", args=args, quarter=Quarter.containing(clock.today()),
                           found=inspections.list_inspections(actor(), args["page"], args["per_page"],
                                                              args["quarter"]))


@bp.post("/inspections")
@page(Role.officer)
def generate_inspection():
    """A county officer generates a quarter's list on demand (the current quarter's is provisional)."""
    body = load(InspectionCreateSchema)
    made = inspections.generate_for(actor(), body["quarter"], clock.now(), body["county_id"])
    flash(f"已生成{made.quarter}巡检清单。", "success")
    return redirect(url_for(".show_inspection", inspection_id=made.id))


@bp.get(f"/inspections/<{ID}:inspection_id>")
@page(*STAFF)
def show_inspection(inspection_id):
    """One list: its items with reason and evidence, filtered by reason or sample, and its findings."""
    args = load(ItemArgsSchema, request.args)
    listing = inspections.read_inspection(actor(), inspection_id, args["reason_code"], args["sampled"])
    issued = findings.list_findings(actor(), 1, ALL_FINDINGS, as_of=clock.now(), inspection_id=inspection_id)
    return render_template("console/inspection_detail.html", args=args, listing=listing, issued=issued,
                           reason_codes=REASON_CODES, kinds=FindingKind, today=clock.today())


@bp.post(f"/inspections/<{ID}:inspection_id>/findings")
@page(Role.inspector)
def issue_finding(inspection_id):
    """An inspector issues a 纠正意见 on an item or a 检察建议 on the county."""
    findings.issue_finding(actor(), inspection_id, as_of=clock.now(), **load(FindingCreateSchema))
    flash("检察意见已发出。", "success")
    return redirect(url_for(".show_inspection", inspection_id=inspection_id))


@bp.get("/findings")
@page(*STAFF)
def list_findings():
    """Every finding on the county's lists; `overdue=true` for those past their rectification deadline."""
    args = load(FindingArgsSchema, request.args)
    return render_template("console/finding_list.html", args=args, today=clock.today(),
                           found=findings.list_findings(actor(), args["page"], args["per_page"], as_of=clock.now(),
                                                        overdue=args["overdue"]))


@bp.post(f"/findings/<{ID}:finding_id>/rectify")
@page(Role.officer)
def rectify_finding(finding_id):
    """The county agency records its rectification (整改); the inspector who issued the finding is told."""
    done = findings.rectify(actor(), finding_id, as_of=clock.now(), **load(RectifySchema))
    flash("整改情况已反馈。", "success")
    return redirect(url_for(".show_inspection", inspection_id=done.inspection_id))
