"""Employees are addressed by NIP. Any NIP this tenant does not hold is a 404, a malformed one included
(`/employees/123` is simply not found; validation errors of a NIP are reported where one is created)."""

from app.blueprints.employees.schemas import (
    EmployeeJpSchema,
    EmployeeListArgsSchema,
    EmployeePageSchema,
    EmployeeSchema,
    EmployeeUpdateSchema,
    JpArgsSchema,
    JpEntryCreateSchema,
    JpLineSchema,
)
from app.services.employees import ledger as jp_service
from app.services.employees import records as service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

blp = tenant_api_blueprint("employees", __name__, "employees",
                           "Employees (ASN: PNS and PPPK), found by NIP, and their JP ledger.")


@blp.get("")
@blp.arguments(EmployeeListArgsSchema, location="query")
@blp.response(200, EmployeePageSchema)
def list_employees(args):
    return service.list_employees(**args)


@blp.post("")
@blp.arguments(EmployeeSchema)
@blp.response(201, EmployeeSchema)
def create_employee(data):
    return commit(service.create_employee(**data))


@blp.get("/<nip>")
@blp.response(200, EmployeeSchema)
def get_employee(nip):
    return service.employee_detail(nip)


@blp.patch("/<nip>")
@blp.arguments(EmployeeUpdateSchema)
@blp.response(200, EmployeeSchema)
def update_employee(data, nip):
    return commit(service.update_employee(nip, **data))


@blp.post("/<nip>/deactivate")
@blp.response(200, EmployeeSchema)
def deactivate_employee(nip):
    return commit(service.deactivate_employee(nip))


@blp.get("/<nip>/jp")
@blp.arguments(JpArgsSchema, location="query")
@blp.response(200, EmployeeJpSchema)
def employee_jp(args, nip):
    return jp_service.employee_jp(nip, args["year"])


@blp.post("/<nip>/jp-entries")
@blp.arguments(JpEntryCreateSchema)
@blp.response(201, JpLineSchema)
def add_jp_entry(data, nip):
    return commit(jp_service.add_external_entry(nip, **data))
