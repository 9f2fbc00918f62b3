"""Regions as the vendor sees them: create (inline), list, inspect, suspend/resume, upgrade, archive, delete.

Status changes are single guarded UPDATEs on the registry row (`WHERE status IN (...)`), so two vendors racing
on one region cannot both win; the registry cache of this process is invalidated after the commit (other
processes see the change within KOMPETEN_TENANT_CACHE_TTL seconds).
"""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa
from psycopg import sql

from app.extensions import db
from app.models.accounts import User
from app.models.admin import TenantExport
from app.models.platform import Tenant
from app.problems import Problem
from app.services.admin import migrations
from app.services.admin.provisioning import ProvisionConflict, SpecError, TenantSpec, provision
from app.services.audit import log as audit
from app.services.pagination import Page, paginate
from app.services.users import manage as users
from app.tenancy import TenantNotFound, TenantUnavailable, no_tenant, registry, tenant_context

log = logging.getLogger(__name__)

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
ENTITY = "tenants"






def tenant_view(row: Tenant) -> dict:
    return {"id": row.id, "slug": row.slug, "name": row.name, "kind": row.kind, "region_code": row.region_code,
            "province_code": row.province_code, "province_name": row.province_name, "agency": row.agency_name,
            "schema": row.schema_name, "status": row.status, "schema_version": row.schema_version,
            "schema_at_head": row.schema_version == migrations.head("tenant") if row.schema_version else False,
            "last_migration_error": row.last_migration_error, "archived_at": row.archived_at,
            "created_at": row.created_at, "updated_at": row.updated_at}


def audited_view(row: Tenant) -> dict:
    """The registry row as the API shows it, without its timestamps."""
    return {k: v for k, v in tenant_view(row).items() if k not in ("created_at", "updated_at", "schema_at_head")}


def get_tenant(slug: str) -> Tenant:
    row = db.session.execute(sa.select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if row is None:
        raise Problem.not_found(f"Wilayah {slug} tidak ditemukan.", type_="tenant-not-found")
    return row


# --- creating --------------------------------------------------------------------------------------------


def _province_name(data: dict) -> str | None:
    if data.get("province_name"):
        return data["province_name"]
    code = data.get("province_code")
    if not isinstance(code, str):
        return None
    with no_tenant():
        name = db.session.execute(sa.select(Tenant.province_name).where(Tenant.province_code == code).limit(1)
                                  ).scalar_one_or_none()
        db.session.rollback()
    return name


def parse_spec(data: dict) -> TenantSpec:
    """The registry data of a POST /tenants body; every bad field in one 422 (slug and region code with the rule)."""
    body = {**data, "province_name": _province_name(data)}
    errors: list[dict] = []
    try:
        spec = TenantSpec.from_mapping(body)
    except SpecError as exc:
        errors = exc.errors
        spec = None
    for error in errors:
        if error["field"] == "province_name":
            error["reason"] = "required when the province has no region yet"
    if errors:
        raise Problem.invalid(errors=errors)
    return spec


def parse_first_admin(value) -> dict:
    errors = []
    if not isinstance(value, dict):
        raise Problem.invalid(field="first_admin", reason="required: {username, email}")
    username = value.get("username")
    if not isinstance(username, str) or not USERNAME_RE.fullmatch(username):
        errors.append({"field": "first_admin.username", "reason": "must match ^[a-z0-9][a-z0-9._-]{2,63}$"})
    email = value.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email or len(email) > 200):
        errors.append({"field": "first_admin.email", "reason": "an e-mail address"})
    full_name = value.get("full_name") or f"Admin {username}"
    if errors:
        raise Problem.invalid(errors=errors)
    return {"username": username, "email": email, "full_name": str(full_name)[:200]}


def _ensure_first_admin(slug: str, admin: dict) -> dict | None:
    """Invite the first admin unless the region has an admin already (a retried or concurrent POST);
    serialised with provisioning by the same per-slug advisory lock. Returns the invite link, or None."""
    with tenant_context(slug):
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('kompeten.provision'), hashtext(:slug))"),
                           {"slug": slug})
        if db.session.execute(sa.select(User.id).where(User.role == "admin").limit(1)).first() is not None:
            db.session.rollback()
            return None
        invited = users.invite_user(username=admin["username"], full_name=admin["full_name"], role="admin",
                                    email=admin["email"])
        db.session.commit()
        return invited["link"]


