"""Users made from the command line (`kompeten users create`, `kompeten platform-users create`) and the demo's
users (`kompeten demo` creates them through app.services.demo_users.ensure_demo_users)."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.domain.nip import make_nip
from app.domain.passwords import PasswordRejected
from app.extensions import db
from app.models.accounts import OneTimeToken, PlatformUser, User, UserOpdScope
from app.models.employees import Employee, Opd
from app.services.demo.users import DEMO_USERNAMES, check_demo_password, ensure_demo_users, generate_password
from app.services.text import name_key
from app.tenancy import no_tenant, tenant_context
from tests.fixtures.auth import login

MALANG = "/t/kota-malang"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
DEMO_PLATFORM = ("bpsdm-jatim", "vendor", "nasional")


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


@pytest.fixture
def forget_platform_users(app):
    """Usernames appended here are removed from platform.users after the test."""
    names: list[str] = []
    yield names
    with no_tenant():
        db.session.execute(sa.delete(PlatformUser).where(PlatformUser.username.in_(names)))
        db.session.commit()


def _set_password(client, link: str, password: str):
    form = client.get(link)
    token = CSRF_FIELD.search(form.get_data(as_text=True)).group(1)
    return client.post(link, data={"csrf_token": token, "password": password, "password_again": password})


# --- kompeten users create ---------------------------------------------------------------------------------------


def test_users_create_prints_a_one_time_link_that_sets_the_password(cli, anon_client, malang, make_opd):
    opd_id = make_opd(malang)

    result = cli("users", "create", "kota-malang", "siti-operator", "--role", "operator", "--opd-id", str(opd_id),
                 "--full-name", "Siti Aminah", "--base-url", "https://kompeten.example/")

    assert result.exit_code == 0, result.output
    link = re.search(r"https://kompeten\.example(/t/kota-malang/set-password/\S+)", result.output).group(1)
    with tenant_context(malang):
        stored = db.session.execute(sa.select(OneTimeToken.token_hash, OneTimeToken.purpose)).one()
        scopes = db.session.execute(sa.select(UserOpdScope.opd_id)).scalars().all()
    assert stored.purpose == "invite" and link.rsplit("/", 1)[1] not in stored.token_hash  # a digest, not the link
    assert scopes == [opd_id]
    assert _set_password(anon_client, link, "kuda-lari-di-sawah-7").status_code == 302
    resp = login(anon_client, "kota-malang", "siti-operator", "kuda-lari-di-sawah-7")
    assert resp.status_code == 200
    assert resp.get_json()["user"]["opd_ids"] == [opd_id]


def test_users_create_links_an_employee_by_nip_and_refuses_an_unknown_nip(cli, malang, make_employee):
    nip = make_employee(malang)

    ok = cli("users", "create", "kota-malang", "budi", "--role", "employee", "--nip", nip)
    unknown = cli("users", "create", "kota-malang", "ani", "--role", "employee", "--nip", "198503122010011003")
    missing = cli("users", "create", "kota-malang", "ina", "--role", "employee")

    assert ok.exit_code == 0, ok.output
    assert unknown.exit_code == 1 and "tidak ada di wilayah ini" in unknown.output
    assert missing.exit_code == 1 and "NIP wajib diisi" in missing.output


def test_users_create_refuses_a_taken_username_and_an_unknown_region(cli, malang):
    assert cli("users", "create", "kota-malang", "dewi", "--role", "viewer").exit_code == 0

    again = cli("users", "create", "kota-malang", "dewi", "--role", "admin")
    nowhere = cli("users", "create", "kab-tidak-ada", "dewi", "--role", "admin")

    assert again.exit_code == 1 and "sudah dipakai" in again.output
    assert nowhere.exit_code == 1 and "kab-tidak-ada" in nowhere.output
    with tenant_context(malang):
        assert db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one() == 1


def test_users_create_refuses_an_opd_scope_for_a_role_other_than_operator(cli, malang, make_opd):
    result = cli("users", "create", "kota-malang", "eko", "--role", "viewer", "--opd-id", str(make_opd(malang)))
    assert result.exit_code == 1 and "hanya operator" in result.output


# --- kompeten platform-users create ------------------------------------------------------------------------------


def test_platform_users_create_prints_a_password_once_that_logs_in(cli, anon_client, app, forget_platform_users):
    forget_platform_users.append("bpsdm-uji")

    result = cli("platform-users", "create", "bpsdm-uji", "--role", "province", "--province", "35")

    assert result.exit_code == 0, result.output
    password = re.search(r"password \(shown once[^)]*\): (\S+)", result.output).group(1)
    resp = anon_client.post("/api/v1/auth/login", json={"username": "bpsdm-uji", "password": password})
    assert resp.status_code == 200
    assert resp.get_json()["user"]["province_code"] == "35"
    with no_tenant():
        stored = db.session.execute(sa.select(PlatformUser.password_hash)
                                    .where(PlatformUser.username == "bpsdm-uji")).scalar_one()
    assert stored.startswith("$argon2id$") and password not in stored


def test_platform_users_create_binds_province_users_to_a_province_code(cli, app, forget_platform_users):
    forget_platform_users.extend(["prov-uji", "vendor-uji"])

    no_code = cli("platform-users", "create", "prov-uji", "--role", "province")
    vendor_with_code = cli("platform-users", "create", "vendor-uji", "--role", "vendor", "--province", "35")

    assert no_code.exit_code == 1 and "kode provinsi" in no_code.output
    assert vendor_with_code.exit_code == 1


# --- the demo's users --------------------------------------------------------------------------------------------


def _demo_region(tenant) -> dict:
    """Three OPDs (the first by name without employees) and two employees; returns OPD ids by name and NIPs."""
    with tenant_context(tenant):
        opds = {}
        for name in ("Badan Tanpa Pegawai", "Dinas Berpegawai", "Kecamatan Zeta"):
            opd = Opd(name=name, name_key=name_key(name))
            db.session.add(opd)
            db.session.flush()
            opds[name] = opd.id
        nips = []
        for i, opd_name in enumerate(("Dinas Berpegawai", "Kecamatan Zeta")):
            nip = make_nip(date(1980, 1, 1 + i), 2005, 3, "P", i + 1)
            db.session.add(Employee(nip=nip, name=f"Pegawai Demo {i}", name_key=name_key(f"Pegawai Demo {i}"),
                                    gender="P", birth_date=date(1980, 1, 1 + i), employee_type="PNS",
                                    opd_id=opds[opd_name]))
            nips.append(nip)
        db.session.commit()
    return {"opds": opds, "nips": nips}


def test_demo_users_cover_every_role_with_a_scoped_operator_and_a_linked_employee(anon_client, malang,
                                                                                  forget_platform_users):
    forget_platform_users.extend(DEMO_PLATFORM)
    region = _demo_region(malang)
    password = generate_password(*DEMO_USERNAMES)

    lines = ensure_demo_users(["kota-malang"], password)

    assert {(line.where, line.username, line.role) for line in lines if line.created} == {
        ("kota-malang", "admin", "admin"), ("kota-malang", "operator", "operator"),
        ("kota-malang", "viewer", "viewer"), ("kota-malang", "pegawai", "employee"),
        ("platform", "bpsdm-jatim", "province"), ("platform", "vendor", "vendor"), ("platform", "nasional", "national")}
    with tenant_context(malang):
        scope = db.session.execute(sa.select(UserOpdScope.opd_id)).scalars().all()
        nip = db.session.execute(sa.select(User.nip).where(User.username == "pegawai")).scalar_one()
    assert scope == [region["opds"]["Dinas Berpegawai"]]  # the first OPD by name that has employees
    assert nip in region["nips"]
    as_employee = login(anon_client, "kota-malang", nip, password)  # the NIP is a login too
    assert as_employee.status_code == 200 and as_employee.get_json()["user"]["role"] == "employee"
    as_province = anon_client.post("/api/v1/auth/login", json={"username": "bpsdm-jatim", "password": password})
    assert as_province.status_code == 200
    assert as_province.get_json()["user"]["province_code"] == "35"


def test_demo_users_are_created_once_and_a_second_run_leaves_them_alone(anon_client, malang, forget_platform_users):
    forget_platform_users.extend(DEMO_PLATFORM)
    _demo_region(malang)
    first = generate_password(*DEMO_USERNAMES)
    ensure_demo_users(["kota-malang"], first)

    again = ensure_demo_users(["kota-malang"], generate_password(*DEMO_USERNAMES))

    assert not any(line.created for line in again)
    assert all("already exists" in line.note for line in again)
    assert len(again) == 7
    assert login(anon_client, "kota-malang", "admin", first).status_code == 200


def test_demo_users_skip_the_operator_and_employee_in_a_region_without_employees(malang, forget_platform_users):
    forget_platform_users.extend(DEMO_PLATFORM)

    lines = ensure_demo_users(["kota-malang"], generate_password(*DEMO_USERNAMES))

    skipped = {line.username: line.note for line in lines if line.where == "kota-malang" and not line.created}
    assert set(skipped) == {"operator", "pegawai"}
    assert all(note.startswith("skipped") for note in skipped.values())


@pytest.mark.parametrize("password", ["pendek", "admin12345", "pegawai-rahasia-2024", "vendor-kompeten-77"])
def test_a_demo_password_that_breaks_the_rules_is_refused(password):
    with pytest.raises(PasswordRejected):
        check_demo_password(password)


def test_a_generated_demo_password_passes_the_rules_for_every_demo_user():
    for _ in range(20):
        check_demo_password(generate_password(*DEMO_USERNAMES), ["kota-malang", "kab-serang"])
