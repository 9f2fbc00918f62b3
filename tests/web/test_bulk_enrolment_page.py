"""The roster page enrols many people at once: paste NIPs or upload a file, see the preview, confirm once."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context
from tests.api.enrolment_factories import make_cohort, make_employee, make_enrolment


def _enrolled(malang, cohort_id) -> int:
    with tenant_context(malang):
        return db.session.execute(sa.text("SELECT count(*) FROM enrolments WHERE cohort_id = :c"),
                                  {"c": cohort_id}).scalar_one()


def test_pasted_nips_are_previewed_with_reasons_then_enrolled_in_one_confirmation(malang, browser_for):
    cohort = make_cohort(malang, quota=None)
    people = [make_employee(malang, name=f"Peserta Banyak {i}") for i in range(4)]
    make_enrolment(malang, cohort["id"], people[0]["id"])
    operator = browser_for(malang, "operator")
    text = "\n".join(p["nip"] for p in people) + "\n199001012015011999\n"
    preview = operator.post(f"/angkatan/{cohort['id']}/peserta/banyak", {"nips": text})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "Pratinjau:" in html and "3 pegawai akan didaftarkan" in html and "2 ditolak" in html
    assert "sudah terdaftar di angkatan ini" in html and "pegawai tidak ditemukan" in html
    assert "Peserta Banyak 3" in html and _enrolled(malang, cohort["id"]) == 1
    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    nips = re.search(r'name="nips" value="([0-9 ]+)"', html).group(1)
    done = operator.post(f"/angkatan/{cohort['id']}/peserta/banyak", {"confirm": "1", "token": token, "nips": nips})
    assert done.status_code == 303
    assert _enrolled(malang, cohort["id"]) == 4
    roster = operator.get(f"/angkatan/{cohort['id']}/peserta").get_data(as_text=True)
    assert "3 pegawai didaftarkan; 2 ditolak." in roster


def test_an_uploaded_list_is_previewed_and_a_viewer_cannot_enrol(malang, browser_for):
    cohort = make_cohort(malang, quota=None)
    people = [make_employee(malang) for _ in range(2)]
    operator = browser_for(malang, "operator")
    csv = ("NIP\n" + "\n".join(p["nip"] for p in people) + "\n").encode()
    preview = operator.post(f"/angkatan/{cohort['id']}/peserta/banyak",
                            {"file": (io.BytesIO(csv), "daftar.csv")}, content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "2 pegawai akan didaftarkan" in html
    viewer = browser_for(malang, "viewer")
    assert viewer.post(f"/angkatan/{cohort['id']}/peserta/banyak", {"nips": people[0]["nip"]}).status_code == 403
