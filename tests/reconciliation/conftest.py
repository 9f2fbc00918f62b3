"""Shared by the reconciliation tests: Kota Malang's demo data, uploads of reports, and reading runs back."""

from __future__ import annotations

import io

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort
from app.services.demo import regions as demo
from app.tenancy import tenant_context

HEADER = "NIP,NAMA,PELATIHAN,ANGKATAN,TAHUN,STATUS,JP,NO_SERTIFIKAT,TGL_SERTIFIKAT,NILAI"


def seed_demo(slug: str = "kota-malang") -> None:
    with tenant_context(slug):
        demo.seed_current_tenant()
        db.session.commit()


def cohort_id(slug: str, code: str, year: int, number: int) -> int:
    with tenant_context(slug):
        return db.session.execute(sa.select(Cohort.id).join(Program, Program.id == Cohort.program_id).where(
            Program.code == code, Cohort.year == year, Cohort.number == number)).scalar_one()


def upload(client, slug: str, data: bytes, *, name: str = "laporan.csv", **form):
    fields = {"file": FileStorage(io.BytesIO(data), name), **{k: str(v) for k, v in form.items()}}
    boundary, body = encode_multipart(fields)
    return client.post(f"/t/{slug}/api/v1/reconciliations", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def get_run(client, slug: str, run_id: int) -> dict:
    return client.get(f"/t/{slug}/api/v1/reconciliations/{run_id}").get_json()


def all_rows(client, slug: str, run_id: int, klass: str | None = None) -> list[dict]:
    out, page = [], 1
    while True:
        query = f"?page={page}&per_page=200" + (f"&class={klass}" if klass else "")
        body = client.get(f"/t/{slug}/api/v1/reconciliations/{run_id}/rows{query}").get_json()
        out += body["items"]
        if len(out) >= body["total"]:
            return out
        page += 1


def count(slug: str, table: str, where: str = "true") -> int:
    with tenant_context(slug):
        return db.session.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one()  # noqa: S608
