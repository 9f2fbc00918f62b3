"""An employee's own pages: their record, trainings and JP. The caller is whoever the account's NIP names;
there is no NIP in the URL, so nobody can ask for someone else's. An account without a linked NIP gets 404."""

from datetime import date

from flask_login import current_user

from app.blueprints.employees.schemas import EmployeeJpSchema
from app.blueprints.employees.schemas_self import SelfJpArgsSchema, SelfProfileSchema, SelfTrainingListSchema
from app.services.cohorts import enrolments as enrolment_service
from app.services.employees import ledger as jp_service
from app.services.employees import records as employee_service
from app.web.blueprints import tenant_api_blueprint

# Paths under /me/ next to the `account` blueprint's /me, /me/password, /me/sessions and /me/tokens.
blp = tenant_api_blueprint("selfservice", __name__, "me",
                           "Your own ASN record: profile, trainings (with certificates) and JP, linked by NIP.",
                           read="self", write="self")


@blp.get("/profile")
@blp.response(200, SelfProfileSchema)
def profile():
    """Your ASN record: NIP, name, OPD, golongan, jabatan, PNS or PPPK."""
    return employee_service.own_profile(current_user.nip)


@blp.get("/trainings")
@blp.response(200, SelfTrainingListSchema)
def trainings():
    """Your trainings: program, cohort, status, certificate (STTPP) and JP earned, newest first."""
    emp, _opd_name = employee_service.linked_employee(current_user.nip)
    items = enrolment_service.trainings_of(emp.id)
    return {"nip": emp.nip, "total": len(items), "items": items}


@blp.get("/jp")
@blp.arguments(SelfJpArgsSchema, location="query")
@blp.response(200, EmployeeJpSchema)
def jp(args):
    """Your JP for a calendar year (this year by default) against the 20 JP duty, with every line."""
    emp, _opd_name = employee_service.linked_employee(current_user.nip)
    return jp_service.jp_of(emp, args["year"] or date.today().year)
