"""The admin API on regions: create (inline, with a first admin's one-time link), reject bad and hostile input,
conflicts, Idempotency-Key, list/detail, suspend/resume/upgrade, and the platform audit log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.accounts import User
from app.services.admin.idempotency import request_hash
from app.tenancy import no_tenant, tenant_context
from tests.admin.conftest import platform_audit, region_body, registry_rows, schemas_named


def test_post_provisions_a_usable_region_whose_first_admin_sets_a_password_once(app, api, made, anon_client):
    made.append("kab-uji-satu")
    resp = api.post("/tenants", json=region_body("kab-uji-satu"))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["tenant"]["status"] == "active" and body["tenant"]["schema_at_head"] is True
    assert body["tenant"]["schema"] == "t_kab_uji_satu"
    link = body["first_admin"]["set_password_url"]
    assert link.startswith("/t/kab-uji-satu/set-password/")
    with tenant_context("kab-uji-satu"):
        admin = db.session.execute(sa.select(User).where(User.username == "admin-pertama")).scalar_one()
        assert admin.role == "admin" and admin.password_hash is None
        programs = db.session.execute(sa.text("SELECT count(*) FROM programs")).scalar_one()
        partners = db.session.execute(sa.text("SELECT code FROM partners ORDER BY code")).scalars().all()
    assert programs > 0 and "BPSDM-UJI" in partners and "LAN-RI" in partners

    token = link.rsplit("/", 1)[1]
    password = "Rahasia-Sekali-Lautan-2024"  # noqa: S105 - test data
    first = anon_client.post("/t/kab-uji-satu/api/v1/auth/set-password", json={"token": token, "password": password})
    assert first.status_code == 200, first.get_json()
    again = anon_client.post("/t/kab-uji-satu/api/v1/auth/set-password", json={"token": token, "password": password})
    assert again.status_code in (400, 404, 410, 422)
    login = anon_client.post("/t/kab-uji-satu/api/v1/auth/login", json={"username": "admin-pertama",
                                                                         "password": password})
    assert login.status_code == 200
    created = platform_audit(body["tenant"]["id"], "tenant.create")
    assert len(created) == 1 and created[0].after["first_admin"] == "admin-pertama"
    assert token not in str(created[0].after)  # the link's secret is never kept


@pytest.mark.parametrize(("field", "value", "rule"), [
    ("slug", "Kab-Besar", "^[a-z][a-z0-9-]{1,40}$"),
    ("slug", "x", "^[a-z][a-z0-9-]{1,40}$"),
    ("region_code", "3573", r"^\d{2}\.\d{2}$"),
    ("region_code", "97.01", "must start with the province code"),
])
def test_a_bad_slug_or_region_code_is_422_naming_the_field_and_the_rule(api, made, field, value, rule):
    resp = api.post("/tenants", json={**region_body("kab-uji-tolak"), field: value})
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    errors = resp.get_json()["errors"]
    assert any(e["field"] == field and rule in e["reason"] for e in errors), errors
    assert registry_rows("slug = :s", s="kab-uji-tolak") == []


INJECTIONS = [
    'kab"; DROP SCHEMA platform CASCADE; --',
    "kab-uji'); DROP TABLE platform.tenants; --",
    "kab_uji",  # an underscore would let t_<slug> collide with another region's schema
    "kab-uji\nx",
    "pg-catalog\" CASCADE",
    "a" * 60,
    "../../etc",
    "kab uji",
    "KAB-UJI",
    "kab-uji;",
]


@pytest.mark.parametrize("slug", INJECTIONS)
def test_schema_name_injection_attempts_are_422_and_create_nothing(api, made, slug):
    before_rows, before_schemas = registry_rows(), schemas_named("")
    resp = api.post("/tenants", json=region_body(slug))
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["errors"][0]["field"] == "slug"
    assert registry_rows() == before_rows and schemas_named("") == before_schemas


@pytest.mark.parametrize(("field", "value"), [
    ("region_code", "98.10'); DROP SCHEMA platform CASCADE; --"),
    ("province_code", "98' OR '1'='1"),
    ("slug", ["kab-uji"]),
    ("first_admin", {"username": "admin'; DROP TABLE users; --"}),
])
def test_hostile_values_in_other_fields_are_422_and_create_nothing(api, made, field, value):
    before_rows, before_schemas = registry_rows(), schemas_named("")
    resp = api.post("/tenants", json={**region_body("kab-uji-jahat"), field: value})
    assert resp.status_code == 422, resp.get_json()
    assert any(e["field"].startswith(field) for e in resp.get_json()["errors"])
    assert registry_rows() == before_rows and schemas_named("") == before_schemas


def test_same_slug_or_region_code_with_different_data_is_409_and_a_repeat_is_409_too(api, made):
    made.append("kab-uji-dua")
    body = region_body("kab-uji-dua")
    assert api.post("/tenants", json=body).status_code == 201
    other_code = api.post("/tenants", json={**body, "region_code": "98.99"})
    assert other_code.status_code == 409 and other_code.get_json()["errors"][0]["field"] == "region_code"
    made.append("kab-uji-lain")
    taken = api.post("/tenants", json=region_body("kab-uji-lain", region_code=body["region_code"]))
    assert taken.status_code == 409 and "kab-uji-dua" in taken.get_json()["errors"][0]["reason"]
    repeat = api.post("/tenants", json=body)
    assert repeat.status_code == 409 and repeat.get_json()["errors"][0]["field"] == "slug"
    api.post("/tenants/kab-uji-dua/suspend")
    assert api.post("/tenants", json=body).status_code == 409
    assert len(registry_rows("slug LIKE 'kab-uji-%'")) == 1


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_body(api, made):
    made.append("kab-uji-tiga")
    body = region_body("kab-uji-tiga")
    key = {"Idempotency-Key": "buat-kab-uji-tiga-1"}
    first = api.post("/tenants", json=body, headers=key)
    assert first.status_code == 201
    replay = api.post("/tenants", json=body, headers=key)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["tenant"] == first.get_json()["tenant"]  # the answer is replayed, not redone
    other = api.post("/tenants", json={**body, "name": "Nama Lain"}, headers=key)
    assert other.status_code == 422
    assert other.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(platform_audit(first.get_json()["tenant"]["id"], "tenant.create")) == 1


def _stored_answers(user_id: int) -> str:
    with no_tenant(), db.engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT response_body FROM platform.idempotency_keys WHERE user_id = :u"),
                                {"u": user_id}).scalars().all())


def _set_password(anon_client, slug: str, link: str):
    return anon_client.post(f"/t/{slug}/api/v1/auth/set-password",
                            json={"token": link.rsplit("/", 1)[1], "password": "Rahasia-Sekali-Lautan-2024"})


def test_the_first_admins_link_is_never_kept_in_the_idempotency_record(api, made, vendor, anon_client):
    """Finding 4 of the outside review: the replayable 201 kept the one-time link in plain text. Now the record
    holds no secret, and a replay hands out a fresh link that replaces the first."""
    made.append("kab-uji-rahasia")
    body = region_body("kab-uji-rahasia")
    key = {"Idempotency-Key": "rahasia-1"}
    first = api.post("/tenants", json=body, headers=key)
    assert first.status_code == 201
    first_link = first.get_json()["first_admin"]["set_password_url"]
    stored = _stored_answers(vendor["user_id"])
    assert "kab-uji-rahasia" in stored  # the record is there...
    assert first_link.rsplit("/", 1)[1] not in stored and "set-password" not in stored  # ...without the link

    replay = api.post("/tenants", json=body, headers=key)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    admin = replay.get_json()["first_admin"]
    assert admin["username"] == "admin-pertama" and admin["link_reissued"] is True
    assert admin["set_password_url"] != first_link
    assert admin["set_password_url"].rsplit("/", 1)[1] not in _stored_answers(vendor["user_id"])
    assert _set_password(anon_client, "kab-uji-rahasia", first_link).status_code == 422  # the first link is dead
    assert _set_password(anon_client, "kab-uji-rahasia", admin["set_password_url"]).status_code == 200

    used = api.post("/tenants", json=body, headers=key).get_json()["first_admin"]  # the admin has a password now
    assert used["set_password_url"] is None and "sudah" in used["note"]


def test_a_key_whose_first_attempt_died_is_taken_over_after_a_while(api, made, vendor):
    """The process that claimed the key died (no answer stored): a retry with the same key is 409 at first, then
    does the work once the claim is old enough (5 minutes)."""
    made.append("kab-uji-yatim")
    body = region_body("kab-uji-yatim")
    path = "/admin/api/v1/tenants"
    with no_tenant(), db.engine.begin() as conn:  # what a killed first attempt leaves behind
        conn.execute(sa.text("INSERT INTO platform.idempotency_keys (user_id, key, method, path, request_hash) "
                             "VALUES (:u, 'yatim-1', 'POST', :p, :h)"),
                     {"u": vendor["user_id"], "p": path, "h": request_hash("POST", path, body)})
    key = {"Idempotency-Key": "yatim-1"}
    assert api.post("/tenants", json=body, headers=key).status_code == 409
    with no_tenant(), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE platform.idempotency_keys SET created_at = now() - interval '6 minutes' "
                             "WHERE key = 'yatim-1'"))
    assert api.post("/tenants", json=body, headers=key).status_code == 201


def test_list_filters_by_province_and_status_and_pages(api, made):
    for n in range(3):
        made.append(f"kab-uji-daftar-{n}")
        assert api.post("/tenants", json=region_body(f"kab-uji-daftar-{n}")).status_code == 201
    api.post("/tenants/kab-uji-daftar-1/suspend")
    page = api.get("/tenants?province_code=98&limit=2&offset=0").get_json()
    assert page["total"] == 3 and [t["slug"] for t in page["items"]] == ["kab-uji-daftar-0", "kab-uji-daftar-1"]
    second = api.get("/tenants?province_code=98&limit=2&offset=2").get_json()
    assert [t["slug"] for t in second["items"]] == ["kab-uji-daftar-2"]
    suspended = api.get("/tenants?province_code=98&status=suspended").get_json()
    assert [t["slug"] for t in suspended["items"]] == ["kab-uji-daftar-1"]
    bad = api.get("/tenants?status=lenyap")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "status"


def test_detail_shows_status_version_sizes_and_last_activity(api, made):
    made.append("kab-uji-rinci")
    api.post("/tenants", json=region_body("kab-uji-rinci"))
    detail = api.get("/tenants/kab-uji-rinci").get_json()
    assert detail["status"] == "active" and detail["schema_at_head"]
    assert detail["size_bytes"] > 0 and detail["tables"] > 10
    assert detail["users"] == 1 and detail["employees"] == 0
    assert detail["last_activity_at"] is not None  # the first admin's invitation is in the region's audit log
    assert detail["last_rollup_refresh"] is None and detail["last_export"] is None
    assert api.get("/tenants/tidak-ada").status_code == 404


def test_suspend_makes_the_region_answer_423_and_resume_brings_it_back(app, api, made, anon_client):
    made.append("kab-uji-henti")
    api.post("/tenants", json=region_body("kab-uji-henti"))
    resp = api.post("/tenants/kab-uji-henti/suspend")
    assert resp.status_code == 200 and resp.get_json()["status"] == "suspended"
    assert anon_client.get("/t/kab-uji-henti/api/v1/auth/whoami").status_code == 423
    assert api.post("/tenants/kab-uji-henti/suspend").status_code == 200  # repeating changes nothing
    assert api.post("/tenants/kab-uji-henti/resume").get_json()["status"] == "active"
    assert anon_client.get("/t/kab-uji-henti/api/v1/auth/whoami").status_code == 401
    tenant_id = resp.get_json()["id"]
    assert [a.action for a in platform_audit(tenant_id)] == ["tenant.create", "tenant.suspend", "tenant.resume"]
    assert platform_audit(tenant_id)[1].before["status"] == "active"


def test_upgrade_migrates_one_region_and_is_audited(api, made):
    made.append("kab-uji-naik")
    created = api.post("/tenants", json=region_body("kab-uji-naik")).get_json()
    resp = api.post("/tenants/kab-uji-naik/upgrade")
    assert resp.status_code == 200 and resp.get_json()["status"] == "current"
    assert [a.action for a in platform_audit(created["tenant"]["id"])][-1] == "tenant.upgrade"


def test_delete_needs_archive_then_confirmation_then_an_export(api, made):
    made.append("kab-uji-hapus")
    api.post("/tenants", json=region_body("kab-uji-hapus"))
    not_archived = api.delete("/tenants/kab-uji-hapus", json={"confirm": "kab-uji-hapus"})
    assert not_archived.status_code == 409
    assert api.post("/tenants/kab-uji-hapus/archive").get_json()["status"] == "archived"
    wrong = api.delete("/tenants/kab-uji-hapus", json={"confirm": "kab-uji"})
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == "confirm"
    no_export = api.delete("/tenants/kab-uji-hapus", json={"confirm": "kab-uji-hapus"})
    assert no_export.status_code == 409 and no_export.get_json()["errors"][0]["field"] == "export"
    assert schemas_named("t_kab_uji_hapus") == ["t_kab_uji_hapus"]


def test_tenants_sync_leaves_an_archived_region_archived(app, api, made, tmp_path):
    from app.services.admin import manifests

    made.append("kab-uji-arsip")
    body = region_body("kab-uji-arsip")
    api.post("/tenants", json=body)
    api.post("/tenants/kab-uji-arsip/archive")
    (tmp_path / "kab-uji-arsip.toml").write_text("\n".join(
        f'{k} = "{body[k]}"' for k in ("slug", "name", "kind", "region_code", "province_code", "province_name",
                                        "agency")) + "\n")
    lines = manifests.sync(tmp_path)
    assert [(line.slug, line.action) for line in lines] == [("kab-uji-arsip", "archived")]
    assert registry_rows("slug = 'kab-uji-arsip'")[0].status == "archived"


def test_the_admin_api_checks_its_arguments_like_the_tenant_api(api, made):
    """NUL characters and integers beyond PostgreSQL's range are 422 problems naming the field, never a 500."""
    made.append("kab-uji-nul")
    nul = api.post("/tenants", json=region_body("kab-uji-nul", name="Kab\x00 Uji"))
    assert nul.status_code == 422 and any(e["field"].endswith("name") for e in nul.get_json()["errors"])
    huge = api.get("/tenants?offset=99999999999999999999")
    assert huge.status_code == 422 and any(e["field"].endswith("offset") for e in huge.get_json()["errors"])
    assert schemas_named("t_kab_uji_nul") == []
