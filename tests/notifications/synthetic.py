"""A region's population for the reminder tests and the benchmark, written set-based: `n` active employees spread
over OPDs, every one with an e-mail address, of whom `below` are under 20 JP in `year` (some with a little JP, the
rest with none) and the others at or above 20 JP. Returns the ids of those below."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db

_OPDS = sa.text(
    "INSERT INTO opds (name, name_key) SELECT 'Dinas Sintetis ' || i, 'dinas sintetis ' || i "
    "FROM generate_series(1, :n) i RETURNING id")
_EMPLOYEES = sa.text(
    "INSERT INTO employees (nip, name, name_key, gender, birth_date, employee_type, opd_id, active) "
    "SELECT '19' || lpad(i::text, 16, '0'), 'Pegawai Sintetis ' || i, 'pegawai sintetis ' || lpad(i::text, 6, '0'), "
    "       'L', date '1980-01-01', 'PNS', (:opds)[1 + i % array_length(:opds, 1)], true "
    "FROM generate_series(1, :n) i")
_ADDRESSES = sa.text(
    "INSERT INTO notification_addresses (employee_id, email) "
    "SELECT id, 'pegawai' || id || '@contoh.go.id' FROM employees")
# Employees numbered 1..below are below 20 JP (every third with 8 JP); the rest have 24 JP.
_JP = sa.text(
    "INSERT INTO jp_entries (employee_id, year, jp, source, title, completed_on) "
    "SELECT e.id, :year, CASE WHEN s.i <= :below THEN 8 ELSE 24 END, 'other', 'Pelatihan sintetis', "
    "       make_date(:year, 3, 1) "
    "FROM employees e JOIN LATERAL (SELECT substr(e.nip, 3)::int AS i) s ON true "
    "WHERE s.i > :below OR s.i % 3 = 0")
_BELOW_IDS = sa.text("SELECT id FROM employees WHERE substr(nip, 3)::int <= :below ORDER BY id")


def populate(n: int, below: int, year: int, *, opds: int = 40) -> list[int]:
    """In the bound tenant; commits."""
    opd_ids = list(db.session.execute(_OPDS, {"n": opds}).scalars())
    db.session.execute(_EMPLOYEES, {"n": n, "opds": opd_ids})
    db.session.execute(_ADDRESSES)
    db.session.execute(_JP, {"year": year, "below": below})
    ids = list(db.session.execute(_BELOW_IDS, {"below": below}).scalars())
    db.session.commit()
    return ids


def address_of(employee_id: int) -> str:
    return f"pegawai{employee_id}@contoh.go.id"
