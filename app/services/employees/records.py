"""Employees (ASN, PNS and PPPK): list and search, create, update, deactivate.

The NIP is the person's identity within a tenant: it is validated (app.domain.nip), the gender and the birth
date it encodes must agree with what is given, and it never changes once stored. The same NIP may exist in
another tenant (people transfer between regions); within one tenant it is unique.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.domain.golongan import GolonganError, normalise_golongan
from app.domain.nip import NIP_LENGTH, NipError, check_nip_agrees, parse_nip
from app.extensions import db
from app.models.employees import Employee, Opd
from app.problems import Problem
from app.services.audit import log as audit
from app.services.pagination import Page, paginate, sort_clause
from app.services.scope import check_opd_in_scope, employee_in_scope_clause, employee_not_found, scoped
from app.services.text import name_key
from app.signals import tenant_data_changed

SORTABLE = {"name": Employee.name_key, "nip": Employee.nip, "id": Employee.id}
ENTITY = "employees"


# --- reading --------------------------------------------------------------------------------------------


def _golongan_filter(golongan: str) -> str:
    """The canonical spelling of a golongan filter, whichever employee type it belongs to."""
    for kind in ("PNS", "PPPK"):
        try:
            return normalise_golongan(golongan, kind)
        except GolonganError:
            continue
    raise Problem.invalid(f"Golongan '{golongan}' tidak dikenal.", field="golongan",
                          reason="golongan tidak dikenal (PNS I/a…IV/e, PPPK I…XVII)")


def list_employees(*, q: str | None = None, opd_id: int | None = None, employee_type: str | None = None,
                   golongan: str | None = None, jabatan_kind: str | None = None, active: bool | None = None,
                   limit: int, offset: int, sort: str | None = None, cursor: str | None = None) -> Page:
    """A page of employees, each with its OPD, in two queries (the total, then the page joined to its OPDs).

    `q` made only of digits is a NIP prefix; anything else matches names containing it, ignoring case and accents.
    """
    conditions: list[sa.ColumnElement[bool]] = scoped(employee_in_scope_clause())
    if q and q.strip():
        compact = "".join(q.split())
        if compact.isascii() and compact.isdigit():
            conditions.append(Employee.nip.startswith(compact, autoescape=True))
        else:
            conditions.append(Employee.name_key.contains(name_key(q), autoescape=True))
    if opd_id is not None:
        conditions.append(Employee.opd_id == opd_id)
    if employee_type is not None:
        conditions.append(Employee.employee_type == employee_type)
    if golongan:
        conditions.append(Employee.golongan == _golongan_filter(golongan))
    if jabatan_kind:
        conditions.append(Employee.jabatan_kind == jabatan_kind)
    if active is not None:
        conditions.append(Employee.active.is_(active))
    order = sort_clause(sort, SORTABLE, "name")

    return paginate(sa.select(Employee, Opd.name).outerjoin(Opd, Opd.id == Employee.opd_id).where(*conditions),
                    limit=limit, offset=offset, cursor=cursor, order_by=order, tiebreak=Employee.id,
                    view=lambda row: employee_view(*row),
                    count_rows=sa.select(Employee.id).where(*conditions))


def employee_view(emp: Employee, opd_name: str | None) -> dict:
    """What the API shows of an employee: its columns and its OPD as {id, name}."""
    return {
        "id": emp.id, "nip": emp.nip, "name": emp.name, "gender": emp.gender, "birth_date": emp.birth_date,
        "employee_type": emp.employee_type, "golongan": emp.golongan, "jabatan": emp.jabatan,
        "jabatan_kind": emp.jabatan_kind, "opd_id": emp.opd_id,
        "opd": {"id": emp.opd_id, "name": opd_name} if emp.opd_id is not None else None,
        "active": emp.active, "source_updated_at": emp.source_updated_at, "created_at": emp.created_at,
        "updated_at": emp.updated_at,
    }




def get_employee(nip: str) -> Employee:
    """The employee of this tenant with this NIP, or a 404 (a malformed NIP is simply not found, and so is one
    outside the caller's OPD scope)."""
    if not (isinstance(nip, str) and len(nip) == NIP_LENGTH and nip.isascii() and nip.isdigit()):
        raise employee_not_found(nip)
    emp = db.session.execute(
        sa.select(Employee).where(Employee.nip == nip, *scoped(employee_in_scope_clause()))).scalar_one_or_none()
    if emp is None:
        raise employee_not_found(nip)
    return emp


def employee_detail(nip: str) -> dict:
    """One employee with its OPD, in one query."""
    if not (isinstance(nip, str) and len(nip) == NIP_LENGTH and nip.isascii() and nip.isdigit()):
        raise employee_not_found(nip)
    row = db.session.execute(
        sa.select(Employee, Opd.name).outerjoin(Opd, Opd.id == Employee.opd_id)
        .where(Employee.nip == nip, *scoped(employee_in_scope_clause()))
    ).first()
    if row is None:
        raise employee_not_found(nip)
    return employee_view(*row)


def linked_employee(nip: str | None) -> tuple[Employee, str | None]:
    """The employee a user account is linked to by NIP, with its OPD name (one query), for the person's own
    pages: it is their own record, so no OPD scope applies. 404 when the account has no (known) NIP."""
    row = None
    if nip:
        row = db.session.execute(
            sa.select(Employee, Opd.name.label("opd_name")).outerjoin(Opd, Opd.id == Employee.opd_id)
            .where(Employee.nip == nip)
        ).first()
    if row is None:
        raise Problem.not_found("Akun Anda belum terhubung dengan data pegawai (NIP).", type_="no-linked-employee")
    return row.Employee, row.opd_name


def own_profile(nip: str | None) -> dict:
    """What an employee sees of their own ASN record."""
    emp, opd_name = linked_employee(nip)
    return {
        "nip": emp.nip, "name": emp.name, "gender": emp.gender, "birth_date": emp.birth_date,
        "employee_type": emp.employee_type, "golongan": emp.golongan, "jabatan": emp.jabatan,
        "jabatan_kind": emp.jabatan_kind, "opd": {"id": emp.opd_id, "name": opd_name} if emp.opd_id else None,
        "active": emp.active,
    }


# --- validation -----------------------------------------------------------------------------------------


AUDITED = ("nip", "name", "gender", "birth_date", "employee_type", "golongan", "jabatan", "jabatan_kind", "opd_id",
           "active")


def _nip_error(field: str, exc: NipError) -> dict:
    return {"field": field, "reason": exc.message, "code": exc.code}


def _clean_name(name: str, errors: list[dict]) -> str:
    cleaned = " ".join(name.split())
    if len(cleaned) < 2:
        errors.append({"field": "name", "reason": "nama minimal 2 karakter"})
    return cleaned


def _check_golongan(golongan: str | None, employee_type: str, errors: list[dict]) -> str | None:
    if golongan is None or not golongan.strip():
        return None
    try:
        return normalise_golongan(golongan, employee_type)
    except GolonganError as exc:
        errors.append({"field": "golongan", "reason": exc.message, "code": exc.code})
        return None


def _check_opd(opd_id: int | None, errors: list[dict]) -> Opd | None:
    if opd_id is None:
        return None
    opd = db.session.get(Opd, opd_id)
    if opd is None:
        errors.append({"field": "opd_id", "reason": f"OPD {opd_id} tidak ditemukan"})
    elif not opd.active:
        errors.append({"field": "opd_id", "reason": f"OPD {opd_id} sudah tidak aktif"})
        return None
    return opd


def _raise_if(errors: list[dict]) -> None:
    if errors:
        raise Problem.invalid(errors=errors)


def _nip_taken(nip: str) -> Problem:
    return Problem.conflict(f"Pegawai dengan NIP {nip} sudah ada di wilayah ini.", field="nip",
                            reason="NIP sudah terdaftar")


# --- writing --------------------------------------------------------------------------------------------


def create_employee(*, nip: str, name: str, gender: str, employee_type: str, birth_date: date | None = None,
                    golongan: str | None = None, jabatan: str | None = None, jabatan_kind: str | None = None,
                    opd_id: int | None = None) -> dict:
    """Validate everything first (one 422 naming every bad field), then refuse a NIP this tenant already has."""
    errors: list[dict] = []
    parsed = None
    try:
        parsed = parse_nip(nip)
    except NipError as exc:
        errors.append(_nip_error("nip", exc))
    if parsed is not None:
        for mismatch in check_nip_agrees(parsed, gender, birth_date):
            field = "gender" if mismatch.code == "nip_gender_mismatch" else "birth_date"
            errors.append(_nip_error(field, mismatch))
    name = _clean_name(name, errors)
    golongan = _check_golongan(golongan, employee_type, errors)
    opd = _check_opd(opd_id, errors)
    check_opd_in_scope(opd_id, errors)
    _raise_if(errors)
    assert parsed is not None

    if db.session.execute(sa.select(Employee.id).where(Employee.nip == parsed.value)).first() is not None:
        raise _nip_taken(parsed.value)
    emp = Employee(
        nip=parsed.value, name=name, name_key=name_key(name), gender=parsed.gender, birth_date=parsed.birth_date,
        employee_type=employee_type, golongan=golongan, jabatan=(jabatan or "").strip() or None,
        jabatan_kind=jabatan_kind, opd_id=opd.id if opd else None, active=True,
        source_updated_at=datetime.now(UTC),
    )
    try:
        with db.session.begin_nested():  # a concurrent insert of the same NIP loses here, as a 409
            db.session.add(emp)
            db.session.flush()
    except IntegrityError as exc:
        raise _nip_taken(parsed.value) from exc
    audit.record("employee.create", ENTITY, emp.id, after=audit.snapshot(emp, AUDITED))
    tenant_data_changed.send(None, reason="employee.create")  # the year's headcount (rollups)
    return employee_view(emp, opd.name if opd else None)


_UNSET = object()
_GENDER_BY_NIP_DIGIT = {"1": "L", "2": "P"}


def update_employee(nip: str, *, name: str | None = None, gender: str | None = None, golongan=_UNSET,
                    jabatan=_UNSET, jabatan_kind=_UNSET, opd_id=_UNSET, active: bool | None = None,
                    employee_type: str | None = None) -> dict:
    """Change what a person may change; the NIP (and so the birth date) never changes."""
    emp = get_employee(nip)
    before = audit.snapshot(emp, AUDITED)
    errors: list[dict] = []
    changes: dict = {}
    if name is not None:
        cleaned = _clean_name(name, errors)
        changes.update(name=cleaned, name_key=name_key(cleaned))
    if gender is not None:
        if gender != _GENDER_BY_NIP_DIGIT.get(emp.nip[14]):
            errors.append({"field": "gender", "code": "nip_gender_mismatch",
                           "reason": f"Jenis kelamin {gender} tidak sesuai dengan NIP (digit ke-15)"})
        changes["gender"] = gender
    new_type = employee_type or emp.employee_type
    if employee_type is not None:
        changes["employee_type"] = employee_type
    if golongan is not _UNSET:
        changes["golongan"] = _check_golongan(golongan, new_type, errors)
    elif new_type != emp.employee_type and emp.golongan is not None:
        try:
            normalise_golongan(emp.golongan, new_type)
        except GolonganError as exc:
            errors.append({"field": "golongan", "code": exc.code,
                           "reason": f"golongan {emp.golongan} tidak berlaku untuk {new_type}; isi golongan baru"})
    if jabatan is not _UNSET:
        changes["jabatan"] = (jabatan or "").strip() or None
    if jabatan_kind is not _UNSET:
        changes["jabatan_kind"] = jabatan_kind
    if opd_id is not _UNSET and opd_id != emp.opd_id:
        _check_opd(opd_id, errors)
        check_opd_in_scope(opd_id, errors)
        changes["opd_id"] = opd_id
    if active is not None:
        changes["active"] = active
    _raise_if(errors)

    changed = {key: value for key, value in changes.items() if getattr(emp, key) != value}
    if changed:
        for key, value in changed.items():
            setattr(emp, key, value)
        emp.source_updated_at = datetime.now(UTC)
        db.session.flush()
        audit.record("employee.update", ENTITY, emp.id, before=before, after=audit.snapshot(emp, AUDITED))
        tenant_data_changed.send(None, reason="employee.update")  # type, OPD, jabatan or active: rollups
    return employee_detail(emp.nip)


def deactivate_employee(nip: str) -> dict:
    """Mark an employee inactive (left, retired, transferred); their records stay. Repeating it changes nothing."""
    emp = get_employee(nip)
    if emp.active:
        before = audit.snapshot(emp, AUDITED)
        emp.active = False
        emp.source_updated_at = datetime.now(UTC)
        db.session.flush()
        audit.record("employee.deactivate", ENTITY, emp.id, before=before, after=audit.snapshot(emp, AUDITED))
        tenant_data_changed.send(None, reason="employee.deactivate")
    return employee_detail(emp.nip)
