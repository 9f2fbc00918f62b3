"""A region's export bundle carries its learning submissions and their certificate files (the rows with the
tables, the files as `files/<key>` with their checksums in the signed manifest); a restore into a fresh region
brings both back, so the verified JP stays in the ledger and each file opens with the same bytes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.submissions import Submission
from app.services.admin.bundles import tenant_fingerprints
from app.services.files.storage import storage
from app.tenancy import resolve, tenant_context
from tests.admin.conftest import region_body
from tests.admin.test_exports import export_now
from tests.fixtures.auth import create_token
from tests.fixtures.factories import api as api_url
from tests.fixtures.factories import make_employee, make_opd
from tests.submissions.files import image_bytes, pdf_bytes
from tests.submissions.test_submissions import Caller

pytestmark = pytest.mark.committed


def test_submissions_and_their_files_survive_export_and_restore(app, api, made, run_worker):
    made.extend(["kab-ajuan-asal", "kab-ajuan-pulih"])
    assert api.post("/tenants", json=region_body("kab-ajuan-asal")).status_code == 201
    source = resolve("kab-ajuan-asal")
    opd = make_opd(source, "Dinas Pendidikan")
    person = make_employee(source, opd_id=opd["id"], name="Ani Lestari")
    ani = Caller(app, source, "employee", nip=person["nip"])
    admin = Caller(app, source, "admin")
    bodies = [pdf_bytes("webinar"), image_bytes("PNG"), image_bytes("JPEG")]
    subs = [ani.submit(body, f"sertifikat-{n}.pdf").get_json() for n, body in enumerate(bodies)]
    assert admin.post(f"submissions/{subs[0]['id']}/verify", json={"jp_granted": 3}).status_code == 200
    assert admin.post(f"submissions/{subs[1]['id']}/reject", json={"reason": "buram"}).status_code == 200
    before = tenant_fingerprints("kab-ajuan-asal")
    assert before["submissions"]["rows"] == 3

    assert api.post("/tenants/kab-ajuan-asal/archive").status_code == 200
    export = export_now(api, "kab-ajuan-asal", run_worker)
    bundle_path = next(Path(app.config["INSTANCE_DIR"], "exports").glob(f"kab-ajuan-asal-{export['id']}-*.zip"))
    with zipfile.ZipFile(bundle_path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert sorted(e["key"] for e in manifest["files"]) == sorted(s_key(source, s["id"]) for s in subs)
        assert manifest["missing_files"] == []
        assert sorted(zf.read(f"files/{e['key']}") for e in manifest["files"]) == sorted(bodies)

    keys = [e["key"] for e in manifest["files"]]
    assert all(storage().exists("kab-ajuan-asal", key) for key in keys)
    assert api.delete("/tenants/kab-ajuan-asal", json={"confirm": "kab-ajuan-asal"}).status_code == 200
    assert not any(storage().exists("kab-ajuan-asal", key) for key in keys)  # the files went with the schema
    restored = api.post("/tenants", json={"restore_from": export["id"], "slug": "kab-ajuan-pulih"})
    assert restored.status_code == 201, restored.get_json()
    assert tenant_fingerprints("kab-ajuan-pulih") == before

    target = resolve("kab-ajuan-pulih")
    ani_again = app.test_client()
    token = create_token(target, ani.user["id"], "employee")  # her account came back with the region

    def _get(path):
        return ani_again.get(api_url(target, path), headers={"Authorization": f"Bearer {token}"})

    for sub, body in zip(subs, bodies, strict=True):
        got = _get(f"me/submissions/{sub['id']}/file")
        assert got.status_code == 200 and got.data == body
        assert got.headers["Cache-Control"] == "no-store, private"
    mine = {s["id"]: s for s in _get("me/submissions").get_json()["items"]}
    assert (mine[subs[0]["id"]]["status"], mine[subs[0]["id"]]["jp_granted"]) == ("verified", 3)
    assert mine[subs[1]["id"]]["reason"] == "buram"


def test_a_bundle_whose_file_was_altered_does_not_restore(app, api, made, run_worker):
    made.extend(["kab-ajuan-ubah", "kab-ajuan-ubah2"])
    assert api.post("/tenants", json=region_body("kab-ajuan-ubah")).status_code == 201
    source = resolve("kab-ajuan-ubah")
    person = make_employee(source, name="Budi Santoso")
    sub = Caller(app, source, "employee", nip=person["nip"]).submit(pdf_bytes("asli")).get_json()
    key = s_key(source, sub["id"])
    assert api.post("/tenants/kab-ajuan-ubah/archive").status_code == 200
    export = export_now(api, "kab-ajuan-ubah", run_worker)
    path = next(Path(app.config["INSTANCE_DIR"], "exports").glob(f"kab-ajuan-ubah-{export['id']}-*.zip"))
    # The file inside is swapped (and the zip's recorded SHA-256 updated, as someone with the disk could)
    altered = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(altered, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, pdf_bytes("palsu") if item.filename == f"files/{key}" else src.read(item.filename))
    altered.replace(path)
    from app.services.admin.bundles import file_sha256
    from app.tenancy import no_tenant

    with no_tenant(), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE platform.tenant_exports SET sha256 = :s WHERE id = :id"),
                     {"s": file_sha256(path), "id": export["id"]})
    assert api.delete("/tenants/kab-ajuan-ubah", json={"confirm": "kab-ajuan-ubah"}).status_code == 200
    refused = api.post("/tenants", json={"restore_from": export["id"], "slug": "kab-ajuan-ubah2"})
    assert refused.status_code == 422 and "checksum" in refused.get_json()["detail"]
    assert not storage().exists("kab-ajuan-ubah2", key)


def s_key(tenant, submission_id: int) -> str:
    with tenant_context(tenant):
        key = db.session.get(Submission, submission_id).file_key
        db.session.rollback()
        return key
