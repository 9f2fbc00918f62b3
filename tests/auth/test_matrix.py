"""The role × endpoint matrix: every route of the URL map, called as every kind of caller, gets exactly the
outcome tests/auth/matrix.py states; a route missing from the table (or a stale line in it) fails the run.

How the callers are set up, and why this way:
- One module-scoped fixture (`world`) provisions Kota Malang and Kab. Serang itself (`provision` is idempotent)
  instead of requesting the session `tenants` fixture: any test that requests `tenants`, even indirectly, gets
  every tenant table truncated after it by the autouse wipe in tests/fixtures/tenants.py, which would destroy
  the users made once for these hundreds of cases. `world` makes, and commits, the users (admin, unscoped operator,
  viewer, employee linked to an employee by NIP; an admin of Kab. Serang), the platform users (vendor, a
  province user of 35, national) and a few rows the routes' ids point at (OPD, employees, cohort with a phase,
  enrolment). On teardown it wipes both tenants the same way the autouse fixture does, deletes its platform
  users, and drops the login-failure counters its anonymous login calls may have left in Redis.
- Every case mints a fresh Bearer token for its caller's user (one INSERT). Users are never changed by the
  cases (user / token / session ids in URLs are 999999, so allowed callers get 404), and a fresh token per
  case means a route that ends the caller's own credential (a logout, a "revoke my tokens") cannot make a
  later case fail.
- Requests carry no cookies (`use_cookies=False`), so an anonymous page request is really cookie-less, and
  come from a TEST-NET address of their own, so the login throttle's per-IP counter is not shared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from app.auth import TOKEN_PREFIX, digest, new_secret
from app.domain.nip import make_nip
from app.extensions import db
from app.jobs import redis_connection
from app.models.accounts import PlatformApiToken, PlatformUser
from app.models.catalogue import Partner, Program
from app.models.cohorts import Cohort, CohortPhase, Enrolment
from app.models.employees import Employee, Opd
from app.services.admin.provisioning import provision
from app.services.text import name_key
from app.tenancy import no_tenant, resolve, tenant_context
from tests.auth.matrix import ACCESS, ALLOW, CALLERS, FORBID, MATRIX, OTHER_TENANT, PLATFORM_ROLES, TO_LOGIN, UNAUTH
from tests.fixtures.auth import create_token, create_user
from tests.fixtures.tenants import MANIFESTS, wipe

HOME, OTHER = "kota-malang", "kab-serang"
SKIPPED_RULES = frozenset({"/static/<path:filename>"})
SKIPPED_METHODS = frozenset({"HEAD", "OPTIONS"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
CLIENT_IP = "192.0.2.77"  # TEST-NET-1: this module's own login-throttle counter
MISSING_ID = 999999
_ARG = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def live_routes(app) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules() if rule.rule not in SKIPPED_RULES
            for method in rule.methods - SKIPPED_METHODS}


# --- the world the cases run in -----------------------------------------------------------------------------------

def _make_rows(tenant) -> dict:
    """An OPD, two employees (one is the employee user's own record), a cohort with a phase, an enrolment."""
    with tenant_context(tenant):
        opd = Opd(name="Dinas Matriks Akses", name_key=name_key("Dinas Matriks Akses"))
        db.session.add(opd)
        db.session.flush()
        people = []
        for seq, name in ((901, "Pegawai Matriks Diri"), (902, "Pegawai Matriks Sasaran")):
            nip = make_nip(date(1986, 5, 17), 2011, 3, "L", seq)
            people.append(Employee(nip=nip, name=name, name_key=name_key(name), gender="L",
                                   birth_date=date(1986, 5, 17), employee_type="PNS", opd_id=opd.id))
        db.session.add_all(people)
        program = db.session.execute(sa.select(Program).order_by(Program.id).limit(1)).scalar_one()
        cohort = Cohort(program_id=program.id, number=77, year=2024, mode="klasikal", quota=30,
                        start_date=date(2024, 4, 22), end_date=date(2024, 4, 30))
        db.session.add(cohort)
        db.session.flush()
        phase = CohortPhase(cohort_id=cohort.id, position=1, name="Klasikal I", start_date=date(2024, 4, 22),
                            end_date=date(2024, 4, 30), graded=True)
        enrolment = Enrolment(cohort_id=cohort.id, employee_id=people[1].id, status="registered")
        db.session.add_all([phase, enrolment])
        db.session.flush()
        partner_id = db.session.execute(sa.select(sa.func.min(Partner.id))).scalar_one()
        out = {"opd_id": opd.id, "own_nip": people[0].nip, "nip": people[1].nip, "program_id": program.id,
               "partner_id": partner_id, "cohort_id": cohort.id, "phase_id": phase.id, "enrolment_id": enrolment.id}
        db.session.commit()
    return out


class World:
    """The callers and the ids the cases need."""

    def __init__(self, app) -> None:
        self.app = app
        self.home = resolve(HOME)
        self.other = resolve(OTHER)
        self.rows = _make_rows(self.home)
        self.users: dict[str, tuple[object, int, str]] = {}  # caller -> (tenant or None, user id, role)
        for role in ("admin", "operator", "viewer", "employee"):
            nip = self.rows["own_nip"] if role == "employee" else None
            user = create_user(self.home, role, username=f"matriks-{role}-{new_secret(3).lower()}", nip=nip,
                               password=None)
            self.users[role] = (self.home, user["id"], role)
        stranger = create_user(self.other, "admin", username=f"matriks-admin-{new_secret(3).lower()}", password=None)
        self.users[OTHER_TENANT] = (self.other, stranger["id"], "admin")
        with no_tenant():
            for role in PLATFORM_ROLES:
                user = PlatformUser(username=f"matriks-{role}-{new_secret(3).lower()}", full_name=f"Matriks {role}",
                                    role=role, province_code="35" if role == "province" else None)
                db.session.add(user)
                db.session.flush()
                self.users[role] = (None, user.id, role)
            db.session.commit()

    def headers(self, caller: str) -> dict[str, str]:
        """A fresh Bearer token for the caller (none for anonymous)."""
        if caller == "anonymous":
            return {}
        tenant, user_id, role = self.users[caller]
        if tenant is not None:
            return {"Authorization": f"Bearer {create_token(tenant, user_id, role)}"}
        secret = TOKEN_PREFIX + new_secret()
        with no_tenant():
            db.session.add(PlatformApiToken(user_id=user_id, name="matriks", token_hash=digest(secret),
                                            prefix=secret[:12], role=role,
                                            expires_at=datetime.now(UTC) + timedelta(hours=1)))
            db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    def url(self, rule: str) -> str:
        values = {"tenant_slug": HOME, "province_code": "35", "day": "2024-04-22",
                  "token": "tautan-" + new_secret(12), **self.rows}

        def fill(match: re.Match) -> str:
            name, converter = match["name"], match["converter"]
            if name in values and values[name] is not None:
                return str(values[name])
            if converter == "int":
                return str(MISSING_ID)  # users, tokens, sessions...: never the callers' own
            return "tidak-ada-" + new_secret(6).lower()

        return _ARG.sub(fill, rule)

    def close(self) -> None:
        for info in (self.home, self.other):
            wipe(info)
        platform_ids = [user_id for tenant, user_id, _ in self.users.values() if tenant is None]
        with no_tenant():
            db.session.execute(sa.delete(PlatformUser).where(PlatformUser.id.in_(platform_ids)))
            db.session.commit()
        redis = redis_connection()
        keys = list(redis.scan_iter(f"{self.app.config['REDIS_KEY_PREFIX']}:login-fail:*"))
        if keys:
            redis.delete(*keys)


@pytest.fixture(scope="module")
def world(app) -> Iterator[World]:
    for slug in (HOME, OTHER):
        provision(MANIFESTS[slug])
    made = World(app)
    try:
        yield made
    finally:
        made.close()


# --- the cases --------------------------------------------------------------------------------------------------

def _cases():
    for (rule, method), access in sorted(MATRIX.items()):
        for caller in CALLERS:
            yield pytest.param(rule, method, access, caller, id=f"{method} {rule} as {caller}")


def _is_sent_to_login(resp, path: str) -> bool:
    """A redirect to a login form that brings the visitor back here afterwards (?next=<this path>)."""
    if resp.status_code not in (302, 303):
        return False
    target = urlsplit(resp.headers.get("Location", ""))
    return target.path.endswith("/login") and parse_qs(target.query).get("next") == [path]


def _describe(resp) -> str:
    body = resp.get_data(as_text=True)
    return f"got {resp.status_code} (Location: {resp.headers.get('Location')}) {body[:300]}"


@pytest.mark.parametrize(("rule", "method", "access", "caller"), list(_cases()))
def test_caller_gets_exactly_the_expected_status(world, app, rule, method, access, caller):
    if (rule, method) not in live_routes(app):
        pytest.skip("not in the URL map: test_the_matrix_has_no_stale_routes reports it")
    expected = ACCESS[access][caller]
    path, headers = world.url(rule), world.headers(caller)
    resp = app.test_client(use_cookies=False).open(path, method=method, headers=headers,
                                                   json={} if method in BODY_METHODS else None,
                                                   environ_base={"REMOTE_ADDR": CLIENT_IP})
    resp.close()  # a file download (an XLSX sheet) holds its stream until closed
    if expected == UNAUTH:
        assert resp.status_code == 401, f"{access}: expected 401, {_describe(resp)}"
    elif expected == FORBID:
        assert resp.status_code == 403, f"{access}: expected 403, {_describe(resp)}"
    elif expected == TO_LOGIN:
        assert _is_sent_to_login(resp, path), f"{access}: expected a redirect to the login form, {_describe(resp)}"
    else:
        assert expected == ALLOW
        assert resp.status_code not in (401, 403), f"{access}: expected access, {_describe(resp)}"
        assert resp.status_code < 500, f"{access}: server error, {_describe(resp)}"
        if TO_LOGIN in ACCESS[access].values():
            assert not _is_sent_to_login(resp, path), f"{access}: expected the page, {_describe(resp)}"


# --- the table and the URL map agree -------------------------------------------------------------------------------

def test_every_route_is_in_the_matrix(app):
    missing = sorted(live_routes(app) - set(MATRIX))
    assert not missing, (
        "routes with no line in tests/auth/matrix.py (decide who may call them and add them): "
        + ", ".join(f"{method} {rule}" for rule, method in missing))


def test_the_matrix_has_no_stale_routes(app):
    stale = sorted(set(MATRIX) - live_routes(app))
    assert not stale, ("lines in tests/auth/matrix.py for routes the app does not have: "
                       + ", ".join(f"{method} {rule}" for rule, method in stale))


def test_every_access_class_states_an_outcome_for_every_caller():
    for name, outcomes in ACCESS.items():
        assert set(outcomes) == set(CALLERS), name
        assert set(outcomes.values()) <= {ALLOW, UNAUTH, FORBID, TO_LOGIN}, name
    assert set(MATRIX.values()) <= set(ACCESS), sorted(set(MATRIX.values()) - set(ACCESS))
