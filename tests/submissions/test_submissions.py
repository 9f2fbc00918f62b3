"""Learning submitted by employees: submit with the certificate (checked by content, ≤ 5 MB), the staff's queue,
verify with fewer JP (the ledger rises by that), reject with a reason, correct a verified one; every refusal
(wrong type renamed .pdf, oversize, another region's id, another person's submission, an operator of another OPD,
one's own submission); the ledger invariants in the database; the files never cached; the digest section."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from app.areas import DigestWindow, digest_sections
from app.domain.dates import today_wib
from app.extensions import db
from app.models.employees import JpEntry
from app.models.submissions import MAX_FILE_BYTES, Submission
from app.services.submissions.digest import digest_section, waiting_submissions
from app.services.submissions.kinds import ACTIVITY_KIND_OF, KINDS
from app.signals import tenant_data_changed
from app.tenancy import tenant_context
from tests.fixtures.audit import audit_events
from tests.fixtures.auth import create_token, create_user
from tests.fixtures.factories import api, make_employee, make_opd
from tests.submissions.files import EXE_AS_PDF, HTML_AS_PDF, image_bytes, pdf_bytes

NO_STORE = "no-store, private"


class Caller:
    def __init__(self, app, tenant, role: str, *, nip: str | None = None, opd_ids=()) -> None:
        self.user = create_user(tenant, role, nip=nip, opd_ids=opd_ids)
        self.token = create_token(tenant, self.user["id"], role)
        self.client = app.test_client()
        self.tenant = tenant

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, tenant=None, **kw):
        return self.client.get(api(tenant or self.tenant, path), headers=self._headers(), **kw)

    def post(self, path: str, tenant=None, **kw):
        return self.client.post(api(tenant or self.tenant, path), headers=self._headers(), **kw)

    def submit(self, content: bytes, name: str = "sertifikat.pdf", **fields):
        form = {"title": "Webinar Literasi Digital ASN", "organiser": "Kementerian Kominfo", "kind": "seminar",
                "start_date": (today_wib() - timedelta(days=3)).isoformat(),
                "end_date": (today_wib() - timedelta(days=3)).isoformat(), "jp_claimed": "4", **fields,
                "file": FileStorage(io.BytesIO(content), filename=name, content_type="application/pdf")}
        # Encoded in memory: the test client spools a large body to a temporary file it never closes.
        stream, length, boundary = stream_encode_multipart(form, use_tempfile=False)
        return self.post("me/submissions", data=stream.getvalue(),
                         content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def region(app, malang):
    """Kota Malang: two OPDs; Ani and Budi in Dinas Pendidikan, Citra in Dinas Kesehatan, each with an account;
    an operator of each OPD and an admin (BKPSDM)."""
    pendidikan, kesehatan = make_opd(malang, "Dinas Pendidikan"), make_opd(malang, "Dinas Kesehatan")
    people = {name: make_employee(malang, opd_id=opd["id"], name=name)
              for name, opd in (("Ani Lestari", pendidikan), ("Budi Santoso", pendidikan),
                                ("Citra Dewi", kesehatan))}
    return {
        "opds": (pendidikan, kesehatan), "people": people,
        "ani": Caller(app, malang, "employee", nip=people["Ani Lestari"]["nip"]),
        "budi": Caller(app, malang, "employee", nip=people["Budi Santoso"]["nip"]),
        "citra": Caller(app, malang, "employee", nip=people["Citra Dewi"]["nip"]),
        "op_pendidikan": Caller(app, malang, "operator", opd_ids=(pendidikan["id"],)),
        "op_kesehatan": Caller(app, malang, "operator", opd_ids=(kesehatan["id"],)),
        "admin": Caller(app, malang, "admin"),
    }


def stored_files(app, slug: str) -> list[Path]:
    root = Path(app.config["INSTANCE_DIR"]) / "files" / slug
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def jp_total(tenant, employee_id: int, year: int) -> int:
    with tenant_context(tenant):
        total = db.session.execute(sa.select(sa.func.coalesce(sa.func.sum(JpEntry.jp), 0))
                                   .where(JpEntry.employee_id == employee_id, JpEntry.year == year)).scalar_one()
        db.session.rollback()
        return total


# --- submitting -------------------------------------------------------------------------------------------------


def test_an_employee_submits_a_pdf_and_reads_it_back_never_cached(app, region, malang):
    body = pdf_bytes(f"Sertifikat {region['people']['Ani Lestari']['nip']}")  # bytes no other test stores
    with audit_events("submissions") as events:
        resp = region["ani"].submit(body, "Sertifikat Webinar.pdf", certificate_number="KOMINFO/123/2026")
    assert resp.status_code == 201, resp.get_json()
    sub = resp.get_json()
    assert sub["status"] == "pending" and sub["jp_claimed"] == 4 and sub["file_mime"] == "application/pdf"
    assert sub["file_name"] == "Sertifikat Webinar.pdf" and sub["kind_label"] == "Seminar / webinar"
    assert [e["action"] for e in events] == ["submission.create"]
    assert events[0]["after"]["file_sha256"] and events[0]["after"]["nip"] == region["people"]["Ani Lestari"]["nip"]
    [path] = [p for p in stored_files(app, "kota-malang") if p.read_bytes() == body]
    assert "static" not in path.parts and path.name not in sub["file_name"]  # outside the web root, a random key

    got = region["ani"].get(f"me/submissions/{sub['id']}/file")
    assert got.status_code == 200 and got.data == body and got.mimetype == "application/pdf"
    assert got.headers["Cache-Control"] == NO_STORE
    listed = region["ani"].get("me/submissions").get_json()
    assert [s["id"] for s in listed["items"]] == [sub["id"]]


def test_the_type_is_read_from_the_content_not_from_the_name(app, region):
    png = region["ani"].submit(image_bytes("PNG"), "foto.pdf")
    assert png.status_code == 201 and png.get_json()["file_mime"] == "image/png"
    assert png.get_json()["file_name"] == "foto.png"
    jpeg = region["ani"].submit(image_bytes("JPEG"), "scan.JPG")
    assert jpeg.status_code == 201 and jpeg.get_json()["file_mime"] == "image/jpeg"


@pytest.mark.parametrize("content", [EXE_AS_PDF, HTML_AS_PDF, b"%PDF-1.4 no end", b"\x89PNG\r\n\x1a\nnot a png",
                                     b""], ids=["exe", "html", "truncated-pdf", "broken-png", "empty"])
def test_a_wrong_file_renamed_pdf_is_refused_and_nothing_is_kept(app, region, malang, content):
    before = stored_files(app, "kota-malang")
    resp = region["ani"].submit(content, "sertifikat.pdf")
    assert resp.status_code == 422, resp.get_json()
    assert [e["field"] for e in resp.get_json()["errors"]] == ["file"]
    assert stored_files(app, "kota-malang") == before
    with tenant_context(malang):
        assert db.session.execute(sa.select(sa.func.count()).select_from(Submission)).scalar_one() == 0
        db.session.rollback()


def test_a_file_over_5_mb_is_refused(app, region):
    big = pdf_bytes()
    big = big[:-6] + b" " * (MAX_FILE_BYTES + 1 - len(big)) + big[-6:]
    assert len(big) == MAX_FILE_BYTES + 1
    resp = region["ani"].submit(big)
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == [{"field": "file", "reason": "lebih dari 5 MB"}]
    huge = region["ani"].submit(b"%PDF-1.4" + b" " * (6 * 1024 * 1024))  # refused before the body is spooled
    assert huge.status_code == 413
    exactly = big[:-7] + big[-6:]
    assert len(exactly) == MAX_FILE_BYTES and region["ani"].submit(exactly).status_code == 201


def test_fields_are_checked_and_the_same_file_twice_is_a_conflict(region):
    today = today_wib()
    bad = region["ani"].submit(pdf_bytes(), start_date=today.isoformat(),
                               end_date=(today - timedelta(days=1)).isoformat(), jp_claimed="0", kind="nonton")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} >= {"jp_claimed", "kind"}
    future = region["ani"].submit(pdf_bytes(), end_date=(today + timedelta(days=2)).isoformat())
    assert future.status_code == 422
    order = region["ani"].submit(pdf_bytes(), start_date=today.isoformat(),
                                 end_date=(today - timedelta(days=1)).isoformat())
    assert [e["field"] for e in order.get_json()["errors"]] == ["end_date"]
    assert region["ani"].submit(pdf_bytes("satu")).status_code == 201
    again = region["ani"].submit(pdf_bytes("satu"))
    assert again.status_code == 409 and again.get_json()["errors"][0]["field"] == "file"
    assert region["budi"].submit(pdf_bytes("satu")).status_code == 201  # another person's copy is theirs to submit


# --- deciding ---------------------------------------------------------------------------------------------------


def test_the_opds_operator_verifies_with_fewer_jp_and_the_ledger_rises_by_that(app, region, malang):
    ani = region["people"]["Ani Lestari"]
    year = today_wib().year
    start = jp_total(malang, ani["id"], year)
    sub = region["ani"].submit(pdf_bytes(), jp_claimed="6").get_json()
    queue = region["op_pendidikan"].get("submissions?status=pending").get_json()
    assert [s["id"] for s in queue["items"]] == [sub["id"]]
    assert queue["items"][0]["employee"]["name"] == "Ani Lestari"
    opened = region["op_pendidikan"].get(f"submissions/{sub['id']}/file")
    assert opened.status_code == 200 and opened.headers["Cache-Control"] == NO_STORE

    refused = region["op_pendidikan"].post(f"submissions/{sub['id']}/verify", json={"jp_granted": 7})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "jp_granted"
    changes = []

    def _seen(_sender, **kw):
        changes.append(kw.get("reason"))

    with tenant_data_changed.connected_to(_seen), audit_events("submissions") as events:
        done = region["op_pendidikan"].post(f"submissions/{sub['id']}/verify",
                                            json={"jp_granted": 4, "note": "Sertifikat mencantumkan 3 jam"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "verified" and done.get_json()["jp_granted"] == 4
    assert changes == ["submission.verify"] and [e["action"] for e in events] == ["submission.verify"]
    assert events[0]["before"]["status"] == "pending" and events[0]["after"]["jp_granted"] == 4
    assert jp_total(malang, ani["id"], year) == start + 4
    mine = region["ani"].get(f"me/submissions/{sub['id']}").get_json()
    assert (mine["status"], mine["jp_granted"], mine["note"]) == ("verified", 4, "Sertifikat mencantumkan 3 jam")
    again = region["admin"].post(f"submissions/{sub['id']}/verify", json={"jp_granted": 4})
    assert again.status_code == 409


def test_a_correction_moves_the_ledger_line_and_a_rejection_removes_it(app, region, malang):
    ani = region["people"]["Ani Lestari"]
    year = today_wib().year
    start = jp_total(malang, ani["id"], year)
    sub = region["ani"].submit(pdf_bytes(), jp_claimed="8").get_json()
    region["admin"].post(f"submissions/{sub['id']}/verify", json={"jp_granted": 8})
    no_reason = region["admin"].post(f"submissions/{sub['id']}/correct", json={"jp_granted": 5, "reason": " "})
    assert no_reason.status_code == 422
    with audit_events("submissions") as events:
        fixed = region["admin"].post(f"submissions/{sub['id']}/correct",
                                     json={"jp_granted": 5, "reason": "3 JP untuk sesi yang tidak diikuti"})
    assert fixed.status_code == 200 and fixed.get_json()["jp_granted"] == 5
    assert [(e["action"], e["before"]["jp_granted"], e["after"]["jp_granted"]) for e in events] == [
        ("submission.correct", 8, 5)]
    assert jp_total(malang, ani["id"], year) == start + 5
    rejected = region["admin"].post(f"submissions/{sub['id']}/reject", json={"reason": "Sertifikat palsu"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert jp_total(malang, ani["id"], year) == start
    mine = region["ani"].get("me/submissions").get_json()["items"][0]
    assert (mine["status"], mine["reason"], mine["jp_granted"]) == ("rejected", "Sertifikat palsu", None)


def test_a_rejection_needs_a_reason_and_the_employee_sees_it(region):
    sub = region["budi"].submit(pdf_bytes()).get_json()
    assert region["op_pendidikan"].post(f"submissions/{sub['id']}/reject", json={"reason": ""}).status_code == 422
    resp = region["op_pendidikan"].post(f"submissions/{sub['id']}/reject",
                                        json={"reason": "Berkas tidak terbaca; unggah ulang"})
    assert resp.status_code == 200
    mine = region["budi"].get(f"me/submissions/{sub['id']}").get_json()
    assert mine["status"] == "rejected" and mine["reason"] == "Berkas tidak terbaca; unggah ulang"
    assert region["budi"].submit(pdf_bytes()).status_code == 201  # the same file again, after a rejection


# --- refusals ---------------------------------------------------------------------------------------------------


def test_an_employee_cannot_read_anothers_submission(region):
    sub = region["ani"].submit(pdf_bytes()).get_json()
    assert region["budi"].get(f"me/submissions/{sub['id']}").status_code == 404
    assert region["budi"].get(f"me/submissions/{sub['id']}/file").status_code == 404
    assert region["budi"].get("me/submissions").get_json()["items"] == []
    # nor through the staff's API
    assert region["budi"].get(f"submissions/{sub['id']}/file").status_code == 403
    assert region["budi"].post(f"submissions/{sub['id']}/verify", json={"jp_granted": 1}).status_code == 403


def test_an_operator_of_another_opd_sees_nothing_of_it(region, malang):
    sub = region["ani"].submit(pdf_bytes()).get_json()
    other = region["op_kesehatan"]
    assert other.get("submissions").get_json()["items"] == []
    assert other.get(f"submissions/{sub['id']}").status_code == 404
    assert other.get(f"submissions/{sub['id']}/file").status_code == 404
    for action, body in (("verify", {"jp_granted": 1}), ("reject", {"reason": "x"}),
                         ("correct", {"jp_granted": 1, "reason": "x"})):
        assert other.post(f"submissions/{sub['id']}/{action}", json=body).status_code == 404
    with tenant_context(malang):
        assert db.session.get(Submission, sub["id"]).status == "pending"
        db.session.rollback()
    citra = region["citra"].submit(pdf_bytes("citra")).get_json()
    assert [s["id"] for s in other.get("submissions").get_json()["items"]] == [citra["id"]]
    by_opd = region["admin"].get(f"submissions?opd_id={region['opds'][1]['id']}").get_json()
    assert [s["id"] for s in by_opd["items"]] == [citra["id"]]


def test_another_regions_file_id_is_not_found(app, region, serang):
    sub = region["ani"].submit(pdf_bytes()).get_json()
    stranger = Caller(app, serang, "admin")
    assert stranger.get(f"submissions/{sub['id']}/file").status_code == 404
    assert stranger.get(f"submissions/{sub['id']}").status_code == 404
    # Malang's own token is not a key to Serang, nor Serang's to Malang
    assert region["admin"].get(f"submissions/{sub['id']}/file", tenant=serang).status_code == 401
    assert stranger.get(f"submissions/{sub['id']}/file", tenant="kota-malang").status_code == 401


def test_nobody_decides_their_own_submission(app, region, malang):
    dedi = make_employee(malang, opd_id=region["opds"][0]["id"], name="Dedi Operator")
    operator = Caller(app, malang, "operator", nip=dedi["nip"])  # an operator who is also an ASN
    sub = operator.submit(pdf_bytes()).get_json()
    resp = operator.post(f"submissions/{sub['id']}/verify", json={"jp_granted": 4})
    assert resp.status_code == 403 and resp.get_json()["type"].endswith("own-submission")


# --- the database's rules ---------------------------------------------------------------------------------------


def _verified(region, malang) -> int:
    sub = region["ani"].submit(pdf_bytes()).get_json()
    assert region["admin"].post(f"submissions/{sub['id']}/verify", json={"jp_granted": 3}).status_code == 200
    return sub["id"]


def test_the_ledger_cannot_disagree_with_the_verified_submission(app, region, malang):
    sub_id = _verified(region, malang)
    with tenant_context(malang):
        for stmt in (sa.update(JpEntry).where(JpEntry.submission_id == sub_id).values(jp=4),
                     sa.update(Submission).where(Submission.id == sub_id).values(jp_granted=5),  # > claimed
                     sa.update(Submission).where(Submission.id == sub_id).values(status="rejected", reason=None)):
            with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
                db.session.execute(stmt)
        db.session.execute(sa.update(Submission).where(Submission.id == sub_id).values(jp_granted=2))
        assert db.session.execute(sa.select(JpEntry.jp).where(JpEntry.submission_id == sub_id)).scalar_one() == 2
        db.session.rollback()


def test_a_verified_submission_without_its_line_is_refused_at_commit(app, region, malang):
    sub_id = _verified(region, malang)
    with tenant_context(malang):
        db.session.execute(sa.delete(JpEntry).where(JpEntry.submission_id == sub_id))
        with pytest.raises(sa.exc.IntegrityError, match="verified_in_ledger"):
            db.session.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))
        db.session.rollback()


def test_kinds_are_siasns_list_and_each_maps_to_an_activity_kind():
    assert KINDS["seminar"][1] == 9 and KINDS["diklat_struktural"][1] == 1
    assert set(ACTIVITY_KIND_OF.values()) <= {"leadership", "functional", "technical", "seminar", "other"}
    assert ACTIVITY_KIND_OF["seminar"] == "seminar" and ACTIVITY_KIND_OF["diklat_struktural"] == "leadership"


def test_the_digest_section_counts_waiting_submissions(app, region, malang):
    region["ani"].submit(pdf_bytes("a"))
    decided = region["budi"].submit(pdf_bytes("b")).get_json()
    region["citra"].submit(pdf_bytes("c"))
    region["admin"].post(f"submissions/{decided['id']}/reject", json={"reason": "buram"})
    now = datetime.now(UTC)
    with tenant_context(malang):
        section = digest_section(now - timedelta(days=7), now + timedelta(minutes=1))
        pendidikan = digest_section(now - timedelta(days=7), now + timedelta(minutes=1),
                                    opd_ids=[region["opds"][0]["id"]])
        later = digest_section(now + timedelta(days=1), now + timedelta(days=8))
        db.session.rollback()
    assert (section["count"], section["new"]) == (2, 2)
    assert [i["name"] for i in section["items"]] == ["Ani Lestari", "Citra Dewi"]
    assert pendidikan["count"] == 1 and pendidikan["items"][0]["opd"] == "Dinas Pendidikan"
    assert (later["count"], later["new"]) == (2, 0)
    with tenant_context(malang):
        count, lines = waiting_submissions(DigestWindow(now - timedelta(days=7), now + timedelta(minutes=1)))
        db.session.rollback()
    assert count == 2 and lines[0] == "2 masuk minggu ini; 2 menunggu verifikasi."
    assert lines[1].startswith("Ani Lestari (") and "JP diajukan, sejak " in lines[1]
    assert "submissions" in [s.name for s in digest_sections()]  # the weekly staff digest carries it


def test_the_storage_refuses_keys_that_climb_out(app):
    from app.services.files.storage import LocalStorage

    store = LocalStorage(Path(app.config["INSTANCE_DIR"]) / "files")
    for region, key in (("kota-malang", "../x"), ("kota-malang", "submissions/../../etc"), ("..", "submissions/a"),
                        ("kota-malang", "/etc/passwd")):
        with pytest.raises(ValueError):
            store.put(region, key, b"x")
    store.put("kota-malang", "uji/abc", b"isi")
    assert store.get("kota-malang", "uji/abc") == b"isi" and store.exists("kota-malang", "uji/abc")
    store.delete("kota-malang", "uji/abc")
    assert not store.exists("kota-malang", "uji/abc")


def test_dates_are_ordered_in_the_database_too(app, region, malang):
    with tenant_context(malang):
        sub = Submission(employee_id=region["people"]["Ani Lestari"]["id"], title="x", organiser="y", kind="seminar",
                         start_date=date(2026, 5, 2), end_date=date(2026, 5, 1), jp_claimed=2, file_key="submissions/k",
                         file_name="a.pdf", file_mime="application/pdf", file_size=10, file_sha256="0" * 64,
                         submitted_by="uji")
        db.session.add(sub)
        with pytest.raises(sa.exc.IntegrityError, match="dates_ordered"):
            db.session.flush()
        db.session.rollback()


def test_a_verified_seminar_counts_for_the_ip_asn_seminar_item_with_the_submission_as_evidence(app, region, malang):
    ani = region["people"]["Ani Lestari"]
    sub = region["ani"].submit(pdf_bytes("seminar"), kind="seminar", jp_claimed="3").get_json()
    year = date.fromisoformat(sub["end_date"]).year
    before = region["admin"].get(f"ipasn/employees/{ani['nip']}?year={year}").get_json()["items"]["seminar"]
    assert before["evidence"] == []
    done = region["admin"].post(f"submissions/{sub['id']}/verify", json={"jp_granted": 3})
    assert done.status_code == 200, done.get_json()
    with tenant_context(malang):
        kind = db.session.execute(sa.select(JpEntry.activity_kind)
                                  .where(JpEntry.submission_id == sub["id"])).scalar_one()
        db.session.rollback()
    assert kind == "seminar"
    item = region["admin"].get(f"ipasn/employees/{ani['nip']}?year={year}").get_json()["items"]["seminar"]
    assert [e["submission_id"] for e in item["evidence"]] == [sub["id"]]
    assert item["evidence"][0]["source"] == "submission" and item["status"] in ("met", "n/a")
def test_the_queue_pages_by_cursor_oldest_waiting_first(region):
    ids = [region[who].submit(pdf_bytes(who)).get_json()["id"] for who in ("ani", "budi", "citra")]
    first = region["admin"].get("submissions?status=pending&limit=2").get_json()
    assert [s["id"] for s in first["items"]] == ids[:2] and first["total"] == 3
    rest = region["admin"].get(f"submissions?status=pending&limit=2&cursor={first['next_cursor']}").get_json()
    assert [s["id"] for s in rest["items"]] == ids[2:] and rest["next_cursor"] is None