def create_tenant(data: dict) -> tuple[int, dict]:
    """Provision a region inline and invite its first admin; (201, body), or 409 when it exists already.

    Inline because provisioning takes ~60 ms (p50; see docs/benchmarks.md): a job would only add latency.
    Resumable: a POST that died halfway (registry row still `provisioning`, or no admin yet) is finished by the
    next identical POST, which answers 201."""
    spec = parse_spec(data)
    admin = parse_first_admin(data.get("first_admin"))
    try:
        result = provision(spec)
    except ProvisionConflict as exc:
        raise Problem.conflict(field=exc.field, reason=exc.reason) from exc
    try:
        link = _ensure_first_admin(spec.slug, admin)
    except TenantUnavailable as exc:  # it exists, suspended (or being changed): not ours to complete
        raise Problem.conflict(field="slug", reason=f"region {spec.slug} exists already ({exc.tenant.status})") from exc
    if link is None:  # of concurrent or repeated POSTs, only the one that completed the region answers 201
        raise Problem.conflict(field="slug", reason=f"region {spec.slug} exists already",
                               tenant=f"/admin/api/v1/tenants/{spec.slug}")
    with no_tenant():
        row = get_tenant(spec.slug)
        audit.record("tenant.create", ENTITY, row.id,
                     after={**audited_view(row), "first_admin": admin["username"], "provision_seconds": result.seconds},
                     platform=True)
        body = {"tenant": tenant_view(row), "first_admin": {"username": admin["username"], "email": admin["email"],
                                                             **(link or {})}}
        db.session.commit()
    return 201, body


LINK_FIELDS = ("purpose", "set_password_url", "expires_at")
LINK_NOT_RENEWED = ("Tautan sekali pakai hanya ditampilkan sekali dan tidak disimpan; admin ini sudah mengatur kata "
                    "sandinya (atau wilayahnya tidak aktif), jadi tidak ada tautan baru. Tautan atur ulang dibuat "
                    "oleh admin wilayah.")


def storable_answer(body: dict) -> dict:
    """What an Idempotency-Key record may keep of an answer: never the first admin's one-time link (the record
    sits in the database, its backups and replicas for 24 hours)."""
    admin = body.get("first_admin") if isinstance(body, dict) else None
    if not isinstance(admin, dict):
        return body
    return {**body, "first_admin": {k: v for k, v in admin.items() if k not in LINK_FIELDS}}


def replayed_answer(status: int, body: dict) -> dict:
    """A replayed 201 of POST /tenants: the link was shown once and not kept, so the first admin gets a fresh one
    (the earlier one stops working) while they have not set a password; after that none, and the answer says so.
    Runs in transactions of its own (the caller holds none)."""
    admin = body.get("first_admin") if isinstance(body, dict) else None
    if status != 201 or not isinstance(admin, dict) or not isinstance(body.get("tenant"), dict):
        return body
    db.session.rollback()
    link = None
    try:
        with tenant_context(body["tenant"]["slug"]):
            link = users.renew_invitation(admin["username"])
            db.session.commit()
    except (TenantUnavailable, TenantNotFound):
        pass
    if link is None:
        return {**body, "first_admin": {**admin, "set_password_url": None, "link_reissued": False,
                                        "note": LINK_NOT_RENEWED}}
    return {**body, "first_admin": {**admin, **link, "link_reissued": True}}


# --- reading ---------------------------------------------------------------------------------------------


