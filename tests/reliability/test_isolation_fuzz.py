"""Isolation fuzzing: random requests across regions, users and ids must never show one region's data in
another's answer, and the connection pool must never serve a request in the wrong schema.

Data lives in three regions (tests/reliability/conftest.py). Hypothesis draws sequences of steps: a GET on any
tenant route the app has (discovered from its url_map, so routes added later are fuzzed too) under any
region's prefix, as any user of any region (or nobody), with ids and NIPs taken from every region; mixed with
requests that fail after a savepoint or mid-transaction, and direct savepoint/error work in tenant_context.
After every request, nothing in the body may be a NIP, a name or an OPD name of another region (unless the
caller typed it into the URL), and a probe checks the schema the next transaction runs in. The same runs with
pool_size=1 (every request reuses one connection) and pool_size=5.

RQ: many small jobs for random regions on one real worker; each writes only in its own region.
"""

from __future__ import annotations

import itertools
import random
import re
import threading
from datetime import date
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from app import create_app
from app.authz import PUBLIC, policy
from app.extensions import db
from app.jobs import enqueue
from app.models.employees import Opd
from app.tenancy import URL_SLUG_ARG, tenant_context
from tests.fixtures.app import make_config
from tests.fixtures.auth import create_token, create_user
from tests.fixtures.jobs import record_where_i_ran
from tests.reliability.conftest import REGIONS

PREFIX = f"/t/<{URL_SLUG_ARG}>/"
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_labels = itertools.count()


def tenant_get_rules(app) -> list:
    """Every GET rule under /t/<tenant_slug>/ except the API's own documentation and test probes."""
    return sorted((r for r in app.url_map.iter_rules()
                   if r.rule.startswith(PREFIX) and "GET" in r.methods and "/_" not in r.rule
                   and not r.rule.endswith(("/openapi.json", "/docs"))), key=lambda r: r.rule)


def make_app(database_url, redis_url, redis_prefix, tmp_path, pool_size: int):
    application = create_app(make_config(database_url, redis_url, redis_prefix, tmp_path,
                                         SQLALCHEMY_ENGINE_OPTIONS={"pool_size": pool_size, "max_overflow": 0,
                                                                    "pool_pre_ping": True, "pool_timeout": 10}))

    @application.get("/t/<tenant_slug>/_probe")
    @policy(PUBLIC)
    def probe():
        row = db.session.execute(sa.text("SELECT current_schema() AS s, current_setting('search_path') AS sp, "
                                         "(SELECT array_agg(name ORDER BY name) FROM opds) AS names")).one()
        return {"schema": row.s, "search_path": row.sp, "names": row.names or []}

    @application.post("/t/<tenant_slug>/_savepoint_then_fail")
    @policy(PUBLIC)
    def savepoint_then_fail():
        db.session.add(Opd(name="Bocor A", name_key="bocor a"))
        db.session.flush()
        nested = db.session.begin_nested()
        db.session.add(Opd(name="Bocor B", name_key="bocor b"))
        db.session.flush()
        nested.rollback()
        raise RuntimeError("fails after a rolled-back savepoint")

    @application.post("/t/<tenant_slug>/_fail_mid_transaction")
    @policy(PUBLIC)
    def fail_mid_transaction():
        db.session.add(Opd(name="Setengah", name_key="setengah"))
        db.session.flush()
        db.session.execute(sa.text("SELECT 1/0"))
        return {}

    return application


@pytest.fixture
def callers(seeded, tenants) -> dict[str, list[tuple[str, str, dict]]]:
    """{slug: [(slug, role, headers)]}: an admin, an OPD-scoped operator, a viewer and an employee per region."""
    out: dict[str, list] = {}
    for slug in REGIONS:
        tenant, data = tenants[slug], seeded[slug]
        out[slug] = []
        for role, extra in (("admin", {}), ("operator", {"opd_ids": data.opd_ids[:1]}), ("viewer", {}),
                            ("employee", {"nip": sorted(data.nips)[0]})):
            user = create_user(tenant, role, password=None, **extra)
            out[slug].append((slug, role, {"Authorization": f"Bearer {create_token(tenant, user['id'], role)}"}))
    return out


def _value_strategy(converter, name: str, seeded) -> st.SearchStrategy:
    every = list(seeded.values())
    if isinstance(converter, IntegerConverter):
        ids = sorted({i for d in every for i in (*d.opd_ids, *d.cohort_ids, *d.enrolment_ids, *d.employee_ids)})
        return st.sampled_from([*ids, 1, 2, 3, 999])
    if name == "nip":
        return st.sampled_from(sorted({n for d in every for n in d.nips}))
    if name == "day":
        return st.dates(date(2022, 10, 25), date(2022, 12, 5)).map(date.isoformat)
    return st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)


