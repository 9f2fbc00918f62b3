"""Files built to hurt (finding 3 of the outside review and its neighbours): an XLSX zip bomb is refused before it
is parsed, at the upload and by the worker; a file declaring XML entities, or with a cell past Excel's own limit,
fails its run in words a BKPSDM operator understands, with the parser's detail in the log only."""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context
from tests.imports.conftest import HEADER, count, generated_rows, upload
from tests.imports.hostile_files import with_external_entity, with_long_cell, workbook, zip_bomb
from tests.reconciliation import conftest as recon

COLUMNS = HEADER.split(";")


def _rows(first_name: str | None = None) -> list[list[str]]:
    row = generated_rows(1)[0].split(";")
    if first_name is not None:
        row[1] = first_name
    return [COLUMNS, row]


def _uploads(app, slug: str) -> list[Path]:
    folder = Path(app.config["INSTANCE_DIR"]) / "uploads" / slug
    return sorted(folder.iterdir()) if folder.exists() else []


def _run_with_file(client, app, run_worker, slug: str, data: bytes) -> dict:
    """A run queued with a harmless workbook whose stored file is then `data`: what a file accepted before the
    upload check existed (or put there by any other way) meets in the worker."""
    resp = upload(client, slug, workbook(_rows()), name="pppk.xlsx")
    assert resp.status_code == 202, resp.get_json()
    run_id = resp.get_json()["id"]
    with tenant_context(slug):
        stored = db.session.execute(sa.text("SELECT stored_path FROM import_runs WHERE id = :r"),
                                    {"r": run_id}).scalar_one()
    Path(stored).write_bytes(data)
    run_worker()
    return client.get(f"/t/{slug}/api/v1/imports/{run_id}").get_json()


def test_an_xlsx_zip_bomb_upload_is_refused_at_once_and_nothing_is_stored(app, client, serang_units):
    bomb = zip_bomb(_rows())
    assert len(bomb) < 1024 * 1024  # small on disk, 64 MiB inflated
    stored = _uploads(app, "kab-serang")

    resp = upload(client, "kab-serang", bomb, name="pppk.xlsx")

    assert resp.status_code == 422, resp.get_json()
    assert resp.mimetype == "application/problem+json"
    error = resp.get_json()["errors"][0]
    assert error["field"] == "file" and "mengembang" in error["reason"], error
    assert count(serang_units, "import_runs") == 0
    assert _uploads(app, "kab-serang") == stored


def test_a_queued_run_whose_file_is_a_zip_bomb_fails_with_a_reason_and_is_never_done(app, client, serang_units,
                                                                                     run_worker):
    run = _run_with_file(client, app, run_worker, "kab-serang", zip_bomb(_rows()))

    assert run["state"] == "failed", run
    assert "mengembang" in run["error"] and run["rows"]["created"] == 0
    assert count(serang_units, "employees") == 0


def test_a_reconciliation_upload_that_is_a_zip_bomb_is_refused(app, client, malang):
    from tests.reconciliation.synthetic import generate, load

    data = generate(5, seed=3)
    ids = load("kota-malang", data)
    bomb = zip_bomb([line.split(",") for line in data.csv().decode().splitlines()])  # its header first
    stored = _uploads(app, "kota-malang")

    resp = recon.upload(client, "kota-malang", bomb, name="laporan.xlsx", partner="LAN-RI", cohort_id=ids["A"])

    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["errors"][0]["field"] == "file"
    assert recon.count("kota-malang", "reconciliation_runs") == 0
    assert _uploads(app, "kota-malang") == stored


def test_a_file_declaring_an_xml_entity_fails_in_words_an_operator_understands(client, serang_units, run_worker,
                                                                               caplog):
    with caplog.at_level(logging.WARNING):
        resp = upload(client, "kab-serang", with_external_entity(_rows("XXE")), name="pppk.xlsx")
        assert resp.status_code == 202, resp.get_json()
        run_worker()
    run = client.get(f"/t/kab-serang/api/v1/imports/{resp.get_json()['id']}").get_json()

    assert run["state"] == "failed", run
    for internal in ("ParseError", "entity", "&xxe", "line", "column"):
        assert internal not in run["error"], run["error"]
    assert "XLSX" in run["error"] and "Simpan ulang" in run["error"]
    assert "undefined entity" in caplog.text  # the parser's own words are kept for whoever reads the log
    assert count(serang_units, "employees") == 0


def test_a_cell_longer_than_excel_allows_fails_the_run_naming_its_row(client, serang_units, run_worker):
    resp = upload(client, "kab-serang", with_long_cell(_rows("PANJANG")), name="pppk.xlsx")
    assert resp.status_code == 202, resp.get_json()
    run_worker()
    run = client.get(f"/t/kab-serang/api/v1/imports/{resp.get_json()['id']}").get_json()

    assert run["state"] == "failed", run
    assert "baris 2" in run["error"] and "32.767" in run["error"], run["error"]
