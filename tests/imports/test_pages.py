"""The import pages: upload from a browser form, then the run's page with its progress bar and report."""

from __future__ import annotations

import io

from tests.fixtures.auth import login
from tests.imports.conftest import SAMPLE, count


def test_an_operator_uploads_from_the_form_and_sees_the_counts_and_the_report(anon_client, serang_units, make_user,
                                                                               run_worker):
    user = make_user(serang_units, "operator")
    csrf = login(anon_client, "kab-serang", user["username"]).get_json()["csrf_token"]
    form = anon_client.get("/t/kab-serang/impor/baru")
    assert form.status_code == 200 and 'name="csrf_token"' in form.text and "Impor peserta PPPK" in form.text

    resp = anon_client.post("/t/kab-serang/impor/baru", content_type="multipart/form-data",
                            data={"csrf_token": csrf, "mode": "valid-only",
                                  "file": (io.BytesIO(SAMPLE.read_bytes()), SAMPLE.name)})
    assert resp.status_code == 303
    page_url = resp.headers["Location"]
    waiting = anon_client.get(page_url)
    assert "Menunggu antrean" in waiting.text and "<progress" in waiting.text and "import-progress.js" in waiting.text

    run_worker()
    done = anon_client.get(page_url)
    assert "Selesai" in done.text and 'data-count="created">34<' in done.text and 'data-count="invalid">6<' in done.text
    assert "format=csv" in done.text and "format=xlsx" in done.text
    assert count(serang_units, "enrolments") == 34


def test_the_form_without_its_csrf_token_is_refused(anon_client, serang_units, make_user):
    user = make_user(serang_units, "admin")
    login(anon_client, "kab-serang", user["username"])
    resp = anon_client.post("/t/kab-serang/impor/baru", content_type="multipart/form-data",
                            data={"file": (io.BytesIO(b"NIP\n"), "f.csv")})
    assert resp.status_code == 403
    assert count(serang_units, "import_runs") == 0


def test_a_form_without_a_file_says_so_next_to_the_form(anon_client, serang_units, make_user):
    user = make_user(serang_units, "admin")
    csrf = login(anon_client, "kab-serang", user["username"]).get_json()["csrf_token"]
    resp = anon_client.post("/t/kab-serang/impor/baru", data={"csrf_token": csrf, "mode": "valid-only"})
    assert resp.status_code == 422 and "Pilih file" in resp.text
