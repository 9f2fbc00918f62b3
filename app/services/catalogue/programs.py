"""The training catalogue: partner institutions and programs (code, type, competency type, provider, JP)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.models.catalogue import Partner, Program
from app.problems import Problem
from app.services.audit import log as audit
from app.services.pagination import Page, paginate, sort_clause

CODE_RE = re.compile(r"^[A-Z0-9-]{2,40}$")

PARTNER_SORTABLE = {"code": Partner.code, "id": Partner.id}
PROGRAM_SORTABLE = {"code": Program.code, "name": Program.name, "id": Program.id}


def normalise_code(value: str) -> str:
    """Codes are stored upper-case without surrounding spaces: ` pka ` → `PKA`."""
    return value.strip().upper()


def insert_unique(obj, conflict: Problem) -> None:
    """Add and flush `obj`; a unique violation (a concurrent request got there first) becomes `conflict`."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) != "23505":
            raise
        raise conflict from exc







# --- partners -------------------------------------------------------------------------------------------


def list_partners(*, q: str | None = None, kind: str | None = None, active: bool | None = None,
                  limit: int, offset: int, sort: str | None, cursor: str | None = None) -> Page:
    stmt = sa.select(Partner)
    if q:
        stmt = stmt.where(Partner.name.icontains(q, autoescape=True) | Partner.code.startswith(normalise_code(q),
                                                                                              autoescape=True))
    if kind:
        stmt = stmt.where(Partner.kind == kind)
    if active is not None:
        stmt = stmt.where(Partner.active.is_(active))
    order = sort_clause(sort, PARTNER_SORTABLE, "code")
    return paginate(stmt, limit=limit, offset=offset, cursor=cursor, order_by=order, tiebreak=Partner.id)


def get_partner(partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise Problem.not_found(f"Mitra {partner_id} tidak ditemukan.")
    return partner


def find_partner(partner_id: int | None, field: str = "partner_id") -> Partner | None:
    """A partner named in a request body: None stays None, an unknown id is a 422 on `field`."""
    if partner_id is None:
        return None
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise Problem.invalid(field=field, reason=f"mitra {partner_id} tidak ditemukan")
    return partner


def create_partner(*, code: str, name: str, kind: str) -> Partner:
    code = normalise_code(code)
    clash = db.session.execute(sa.select(Partner.id).where(Partner.code == code)).scalar()
    if clash is not None:
        raise Problem.conflict(f"Mitra dengan kode {code} sudah ada (id {clash}).", field="code",
                               reason="sudah dipakai")
    partner = Partner(code=code, name=name.strip(), kind=kind)
    insert_unique(partner, Problem.conflict(f"Mitra dengan kode {code} sudah ada.", field="code",
                                            reason="sudah dipakai"))
    audit.record("partner.create", "partners", partner.id, after=audit.snapshot(partner))
    return partner


# --- programs -------------------------------------------------------------------------------------------


def program_out(program: Program, provider: Partner | None) -> dict:
    """What the API shows of a program: its columns and the provider as {id, code, name} (None = the region)."""
    out = {column.key: getattr(program, column.key) for column in Program.__table__.columns}
    out["provider"] = provider
    return out


def _providers_for(programs: list[Program]) -> dict[int, Partner]:
    ids = {p.provider_partner_id for p in programs if p.provider_partner_id is not None}
    if not ids:
        return {}
    return {p.id: p for p in db.session.execute(sa.select(Partner).where(Partner.id.in_(ids))).scalars()}


def list_programs(*, program_type: str | None = None, competency_type: str | None = None,
                  active: bool | None = None, q: str | None = None, limit: int, offset: int,
                  sort: str | None, cursor: str | None = None) -> Page:
    """A page of programs with their providers: three queries whatever the page size."""
    stmt = sa.select(Program)
    if program_type:
        stmt = stmt.where(Program.program_type == program_type)
    if competency_type:
        stmt = stmt.where(Program.competency_type == competency_type)
    if active is not None:
        stmt = stmt.where(Program.active.is_(active))
    if q:
        stmt = stmt.where(Program.name.icontains(q, autoescape=True)
                          | Program.code.startswith(normalise_code(q), autoescape=True))
    order = sort_clause(sort, PROGRAM_SORTABLE, "code")
    page = paginate(stmt, limit=limit, offset=offset, cursor=cursor, order_by=order, tiebreak=Program.id)
    providers = _providers_for(page.items)
    page.items = [program_out(p, providers.get(p.provider_partner_id)) for p in page.items]
    return page


def get_program(program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None:
        raise Problem.not_found(f"Program {program_id} tidak ditemukan.")
    return program


def get_program_by_code(code: str) -> Program | None:
    """The catalogue entry for a code as written in a file (`pka`, ` PKA `), or None."""
    return db.session.execute(sa.select(Program).where(Program.code == normalise_code(code))).scalar_one_or_none()


def program_detail(program_id: int) -> dict:
    program = get_program(program_id)
    provider = db.session.get(Partner, program.provider_partner_id) if program.provider_partner_id else None
    return program_out(program, provider)


def _ensure_program_code_free(code: str, exclude_id: int | None = None) -> None:
    clash = db.session.execute(
        sa.select(Program.id).where(Program.code == code, Program.id != (exclude_id or 0))
    ).scalar()
    if clash is not None:
        raise Problem.conflict(f"Program dengan kode {code} sudah ada (id {clash}).", field="code",
                               reason="sudah dipakai")


def create_program(*, code: str, name: str, program_type: str, competency_type: str, jp: int,
                   provider_partner_id: int | None = None, active: bool = True, **eligibility) -> dict:
    """A catalogue entry; `eligibility`: eligible_jabatan_kinds, eligible_employee_types, min_golongan,
    not_if_passed (app.services.cohorts.eligibility)."""
    code = normalise_code(code)
    _ensure_program_code_free(code)
    provider = find_partner(provider_partner_id, "provider_partner_id")
    program = Program(code=code, name=name.strip(), program_type=program_type, competency_type=competency_type,
                      provider_partner_id=provider_partner_id, jp=jp, active=active,
                      **{k: (v or None) if k != "not_if_passed" else bool(v) for k, v in eligibility.items()})
    insert_unique(program, Problem.conflict(f"Program dengan kode {code} sudah ada.", field="code",
                                            reason="sudah dipakai"))
    audit.record("program.create", "programs", program.id, after=audit.snapshot(program))
    return program_out(program, provider)


_UNSET = object()


def update_program(program_id: int, **changes) -> dict:
    """Change any of code, name, program_type, competency_type, provider_partner_id (None = the region), jp,
    active. Only the keys given change."""
    program = get_program(program_id)
    before = audit.snapshot(program)
    if "code" in changes:
        changes["code"] = normalise_code(changes["code"])
        _ensure_program_code_free(changes["code"], exclude_id=program.id)
    provider_id = changes.get("provider_partner_id", _UNSET)
    if provider_id is not _UNSET:
        find_partner(provider_id, "provider_partner_id")
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    for key, value in changes.items():
        setattr(program, key, value)
    db.session.flush()
    provider = db.session.get(Partner, program.provider_partner_id) if program.provider_partner_id else None
    audit.record("program.update", "programs", program.id, before=before, after=audit.snapshot(program))
    return program_out(program, provider)
