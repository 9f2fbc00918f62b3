"""The apply's plain INSERTs (no ON CONFLICT, for speed) meet a row another transaction commits meanwhile: the
unique violation rolls back only their savepoint and the same statement with ON CONFLICT runs, so the import
still ends done with the right counts (app/services/imports/pipeline.py, `_plain_first`)."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context
from tests.imports.conftest import csv_bytes, generated_rows, upload

ROWS = 40
SCHEMA = "t_kab_serang"


def _person(i: int) -> dict:
    """What generated_rows(i) says of row i: its NIP, gender and birth date."""
    row = generated_rows(1, start=i)[0].split(";")
    day, month, year = row[3].split("/")
    return {"nip": row[0], "gender": row[2], "born": f"{year}-{month}-{day}"}


def _wait_for_blocked(engine, needle: str, seconds: float = 60) -> bool:
    """True once a backend of this database waits on a lock in a statement starting with `needle` (pg_stat_activity
    keeps only the first 1 kB of a statement)."""
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = "
                "'Lock' AND query LIKE :q AND pid <> pg_backend_pid()"), {"q": f"{needle}%"}).scalar_one()
            conn.rollback()
            if waiting:
                return True
            time.sleep(0.05)
    return False


def _commit_when_blocked(conn, needle: str, seen: list) -> threading.Thread:
    engine = db.engine  # the thread has no app context

    def run() -> None:
        try:
            seen.append(_wait_for_blocked(engine, needle))
        finally:
            conn.commit()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _insert_person(conn, i: int) -> int:
    p = _person(i)
    return conn.execute(sa.text(
        f"INSERT INTO {SCHEMA}.employees (nip, name, name_key, gender, birth_date, employee_type, active) "  # noqa: S608
        "VALUES (:nip, 'Orang Lain', 'orang lain', :g, :b, 'PPPK', true) RETURNING id"),
        {"nip": p["nip"], "g": p["gender"], "b": p["born"]}).scalar_one()


@pytest.mark.committed  # a second connection holds its rows while the worker applies
def test_an_employee_committed_by_another_writer_mid_apply_is_updated_not_a_failure(client, serang_units,
                                                                                     run_worker):
    run_id = upload(client, "kab-serang", csv_bytes(generated_rows(ROWS))).get_json()["id"]
    seen: list[bool] = []
    with db.engine.connect() as other:
        _insert_person(other, 1)  # not committed yet: the apply's INSERT of row 1's NIP waits for it
        thread = _commit_when_blocked(other, "WITH src AS (SELECT DISTINCT ON (nip)", seen)
        run_worker()
        thread.join(90)
    assert seen == [True]  # the apply did meet the other writer's row
    run = client.get(f"/t/kab-serang/api/v1/imports/{run_id}").get_json()
    assert run["state"] == "done", run
    assert run["rows"]["created"] == ROWS
    assert run["details"]["employees_created"] == ROWS - 1 and run["details"]["employees_updated"] == 1
    with tenant_context(serang_units):
        name = db.session.execute(sa.text("SELECT name FROM employees WHERE nip = :n"),
                                  {"n": _person(1)["nip"]}).scalar_one()
    assert name == "Pegawai 1"  # the file's, newer than the other writer's


@pytest.mark.committed
def test_an_enrolment_committed_by_another_writer_mid_apply_is_left_alone(client, serang_units, run_worker):
    with db.engine.connect() as setup:
        person = _insert_person(setup, 0)
        program = setup.execute(sa.text(f"SELECT id FROM {SCHEMA}.programs WHERE code = 'ORIENTASI-PPPK'")  # noqa: S608
                                ).scalar_one()
        cohort = setup.execute(sa.text(
            f"INSERT INTO {SCHEMA}.cohorts (program_id, year, number, mode) "  # noqa: S608
            "VALUES (:p, 2022, 1, 'klasikal') RETURNING id"), {"p": program}).scalar_one()
        setup.commit()
    run_id = upload(client, "kab-serang", csv_bytes(generated_rows(ROWS))).get_json()["id"]
    seen: list[bool] = []
    with db.engine.connect() as other:
        other.execute(sa.text(f"INSERT INTO {SCHEMA}.enrolments (employee_id, cohort_id, status) "  # noqa: S608
                              "VALUES (:e, :c, 'registered')"), {"e": person, "c": cohort})
        thread = _commit_when_blocked(other, "WITH ins AS (INSERT INTO enrolments", seen)
        run_worker()
        thread.join(90)
    assert seen == [True]
    run = client.get(f"/t/kab-serang/api/v1/imports/{run_id}").get_json()
    assert run["state"] == "done", run
    assert run["rows"]["created"] == ROWS - 1  # row 0's enrolment is the other writer's
    with tenant_context(serang_units):
        assert db.session.execute(sa.text("SELECT count(*) FROM enrolments WHERE employee_id = :e"),
                                  {"e": person}).scalar_one() == 1