def _steps(app, seeded, callers) -> st.SearchStrategy:
    rules = tenant_get_rules(app)
    everyone = [c for cs in callers.values() for c in cs] + [(None, "anonymous", {})]
    foreign = sorted({v for d in seeded.values() for v in (*d.nips, *d.names)})

    @st.composite
    def get_step(draw):
        rule = draw(st.sampled_from(rules))
        values = {name: draw(_value_strategy(conv, name, seeded))
                  for name, conv in rule._converters.items() if name != URL_SLUG_ARG}
        path = _VARIABLE.sub(lambda m: m.group(0) if m.group(1) == URL_SLUG_ARG else quote(str(values[m.group(1)]),
                                                                                             safe=""), rule.rule)
        query = draw(st.sampled_from([{}, {}, {"q": draw(st.sampled_from(foreign))},
                                      {"nip": draw(st.sampled_from(foreign))}, {"limit": 200}]))
        return ("get", draw(st.sampled_from(REGIONS)), draw(st.sampled_from(everyone)), path, query)

    other = st.tuples(st.sampled_from(["probe", "savepoint_then_fail", "fail_mid_transaction", "context"]),
                      st.sampled_from(REGIONS))
    return st.lists(st.one_of(get_step(), get_step(), get_step(), other), min_size=10, max_size=40)


def _private(seeded, slug: str) -> set[str]:
    return seeded[slug].private_values


def check_get(client, seeded, slug: str, caller, path: str, query: dict) -> None:
    url = path.replace(PREFIX, f"/t/{slug}/", 1) + (f"?{urlencode(query)}" if query else "")
    resp = client.get(url, headers=caller[2])
    try:
        assert resp.status_code < 500, (f"{url} as {caller[1]}@{caller[0]}: {resp.status_code} "
                                        f"{resp.get_data()[:300]}")
        body = resp.get_data().decode("utf-8", "replace")  # downloads (XLSX, PDF) are bytes: read their text
    finally:
        resp.close()  # a download streams from a spooled file its response closes
    typed = url + " ".join(str(v) for v in query.values())
    for other in REGIONS:
        if other == slug:
            continue
        leaked = sorted(v for v in _private(seeded, other) if v in body and v not in typed)
        assert not leaked, f"{url} as {caller[1]}@{caller[0]} shows {other}'s {leaked[:3]}"


def check_probe(client, slug: str, tenants) -> None:
    resp = client.get(f"/t/{slug}/_probe")
    assert resp.status_code == 200, resp.get_data()
    probe = resp.get_json()
    assert probe["schema"] == tenants[slug].schema and probe["search_path"].strip('"') == tenants[slug].schema
    assert not {"Bocor A", "Bocor B", "Setengah"} & set(probe["names"])  # failed requests left nothing


def check_context(slug: str, tenants) -> None:
    """Direct work in tenant_context: a savepoint that fails, then the schema is still this tenant's."""
    with tenant_context(tenants[slug]):
        nested = db.session.begin_nested()
        try:
            db.session.execute(sa.text("SELECT 1/0"))
        except sa.exc.DataError:
            nested.rollback()
        assert db.session.execute(sa.text("SELECT current_schema()")).scalar_one() == tenants[slug].schema
        db.session.rollback()
    with pytest.raises(sa.exc.DataError), tenant_context(tenants[slug]):
        db.session.execute(sa.text("SELECT 1/0"))  # an error nobody cleans up: the context must


def run_isolation_fuzz(application, seeded, callers, tenants, max_examples: int, derandomize: bool = True) -> int:
    client = application.test_client()
    ran = [0]

    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=derandomize, print_blob=True,
              suppress_health_check=list(HealthCheck))
    @given(steps=_steps(application, seeded, callers))
    def fuzz(steps):
        for step in steps:
            ran[0] += 1
            if step[0] == "get":
                check_get(client, seeded, *step[1:])
            elif step[0] == "probe":
                check_probe(client, step[1], tenants)
            elif step[0] == "context":
                check_context(step[1], tenants)
            else:
                assert client.post(f"/t/{step[1]}/_{step[0]}").status_code == 500
                check_probe(client, step[1], tenants)

    fuzz()
    return ran[0]


@pytest.mark.parametrize("pool_size", [1, 5])
def test_random_requests_never_cross_regions(database_url, redis_url, redis_prefix, tmp_path, seeded, callers,
                                             tenants, pool_size):
    application = make_app(database_url, redis_url, redis_prefix, tmp_path, pool_size)
    with application.app_context():
        try:
            steps = run_isolation_fuzz(application, seeded, callers, tenants, max_examples=50)
        finally:
            db.session.remove()
            db.engine.dispose()
    assert steps >= 500


