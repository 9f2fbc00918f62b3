"""The region's reports (20 JP compliance, training recap, cohort roster; JSON, CSV or XLSX) and its yearly
targets."""

from app.blueprints.reports.schemas import (
    ComplianceArgsSchema,
    ComplianceReportSchema,
    RosterArgsSchema,
    RosterSchema,
    TargetListSchema,
    TargetSchema,
    TrainingRecapSchema,
    YearArgsSchema,
)
from app.services.cohorts.schedule import to_roman
from app.services.reports import compliance, targets
from app.tenancy import current_tenant
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit, downloadable, send_table

reports_api = tenant_api_blueprint("reports", __name__, "reports",
                           "Reports: 20 JP compliance, training recap, cohort roster; as JSON, CSV or XLSX.")

_downloadable = downloadable(reports_api)


def _slug() -> str:
    return current_tenant().slug


def _download(args: dict, columns, rows, *, name_parts: list, title: str):
    return send_table(args["format"], columns, rows, name_parts=name_parts, title=title, delimiter=args["delimiter"])


@reports_api.get("/jp-compliance")
@reports_api.arguments(ComplianceArgsSchema, location="query")
@reports_api.response(200, ComplianceReportSchema)
@_downloadable
def jp_compliance(args):
    """20 JP compliance for a year: per OPD and overall, and who is below 20 JP and by how much.

    JSON pages the people list (sorted by shortfall, largest first); CSV/XLSX hold every row — the people
    list, or with `part=opds` the per-OPD summary. Only active employees count.
    """
    year, opd_id = args["year"], args["opd_id"]
    if args["format"] == "json":
        return compliance.jp_compliance(year, opd_id=opd_id, below_only=args["below_only"], limit=args["limit"],
                                     offset=args["offset"])
    opd_part = compliance.get_opd(opd_id).name if opd_id else None
    if args["part"] == "opds":
        rows = compliance.jp_compliance_opd_rows(year, opd_id=opd_id)
        return _download(args, compliance.COMPLIANCE_OPD_COLUMNS, rows, title=f"Kepatuhan JP {year} per OPD",
                         name_parts=["kepatuhan-jp-per-opd", year, _slug(), opd_part])
    rows = compliance.iter_jp_compliance_people(year, opd_id=opd_id, below_only=args["below_only"])
    below = "di-bawah-20-jp" if args["below_only"] else None
    return _download(args, compliance.COMPLIANCE_PEOPLE_COLUMNS, rows, title=f"Kepatuhan JP {year}",
                     name_parts=["kepatuhan-jp", year, _slug(), opd_part, below])


@reports_api.get("/training-recap")
@reports_api.arguments(YearArgsSchema, location="query")
@reports_api.response(200, TrainingRecapSchema)
@_downloadable
def training_recap(args):
    """Training recap for a year: per program (with rollups by program type and competency type) the cohorts,
    participants, passed, failed, withdrawn and JP delivered; CSV/XLSX hold the per-program rows."""
    recap = compliance.training_recap(args["year"])
    if args["format"] == "json":
        return recap
    return _download(args, compliance.RECAP_COLUMNS, recap["programs"], title=f"Rekap pelatihan {args['year']}",
                     name_parts=["rekap-pelatihan", args["year"], _slug()])


@reports_api.get("/cohorts/<int:cohort_id>/roster")
@reports_api.arguments(RosterArgsSchema, location="query")
@reports_api.response(200, RosterSchema)
@_downloadable
def cohort_roster(args, cohort_id):
    """A cohort's participants: NIP, name, OPD, jabatan, status, certificate (STTPP) and JP earned."""
    if args["format"] == "json":
        return compliance.cohort_roster(cohort_id, limit=args["limit"], offset=args["offset"],
                                         sort=args["sort"], cursor=args["cursor"])
    cohort = compliance.get_cohort_header(cohort_id)
    rows = compliance.iter_cohort_roster(cohort_id, sort=args["sort"])
    name = f"{cohort['program_code']} {to_roman(cohort['number'])}"
    return _download(args, compliance.ROSTER_COLUMNS, rows, name_parts=["peserta", name, cohort["year"], _slug()],
                     title=f"{name} {cohort['year']}")


# Staff read the region's yearly targets; only admins set them (they are the region's own commitment).
targets_api = tenant_api_blueprint("targets", __name__, "targets",
                           "Yearly training targets (people to train), compared with what was achieved in the rollups.",
                           read="training:read", write="org:manage")


@targets_api.get("")
@targets_api.response(200, TargetListSchema)
def list_targets():
    return {"items": targets.list_targets()}


@targets_api.put("/<int:year>")
@targets_api.arguments(TargetSchema)
@targets_api.response(200, TargetSchema)
def set_target(data, year):
    return commit(targets.set_target(year, data["people"], data.get("note")))


@targets_api.delete("/<int:year>")
@targets_api.response(204)
def delete_target(year):
    targets.delete_target(year)
    commit(None)
