"""Who is reached where, and what they turned off: employees' e-mail addresses (set by staff, by NIP), OPD contacts
for the digests, and an employee's own choice of the optional kinds."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.extensions import db
from app.models.employees import Employee, Opd
from app.models.notifications import OPTIONAL_KINDS, EmployeeAddress, OpdContact, OptOut
from app.problems import Problem
from app.services.audit import log as audit
from app.services.notifications.outbox import EMAIL_RE


def _check_email(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > 254 or not EMAIL_RE.fullmatch(value):
        raise Problem.invalid(f"Alamat e-mail tidak valid: {value!r}", field=field, reason="alamat e-mail tidak valid")
    return value


def set_addresses(items: Iterable[dict]) -> dict:
    """Set employees' addresses from [{nip, email}] (an empty email removes the address); audited as one entry."""
    items = list(items)
    nips = [str(i.get("nip", "")).strip() for i in items]
    ids = dict(db.session.execute(sa.select(Employee.nip, Employee.id).where(Employee.nip.in_(nips))).all())
    errors, upserts, removals = [], [], []
    for n, (nip, item) in enumerate(zip(nips, items, strict=True)):
        if nip not in ids:
            errors.append({"field": f"items.{n}.nip", "reason": f"pegawai dengan NIP {nip} tidak ditemukan"})
            continue
        email = (item.get("email") or "").strip()
        if not email:
            removals.append(ids[nip])
            continue
        try:
            upserts.append({"employee_id": ids[nip], "email": _check_email(email, f"items.{n}.email")})
        except Problem:
            errors.append({"field": f"items.{n}.email", "reason": "alamat e-mail tidak valid"})
    if errors:
        raise Problem.invalid("Sebagian alamat tidak bisa disimpan.", errors=errors)
    for start in range(0, len(upserts), 1000):
        stmt = pg_insert(EmployeeAddress).values(upserts[start:start + 1000])
        db.session.execute(stmt.on_conflict_do_update(index_elements=["employee_id"],
                                                      set_={"email": stmt.excluded.email,
                                                            "updated_at": sa.func.now()}))
    if removals:
        db.session.execute(sa.delete(EmployeeAddress).where(EmployeeAddress.employee_id.in_(removals)))
    audit.record("notification_address.set", "notification_addresses", None,
                 after={"set": len(upserts), "removed": len(removals), "nips": sorted(nips)[:200]})
    return {"set": len(upserts), "removed": len(removals)}


def set_opd_contact(opd_id: int, *, email: str | None, name: str | None = None) -> dict:
    """The OPD's digest contact (no email: none); audited."""
    if db.session.get(Opd, opd_id) is None:
        raise Problem.not_found(f"OPD {opd_id} tidak ditemukan.")
    row = db.session.get(OpdContact, opd_id)
    before = audit.snapshot(row, ("name", "email")) if row else None
    if not (email or "").strip():
        if row is not None:
            db.session.delete(row)
        after = None
    else:
        email = _check_email(email, "email")
        if row is None:
            row = OpdContact(opd_id=opd_id, email=email, name=(name or "").strip() or None)
            db.session.add(row)
        else:
            row.email, row.name = email, (name or "").strip() or None
        after = {"name": row.name, "email": row.email}
    db.session.flush()
    audit.record("notification_contact.set", "notification_opd_contacts", opd_id, before=before, after=after)
    return {"opd_id": opd_id, **(after or {"name": None, "email": None})}


def opd_contacts() -> list[dict]:
    rows = db.session.execute(
        sa.select(Opd.id, Opd.name, OpdContact.name.label("contact_name"), OpdContact.email)
        .outerjoin(OpdContact, OpdContact.opd_id == Opd.id).where(Opd.active).order_by(Opd.name)).all()
    return [{"opd_id": r.id, "opd_name": r.name, "name": r.contact_name, "email": r.email} for r in rows]


def employee_by_nip(nip: str | None) -> Employee:
    employee = db.session.execute(sa.select(Employee).where(Employee.nip == nip)).scalar_one_or_none() if nip else None
    if employee is None:
        raise Problem.not_found("Akun ini tidak terhubung dengan data pegawai (NIP).")
    return employee


def my_preferences(nip: str | None) -> dict:
    employee = employee_by_nip(nip)
    off = set(db.session.execute(sa.select(OptOut.kind).where(OptOut.employee_id == employee.id)).scalars())
    address = db.session.get(EmployeeAddress, employee.id)
    return {"employee_id": employee.id, "off": sorted(off), "on": [k for k in OPTIONAL_KINDS if k not in off],
            "email": address.email if address else None}


def set_my_preferences(nip: str | None, *, enabled: Iterable[str]) -> dict:
    """An employee chooses which optional kinds they receive (the rest are turned off for them); audited."""
    employee = employee_by_nip(nip)
    enabled = set(enabled)
    unknown = enabled - set(OPTIONAL_KINDS)
    if unknown:
        raise Problem.invalid("Jenis pesan ini tidak bisa diatur sendiri.", field="enabled",
                              reason=f"tidak dikenal: {', '.join(sorted(unknown))}")
    before = my_preferences(nip)["off"]
    off = [k for k in OPTIONAL_KINDS if k not in enabled]
    db.session.execute(sa.delete(OptOut).where(OptOut.employee_id == employee.id))
    if off:
        db.session.execute(pg_insert(OptOut).values([{"employee_id": employee.id, "kind": k} for k in off]))
    audit.record("notification_preferences.set", "notification_optouts", employee.id, before={"off": before},
                 after={"off": off})
    return my_preferences(nip)


_DEMO_ADDRESSES = sa.text(
    "INSERT INTO notification_addresses (employee_id, email) "
    "SELECT id, 'asn.' || nip || '@' || :domain FROM employees WHERE active ON CONFLICT (employee_id) DO NOTHING")


def fill_demo_addresses(domain: str = "contoh.go.id") -> int:
    """The demo only: an invented address for every active employee that has none (`asn.<nip>@contoh.go.id`), so
    that enrolling someone in the demo shows a summons in the outbox. Not audited: demo set-up, not a person's write."""
    return db.session.execute(_DEMO_ADDRESSES, {"domain": domain}).rowcount