def _random_value(rng, converter, name: str, seeded) -> str:
    every = list(seeded.values())
    if isinstance(converter, IntegerConverter):
        return str(rng.choice([i for d in every for i in (*d.opd_ids, *d.cohort_ids, *d.enrolment_ids)] + [1, 999]))
    if name == "nip":
        return rng.choice(sorted(n for d in every for n in d.nips))
    if name == "day":
        return f"2022-11-{rng.randint(1, 30):02d}"
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(1, 10)))


def _concurrent_staff(n: int, application, seeded, callers, tenants, rounds: int, failures: list) -> None:
    """One thread of random traffic (its own client): GETs as anyone, probes, and requests that fail."""
    rng = random.Random(n)
    client = application.test_client()
    rules = tenant_get_rules(application)
    everyone = [c for cs in callers.values() for c in cs] + [(None, "anonymous", {})]
    try:
        for _ in range(rounds):
            slug = rng.choice(REGIONS)
            roll = rng.random()
            if roll < 0.8:
                rule = rng.choice(rules)
                path = _VARIABLE.sub(lambda m, rule=rule: m.group(0) if m.group(1) == URL_SLUG_ARG else quote(
                    _random_value(rng, rule._converters[m.group(1)], m.group(1), seeded), safe=""), rule.rule)
                check_get(client, seeded, slug, rng.choice(everyone), path, {})
            elif roll < 0.9:
                check_probe(client, slug, tenants)
            else:
                action = rng.choice(["savepoint_then_fail", "fail_mid_transaction"])
                assert client.post(f"/t/{slug}/_{action}").status_code == 500
    except Exception as exc:  # noqa: BLE001 - reported by the test
        failures.append(f"thread {n}: {exc!r}")


@pytest.mark.committed  # threads / a subprocess: each needs committed data and its own connection
@pytest.mark.parametrize("pool_size", [1, 5])
def test_concurrent_random_requests_never_cross_regions(database_url, redis_url, redis_prefix, tmp_path, seeded,
                                                        callers, tenants, pool_size):
    """Six threads at once share the pool (one connection, or five): every answer still belongs to its URL's
    region and every probe runs in its own schema."""
    application = make_app(database_url, redis_url, redis_prefix, tmp_path, pool_size)
    failures: list[str] = []
    with application.app_context():
        try:
            threads = [threading.Thread(target=_concurrent_staff,
                                        args=(n, application, seeded, callers, tenants, 40, failures))
                       for n in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
        finally:
            db.session.remove()
            db.engine.dispose()
    assert not failures, "\n".join(failures)


def test_the_fuzzer_sees_every_tenant_get_route_and_its_own_data(app, client, seeded):
    """The checks are not vacuous: routes are discovered and a region's own values do show up."""
    rules = [r.rule for r in tenant_get_rules(app)]
    assert f"{PREFIX}api/v1/employees/<nip>" in rules and f"{PREFIX}api/v1/cohorts/<int:cohort_id>" in rules
    body = client.get("/t/kab-serang/api/v1/employees?limit=200").get_data(as_text=True)
    assert seeded["kab-serang"].nips <= {v for v in seeded["kab-serang"].nips if v in body}


@pytest.mark.soak
@pytest.mark.parametrize("pool_size", [1, 5])
def test_random_requests_never_cross_regions_long(database_url, redis_url, redis_prefix, tmp_path, seeded, callers,
                                                  tenants, pool_size):
    application = make_app(database_url, redis_url, redis_prefix, tmp_path, pool_size)
    with application.app_context():
        try:
            run_isolation_fuzz(application, seeded, callers, tenants, max_examples=300, derandomize=False)
        finally:
            db.session.remove()
            db.engine.dispose()


def _job_opds(tenant) -> list[str]:
    with tenant_context(tenant):
        names = db.session.execute(sa.select(Opd.name).where(Opd.name.like("rq-%")).order_by(Opd.name)).scalars()
        out = list(names)
        db.session.commit()
    return out


@settings(max_examples=4, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(assignment=st.lists(st.sampled_from(REGIONS + ("kab-tuban",)), min_size=20, max_size=40))
def test_many_small_jobs_for_random_regions_on_one_worker_each_write_only_their_own(tenants, run_worker, assignment):
    run = next(_labels)
    expected: dict[str, list[str]] = {slug: [] for slug in tenants}
    for i, slug in enumerate(assignment):
        label = f"rq-{run:03d}-{i:03d}"
        enqueue(record_where_i_ran, label, tenant=tenants[slug])
        expected[slug].append(f"{label} ran in {tenants[slug].schema}")
    run_worker()
    for slug, tenant in tenants.items():
        mine = [n for n in _job_opds(tenant) if n.startswith(f"rq-{run:03d}-")]
        assert mine == sorted(expected[slug]), slug
