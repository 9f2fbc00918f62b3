"""OPDs: create, rename, merge (moves employees), deactivate. Only admins change them (permission org:manage)."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models.employees import Employee, Opd
from app.problems import Problem
from app.services.audit import log as audit
from app.services.pagination import Page, paginate, sort_clause
from app.services.text import name_key
from app.signals import tenant_data_changed

SORTABLE = {"name": Opd.name_key, "code": Opd.code, "id": Opd.id}


def list_opds(*, limit: int, offset: int, sort: str | None = None, cursor: str | None = None, q: str | None = None,
              active: bool | None = None) -> Page:
    stmt = sa.select(Opd)
    if q:
        stmt = stmt.where(Opd.name_key.contains(name_key(q), autoescape=True) | (Opd.code == q))
    if active is not None:
        stmt = stmt.where(Opd.active.is_(active))
    order = sort_clause(sort, SORTABLE, "name")
    return paginate(stmt, limit=limit, offset=offset, cursor=cursor, order_by=order, tiebreak=Opd.id)


def opd_names_of(opd_ids) -> list[tuple[int, str]]:
    """(id, name) of the given OPDs, one query (for pages that show OPDs a record names by id)."""
    if not opd_ids:
        return []
    return [tuple(row) for row in db.session.execute(sa.select(Opd.id, Opd.name).where(Opd.id.in_(sorted(opd_ids))))]


def get_opd(opd_id: int) -> Opd:
    opd = db.session.get(Opd, opd_id)
    if opd is None:
        raise Problem.not_found(f"OPD {opd_id} tidak ditemukan.")
    return opd


def _ensure_unique(name: str, code: str | None, exclude_id: int | None = None) -> None:
    key = name_key(name)
    clash = db.session.execute(
        sa.select(Opd.id, Opd.name_key, Opd.code).where(
            sa.or_(sa.and_(Opd.name_key == key, Opd.active), Opd.code == code if code else sa.false()),
            Opd.id != (exclude_id or 0),
        )
    ).first()
    if clash is None:
        return
    field = "name" if clash.name_key == key else "code"
    raise Problem.conflict(f"OPD dengan {field} ini sudah ada (id {clash.id}).",
                           errors=[{"field": field, "reason": "sudah dipakai OPD lain"}])


def create_opd(*, name: str, code: str | None = None) -> Opd:
    _ensure_unique(name, code)
    opd = Opd(name=name.strip(), name_key=name_key(name), code=code)
    db.session.add(opd)
    db.session.flush()
    audit.record("opd.create", "opds", opd.id, after=audit.snapshot(opd, AUDITED))
    return opd


def update_opd(opd_id: int, *, name: str | None = None, code: str | None = None) -> Opd:
    opd = get_opd(opd_id)
    before = audit.snapshot(opd, AUDITED)
    _ensure_unique(name or opd.name, code if code is not None else None, exclude_id=opd.id)
    if name is not None:
        opd.name, opd.name_key = name.strip(), name_key(name)
    if code is not None:
        opd.code = code
    db.session.flush()
    audit.record("opd.update", "opds", opd.id, before=before, after=audit.snapshot(opd, AUDITED))
    tenant_data_changed.send(None, reason="opd.update")  # a new name may be a new kind (rollups' drill-down)
    return opd


def deactivate_opd(opd_id: int) -> Opd:
    opd = get_opd(opd_id)
    before = audit.snapshot(opd, AUDITED)
    opd.active = False
    db.session.flush()
    audit.record("opd.deactivate", "opds", opd.id, before=before, after=audit.snapshot(opd, AUDITED))
    return opd


def merge_opds(source_id: int, target_id: int) -> tuple[Opd, int]:
    """Move every employee of `source` into `target` and deactivate `source`; returns (target, moved)."""
    if source_id == target_id:
        raise Problem.invalid("OPD tidak bisa digabung dengan dirinya sendiri.",
                              errors=[{"field": "target_id", "reason": "harus berbeda dari OPD asal"}])
    source, target = get_opd(source_id), get_opd(target_id)
    if not target.active:
        raise Problem.conflict("OPD tujuan sudah tidak aktif.",
                               errors=[{"field": "target_id", "reason": "OPD tujuan tidak aktif"}])
    moved = db.session.execute(
        sa.update(Employee).where(Employee.opd_id == source.id).values(opd_id=target.id)
    ).rowcount
    source.active = False
    source.merged_into_id = target.id
    db.session.flush()
    audit.record("opd.merge", "opds", source.id, before={"active": True},
                 after={"merged_into_id": target.id, "moved_employees": moved})
    tenant_data_changed.send(None, reason="opd.merge")
    return target, moved


AUDITED = ("name", "code", "active")