def list_tenants(*, province_code: str | None, status: str | None, limit: int, offset: int,
                 cursor: str | None = None) -> dict:
    stmt = sa.select(Tenant)
    if province_code:
        stmt = stmt.where(Tenant.province_code == province_code)
    if status:
        stmt = stmt.where(Tenant.status == status)
    page: Page = paginate(stmt, limit=limit, offset=offset, cursor=cursor, order_by=[Tenant.slug],
                          tiebreak=Tenant.id)
    return {"items": [tenant_view(r) for r in page.items], "total": page.total,
            "total_estimated": page.total_estimated, "limit": limit, "offset": page.offset,
            "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


_SIZE_SQL = sa.text(
    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS total, count(*) AS tables "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relkind = 'r'")


def tenant_detail(slug: str) -> dict:
    """Status, schema version, sizes, last activity and last rollup refresh (no personal data)."""
    with no_tenant():
        row = get_tenant(slug)
        view = tenant_view(row)
        size = db.session.execute(_SIZE_SQL, {"schema": row.schema_name}).one()
        refresh = db.session.execute(sa.text(
            "SELECT last_success_at, last_attempt_at, last_error, stale FROM platform.tenant_refresh "
            "WHERE tenant_id = :id"), {"id": row.id}).first()
        export = db.session.execute(
            sa.select(TenantExport.id, TenantExport.finished_at, TenantExport.tenant_status)
            .where(TenantExport.tenant_id == row.id, TenantExport.status == "done")
            .order_by(TenantExport.id.desc()).limit(1)).first()
        db.session.rollback()
    activity = None
    if view["status"] in ("active", "suspended", "archived"):
        with tenant_context(slug, allow_status=("active", "suspended", "archived")):
            activity = db.session.execute(sa.text(
                "SELECT (SELECT max(at) FROM audit_log) AS last_write, "
                "       (SELECT max(last_seen_at) FROM user_sessions) AS last_session, "
                "       (SELECT count(*) FROM employees) AS employees, (SELECT count(*) FROM users) AS users")).one()
            db.session.rollback()
    view.update({
        "size_bytes": int(size.total), "tables": int(size.tables),
        "employees": activity.employees if activity else None, "users": activity.users if activity else None,
        "last_activity_at": max((t for t in (activity.last_write, activity.last_session) if t), default=None)
        if activity else None,
        "last_rollup_refresh": None if refresh is None else {
            "last_success_at": refresh.last_success_at, "last_attempt_at": refresh.last_attempt_at,
            "last_error": refresh.last_error, "stale": refresh.stale},
        "last_export": None if export is None else dict(export._mapping),
    })
    return view


# --- status changes --------------------------------------------------------------------------------------

TRANSITIONS = {
    "suspend": (("active",), "suspended"),
    "resume": (("suspended", "archived"), "active"),
    "archive": (("active", "suspended"), "archived"),
}


def change_status(slug: str, action: str) -> dict:
    """suspend | resume | archive; nothing is deleted. The caller commits."""
    allowed_from, to = TRANSITIONS[action]
    row = get_tenant(slug)
    before = audited_view(row)
    if row.status == to:
        return tenant_view(row)  # repeating an action changes nothing
    if row.status not in allowed_from:
        raise Problem.conflict(field="status", reason=f"cannot {action} a region that is {row.status}")
    values = {"status": to, "updated_at": sa.func.now()}
    if action == "archive":
        values["archived_at"] = sa.func.now()
    elif action == "resume":
        values["archived_at"] = None
    changed = db.session.execute(sa.update(Tenant).where(Tenant.id == row.id, Tenant.status.in_(allowed_from))
                                 .values(**values)).rowcount
    if not changed:
        raise Problem.conflict(field="status", reason="the region's status changed meanwhile; read it again")
    db.session.refresh(row)
    audit.record(f"tenant.{action}", ENTITY, row.id, before=before, after=audited_view(row), platform=True)
    return tenant_view(row)


def after_commit(slug: str) -> None:
    registry.invalidate(slug)


def forget_files(slug: str) -> None:
    """After a deletion is committed: the region's stored files (uploaded certificates) go with its schema; the
    export the deletion required holds them."""
    from app.services.files.storage import storage

    storage().delete_region(slug)


def upgrade(slug: str) -> dict:
    """Migrate this one region to head now (in its own transaction); then audit in the caller's."""
    with no_tenant():
        row = get_tenant(slug)
        tenant_id, status = row.id, row.status
        db.session.rollback()
    if status not in migrations.MIGRATABLE_STATUSES:
        raise Problem.conflict(field="status", reason=f"cannot upgrade a region that is {status}")
    result = migrations.migrate_tenant(slug)
    outcome = {"slug": slug, "status": result.status, "before": result.before, "after": result.after,
               "seconds": round(result.seconds, 3), "error": result.error}
    audit.record("tenant.upgrade", ENTITY, tenant_id, before={"schema_version": result.before}, after=outcome,
                 platform=True)
    db.session.commit()
    if result.status == "failed":
        raise Problem(500, "Upgrade failed", result.error, type_="upgrade-failed", result=outcome)
    return outcome


def delete_tenant(slug: str, confirm) -> dict:
    """Drop an archived region's schema after an export made since it was archived; keep a tombstone row.

    The slug stays taken (only a restore from one of its exports may bring it back); its region code is free."""
    row = get_tenant(slug)
    if confirm != slug:
        raise Problem.invalid(field="confirm", reason="must equal the region's slug")
    if row.status != "archived":
        raise Problem.conflict(field="status",
                               reason=f"only an archived region can be deleted (this one is {row.status})")
    export = db.session.execute(
        sa.select(TenantExport.id).where(TenantExport.tenant_id == row.id, TenantExport.status == "done",
                                         TenantExport.tenant_status == "archived",
                                         TenantExport.created_at >= row.archived_at)
        .order_by(TenantExport.id.desc()).limit(1)).scalar_one_or_none()
    if export is None:
        raise Problem.conflict(field="export", reason="export the archived region first (POST .../export), then delete")
    before = audited_view(row)
    changed = db.session.execute(sa.update(Tenant).where(Tenant.id == row.id, Tenant.status == "archived")
                                 .values(status="deleted", schema_version=None, updated_at=sa.func.now())).rowcount
    if not changed:
        raise Problem.conflict(field="status", reason="the region's status changed meanwhile; read it again")
    db.session.connection().connection.dbapi_connection.execute(
        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(row.schema_name)))
    db.session.execute(sa.text("DELETE FROM platform.tenant_summaries WHERE tenant_id = :id"), {"id": row.id})
    db.session.execute(sa.text("DELETE FROM platform.tenant_refresh WHERE tenant_id = :id"), {"id": row.id})
    db.session.refresh(row)
    audit.record("tenant.delete", ENTITY, row.id, before=before, after={**audited_view(row), "export_id": export},
                 platform=True)
    return {**tenant_view(row), "export_id": export}
