"""IP ASN competency dimension: the region's report (JSON, CSV or XLSX), who lacks what, one person's items, one's
own (/me/ipasn), and the admin's weights, exemption keywords and program mapping (audited)."""

from __future__ import annotations

from flask_login import current_user

from app.blueprints.ipasn.schemas import (
    IpasnExemptionListSchema,
    IpasnExemptionSchema,
    IpasnMappingSchema,
    IpasnMeArgsSchema,
    IpasnMeSchema,
    IpasnPeopleArgsSchema,
    IpasnPeoplePageSchema,
    IpasnPersonSchema,
    IpasnReportArgsSchema,
    IpasnReportSchema,
    IpasnWeightArgsSchema,
    IpasnWeightListSchema,
    IpasnWeightSchema,
)
from app.blueprints.reports.schemas import YearArgsSchema
from app.problems import Problem
from app.services.employees import records
from app.services.ipasn import report, settings
from app.services.reports.compliance import get_opd
from app.tenancy import current_tenant
from app.web.blueprints import tenant_api_blueprint
from app.web.filters import opening_year
from app.web.responses import commit, downloadable, send_table

ipasn_api = tenant_api_blueprint("ipasn", __name__, "ipasn",
                                 "IP ASN competency dimension: the four items per ASN with evidence, scores, reports; "
                                 "weights, exemptions and program mapping (admins).",
                                 read="training:read", write="org:manage")
_downloadable = downloadable(ipasn_api)


@ipasn_api.get("/report")
@ipasn_api.arguments(IpasnReportArgsSchema, location="query")
@ipasn_api.response(200, IpasnReportSchema)
@_downloadable
def region_report(args):
    """The year's competency dimension of the region (or an OPD): overall, per OPD and post kind, the score
    distribution, and per missing item the people one item away and what closing it adds to the average.
    CSV/XLSX: the per-OPD figures, or with `part=people` every ASN with their items (filters `missing`,
    `one_away`)."""
    year, opd_id, slug = args["year"], args["opd_id"], current_tenant().slug
    if args["format"] == "json":
        return report.region_report(year, opd_id=opd_id)
    opd_part = get_opd(opd_id).name if opd_id else None
    if args["part"] == "people":
        rows = report.iter_people_rows(year, opd_id=opd_id, missing=args["missing"], one_away=args["one_away"])
        return send_table(args["format"], report.PEOPLE_COLUMNS, rows, title=f"IP ASN kompetensi {year}",
                          name_parts=["ipasn-kompetensi-pegawai", year, slug, opd_part, args["missing"],
                                      "kurang-satu" if args["one_away"] else None], delimiter=args["delimiter"])
    return send_table(args["format"], report.OPD_COLUMNS, report.opd_rows(year, opd_id=opd_id),
                      title=f"IP ASN kompetensi {year} per OPD", name_parts=["ipasn-kompetensi-per-opd", year, slug,
                                                                            opd_part], delimiter=args["delimiter"])


@ipasn_api.get("/people")
@ipasn_api.arguments(IpasnPeopleArgsSchema, location="query")
@ipasn_api.response(200, IpasnPeoplePageSchema)
def people(args):
    """Who lacks what: the assessed ASN with their four items and evidence, those one item away (largest gain)
    first; filters `opd_id`, `missing` (an item), `one_away`."""
    return report.people(args["year"], opd_id=args["opd_id"], missing=args["missing"], one_away=args["one_away"],
                         limit=args["limit"], offset=args["offset"])


@ipasn_api.get("/employees/<nip>")
@ipasn_api.arguments(YearArgsSchema, location="query")
@ipasn_api.response(200, IpasnPersonSchema)
def person(args, nip: str):
    """One ASN's four items for the year, with the evidence (404 outside the caller's OPDs or not assessed)."""
    from app.services.employees.records import get_employee

    found = report.person_items(get_employee(nip), args["year"])
    if found is None:
        raise Problem.not_found(f"Pegawai {nip} tidak dinilai (tidak aktif atau jenis jabatan belum diisi).")
    return found


@ipasn_api.get("/weights")
@ipasn_api.arguments(IpasnWeightArgsSchema, location="query")
@ipasn_api.response(200, IpasnWeightListSchema)
def list_weights(args):
    """The weights: every row, or with `year` those in force that year (a post kind's latest row up to it)."""
    year = args["year"]
    return {"year": year, "items": settings.weights_for(year) if year else settings.list_weights()}


@ipasn_api.put("/weights/<int:year>/<post_kind>")
@ipasn_api.arguments(IpasnWeightSchema)
@ipasn_api.response(200, IpasnWeightSchema)
def set_weights(data, year: int, post_kind: str):
    """Set a post kind's weights from `year` on (sum at most 40); audited; the rollups are refreshed."""
    return commit(settings.set_weights(year, post_kind, **data))


@ipasn_api.get("/exemptions")
@ipasn_api.response(200, IpasnExemptionListSchema)
def list_exemptions():
    """Jabatan keywords exempt from functional training (dokter, guru, apoteker, perawat, bidan, ...)."""
    return {"items": settings.list_exemptions()}


@ipasn_api.post("/exemptions")
@ipasn_api.arguments(IpasnExemptionSchema)
@ipasn_api.response(201, IpasnExemptionSchema)
def add_exemption(data):
    return commit(settings.add_exemption(data["keyword"]))


@ipasn_api.delete("/exemptions/<int:exemption_id>")
@ipasn_api.response(204)
def delete_exemption(exemption_id: int):
    settings.delete_exemption(exemption_id)
    commit(None)


@ipasn_api.put("/programs/<int:program_id>/mapping")
@ipasn_api.arguments(IpasnMappingSchema)
@ipasn_api.response(200, IpasnMappingSchema)
def set_program_mapping(data, program_id: int):
    """What a program's passes count as for IP ASN (null: from its type) and, for leadership, its level; the
    program's cohort lines already in the ledger follow."""
    return commit(settings.set_program_mapping(program_id, **data))


me_api = tenant_api_blueprint("ipasn_me", __name__, "me/ipasn", "One's own IP ASN competency items.",
                              read="self", write="self")


@me_api.get("")
@me_api.arguments(IpasnMeArgsSchema, location="query")
@me_api.response(200, IpasnMeSchema)
def my_items(args):
    """The caller's own four items and score for a year (default: the latest year with JP)."""
    emp, _opd = records.linked_employee(current_user.nip)
    year = args["year"] or opening_year(lambda up_to: up_to)
    found = report.person_items(emp, year, scoped=False)
    return {"year": year, "assessed": found is not None, "person": found}
