"""Employees are addressed by NIP. Any NIP this tenant does not hold is a 404, a malformed one included
(`/employees/123` is simply not found; validation errors of a NIP are reported where one is created).

OPDs are read by everyone who reads training data; only admins change the organisation. An employee's own
record (/me/profile, /me/trainings, /me/jp): the caller is whoever the account's NIP names; there is no NIP in
the URL, so nobody can ask for someone else's. An account without a linked NIP gets 404.
"""

from datetime import date

from flask_login import current_user

from app.blueprints.employees.schemas import (
    EmployeeJpSchema,
    EmployeeListArgsSchema,
    EmployeePageSchema,
    EmployeeSchema,
    EmployeeUpdateSchema,
    JpArgsSchema,
    JpEntryCreateSchema,
    JpLineSchema,
    MergeResultSchema,
    MergeSchema,
    OpdListArgsSchema,
    OpdPageSchema,
    OpdSchema,
    OpdUpdateSchema,
    SelfJpArgsSchema,
    SelfProfileSchema,
    SelfTrainingListSchema,
)
from app.services.cohorts import enrolments as enrolment_service
from app.services.employees import ledger as jp_service
from app.services.employees import opds, records
from app.services.employees import records as employee_service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

employees_api = tenant_api_blueprint("employees", __name__, "employees",
                           "Employees (ASN: PNS and PPPK), found by NIP, and their JP ledger.")


@employees_api.get("")
@employees_api.arguments(EmployeeListArgsSchema, location="query")
@employees_api.response(200, EmployeePageSchema)
def list_employees(args):
    return records.list_employees(**args)


@employees_api.post("")
@employees_api.arguments(EmployeeSchema)
@employees_api.response(201, EmployeeSchema)
def create_employee(data):
    return commit(records.create_employee(**data))


@employees_api.get("/<nip>")
@employees_api.response(200, EmployeeSchema)
def get_employee(nip):
    return records.employee_detail(nip)


@employees_api.patch("/<nip>")
@employees_api.arguments(EmployeeUpdateSchema)
@employees_api.response(200, EmployeeSchema)
def update_employee(data, nip):
    return commit(records.update_employee(nip, **data))


@employees_api.post("/<nip>/deactivate")
@employees_api.response(200, EmployeeSchema)
def deactivate_employee(nip):
    return commit(records.deactivate_employee(nip))


@employees_api.get("/<nip>/jp")
@employees_api.arguments(JpArgsSchema, location="query")
@employees_api.response(200, EmployeeJpSchema)
def employee_jp(args, nip):
    return jp_service.employee_jp(nip, args["year"])


@employees_api.post("/<nip>/jp-entries")
@employees_api.arguments(JpEntryCreateSchema)
@employees_api.response(201, JpLineSchema)
def add_jp_entry(data, nip):
    return commit(jp_service.add_external_entry(nip, **data))


# Everyone who reads training data reads OPDs; only admins change the organisation (create, rename, merge,
# deactivate), since OPD-scoped operators are defined by it.
opds_api = tenant_api_blueprint("opds", __name__, "opds",
                                "OPD (Organisasi Perangkat Daerah): the region's departments.",
                                read="training:read", write="org:manage")


@opds_api.get("")
@opds_api.arguments(OpdListArgsSchema, location="query")
@opds_api.response(200, OpdPageSchema)
def list_opds(args):
    return opds.list_opds(**args)


@opds_api.post("")
@opds_api.arguments(OpdSchema)
@opds_api.response(201, OpdSchema)
def create_opd(data):
    return commit(opds.create_opd(**data))


@opds_api.get("/<int:opd_id>")
@opds_api.response(200, OpdSchema)
def get_opd(opd_id):
    return opds.get_opd(opd_id)


@opds_api.patch("/<int:opd_id>")
@opds_api.arguments(OpdUpdateSchema)
@opds_api.response(200, OpdSchema)
def update_opd(data, opd_id):
    return commit(opds.update_opd(opd_id, **data))


@opds_api.post("/<int:opd_id>/deactivate")
@opds_api.response(200, OpdSchema)
def deactivate_opd(opd_id):
    return commit(opds.deactivate_opd(opd_id))


@opds_api.post("/<int:opd_id>/merge")
@opds_api.arguments(MergeSchema)
@opds_api.response(200, MergeResultSchema)
def merge_opd(data, opd_id):
    target, moved = opds.merge_opds(opd_id, data["target_id"])
    return commit({"target": target, "moved_employees": moved})


# Paths under /me/ next to the `account` blueprint's /me, /me/password, /me/sessions and /me/tokens.
selfservice_api = tenant_api_blueprint("selfservice", __name__, "me",
                           "Your own ASN record: profile, trainings (with certificates) and JP, linked by NIP.",
                           read="self", write="self")


@selfservice_api.get("/profile")
@selfservice_api.response(200, SelfProfileSchema)
def profile():
    """Your ASN record: NIP, name, OPD, golongan, jabatan, PNS or PPPK."""
    return employee_service.own_profile(current_user.nip)


@selfservice_api.get("/trainings")
@selfservice_api.response(200, SelfTrainingListSchema)
def trainings():
    """Your trainings: program, cohort, status, certificate (STTPP) and JP earned, newest first."""
    emp, _opd_name = employee_service.linked_employee(current_user.nip)
    items = enrolment_service.trainings_of(emp.id)
    return {"nip": emp.nip, "total": len(items), "items": items}


@selfservice_api.get("/jp")
@selfservice_api.arguments(SelfJpArgsSchema, location="query")
@selfservice_api.response(200, EmployeeJpSchema)
def jp(args):
    """Your JP for a calendar year (this year by default) against the 20 JP duty, with every line."""
    emp, _opd_name = employee_service.linked_employee(current_user.nip)
    return jp_service.jp_of(emp, args["year"] or date.today().year)
