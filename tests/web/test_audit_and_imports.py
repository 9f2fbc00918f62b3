"""The audit log page (filters, WIB times, keyset pages) and the import list."""

from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models.audit import AuditEntry
from app.models.imports import ImportRun
from app.tenancy import tenant_context
from tests.fixtures.auth import create_user
from tests.fixtures.factories import make_opd
from tests.web.conftest import text_of


def _entries(tenant, n: int, *, actor: str = "budi", action: str = "employee.update") -> None:
    with tenant_context(tenant):
        for i in range(n):
            db.session.add(AuditEntry(actor=actor, action=action, entity="employees", entity_id=str(i),
                                      before={"name": f"Lama {i}"}, after={"name": f"Baru {i}"},
                                      at=datetime(2024, 3, 9, 17, 30, tzinfo=UTC)))
        db.session.commit()


def test_the_audit_log_filters_by_who_and_action_and_shows_wib(browser_for, malang):
    _entries(malang, 2, actor="budi", action="employee.update")
    _entries(malang, 1, actor="sari", action="user.invite")
    admin = browser_for(malang, "admin")
    text = text_of(admin.get("/audit?actor=budi").text)
    assert "10-03-2024 00:30 WIB" in text  # 17:30 UTC is past midnight in Malang
    assert "Nama : Lama 1 → Baru 1" in text and "Mengubah data pegawai" in text and "Pegawai #1" in text
    assert "Mengundang pengguna" not in text
    assert "Mengundang pengguna" in text_of(admin.get("/audit?action=user.").text)
    assert "Mengubah data pegawai" not in text_of(admin.get("/audit?action=user.").text)


def test_the_audit_log_shows_words_never_codes_or_python_values(browser_for, malang, app):
    """Real writes (a login, a scoped operator's edit, a command run on the server) and a reconciliation decision:
    each action, entity, field and value as a person reads it."""

    opd = make_opd(malang, "Kecamatan Kedungkandang")
    target = create_user(malang, "viewer", username="calon.operator")
    admin = browser_for(malang, "admin")  # logs in: auth.login
    assert admin.post(f"/pengguna/{target['id']}", {"full_name": "Calon Operator", "role": "operator",
                                                    "opd_ids": str(opd["id"])}).status_code == 303
    assert admin.post(f"/pengguna/{target['id']}/nonaktifkan").status_code == 303
    created = app.test_cli_runner().invoke(args=["users", "create", "kota-malang", "dari.server", "--role", "viewer"])
    assert created.exit_code == 0, created.output
    with tenant_context(malang):
        db.session.add(AuditEntry(actor="sari", action="reconciliation.decide", entity="reconciliation_runs",
                                  entity_id="4", after={"classes": {"status_differs": "partner"},
                                                        "rows": {"7": "local"}}))
        db.session.commit()

    html = admin.get("/audit").text
    text = text_of(html)

    for code in ("auth.login", "user.update", "opd_ids", "True", "False", "None", "{'", "cli:", "users #",
                 "reconciliation_runs", "status_differs"):
        assert code not in text, code
    assert "Masuk" in text and "Mengubah pengguna" in text and "Menonaktifkan pengguna" in text
    assert "Peran : Peninjau (hanya baca) → Operator" in text
    assert "Dibatasi pada OPD : tidak dibatasi → Kecamatan Kedungkandang" in text
    assert "Aktif : Ya → Tidak" in text
    assert "perintah kompeten di server (pengguna sistem" in text
    assert "Keputusan per kelas : Status berbeda: ambil nilai mitra" in text
    assert "Keputusan per baris : baris 7: pertahankan data kita" in text
    assert "Rekonsiliasi #4" in text and "Pengguna #" in text


def test_every_action_the_code_records_in_a_region_has_a_label():
    import re
    from pathlib import Path

    from app.blueprints.audit.labels import vocabulary

    action_groups, action_labels = vocabulary()["groups"], vocabulary()["actions"]
    source = "\n".join(p.read_text() for p in Path("app").rglob("*.py"))
    recorded = {action for action, platform in re.findall(r'\baudit\.record\(\s*"([a-z_.]+)"([^)]*platform=True)?',
                                                          source) if not platform}
    recorded |= set(re.findall(r"'(reconciliation\.[a-z_]+)'", source))  # written by SQL (the apply job)
    assert len(recorded) > 30
    assert recorded - set(action_labels) == set()
    assert all(any(action.startswith(prefix) for prefix in action_groups) for action in action_labels)


def test_the_audit_log_filters_by_days_and_pages_by_keyset(browser_for, malang):
    _entries(malang, 30)
    admin = browser_for(malang, "admin")
    first = admin.get("/audit?actor=budi&from=2024-03-10&to=2024-03-10").text
    assert first.count("<tr>") == 26  # header + 25 rows
    older = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert "before_id=" in older and "actor=budi" in older
    second = admin.client.get(older).text
    assert second.count("<tr>") == 6 and 'rel="next"' not in second
    assert "Tidak ada catatan" in admin.get("/audit?from=2024-03-11&to=2024-03-12").text


def test_bad_dates_are_named_in_indonesian(browser_for, malang):
    page = browser_for(malang, "admin").get("/audit?from=kemarin")
    assert page.status_code == 200 and 'id="from-error"' in page.text and "Tanggal tidak valid" in page.text


def test_only_admins_read_the_audit_log(browser_for, malang):
    for role in ("operator", "viewer"):
        assert browser_for(malang, role).get("/audit").status_code == 403


def test_the_import_list_links_each_run(browser_for, malang):
    with tenant_context(malang):
        db.session.add(ImportRun(kind="pppk-enrolments", filename="pppk_2022.csv", stored_path="/nowhere",
                                 checksum="0" * 64, size_bytes=10, mode="valid-only", dry_run=False, state="done",
                                 rows_read=41, rows_created=34, rows_invalid=6, rows_duplicate=1, created_by="sari"))
        db.session.commit()
    viewer = browser_for(malang, "viewer")
    page = viewer.get("/impor")
    text = text_of(page.text)
    assert "pppk_2022.csv" in text and "Selesai" in text and "41 34 6 1" in text
    assert "Impor file baru" not in text  # a viewer may not upload
    assert "Impor file baru" in text_of(browser_for(malang, "operator").get("/impor").text)


def test_an_opd_scoped_operator_gets_an_html_refusal_for_imports(browser_for, malang):
    from tests.fixtures.factories import make_opd

    opd = make_opd(malang)
    page = browser_for(malang, "operator", opd_ids=[opd["id"]]).get("/impor")
    assert page.status_code == 403 and page.content_type.startswith("text/html")
    assert "Impor massal hanya untuk admin" in page.text
