"""Users made from the command line: `kompeten users create`, `kompeten platform-users create`, and the demo's
users (an admin, an OPD-scoped operator, a viewer and an employee in every demo region; a province user for
Jawa Timur, a vendor and a national viewer on the platform).

Like every service these flush and never commit; the command commits. Passwords are checked by
app.domain.passwords and stored as argon2id hashes; a user made without a password gets a one-time
set-password link (an `invite` token, stored as a SHA-256 digest, valid 7 days) that is shown once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa

from app.auth import new_secret
from app.domain.passwords import PasswordRejected, check_password
from app.extensions import db
from app.models.accounts import PLATFORM_ROLES, PlatformUser, User
from app.models.employees import Employee, Opd
from app.problems import Problem
from app.services.accounts.hashing import hash_password
from app.services.audit import log as audit
from app.tenancy import TenantNotFound, TenantUnavailable, current_tenant, no_tenant, tenant_context

log = logging.getLogger(__name__)

INVITE_DAYS = 7
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
PROVINCE_RE = re.compile(r"^\d{2}$")





def _check_username(username: str) -> str:
    username = username.strip()
    if not USERNAME_RE.fullmatch(username):
        raise Problem.invalid(field="username", reason="Nama pengguna 2-64 karakter: huruf kecil, angka, titik, "
                                                       "garis bawah, tanda hubung.")
    return username


def _check_password(password: str, username: str, context: tuple[str, ...] = ()) -> str:
    try:
        check_password(password, username=username, context=context)
    except PasswordRejected as exc:
        raise Problem.invalid(field="password", reason=exc.message) from exc
    return hash_password(password)


def generate_password(*usernames: str) -> str:
    """A random password that passes the password rules for every one of `usernames`."""
    while True:
        password = new_secret(12)  # 16 URL-safe characters, ~96 bits
        try:
            for username in usernames or ("",):
                check_password(password, username=username)
        except PasswordRejected:
            continue
        return password


def create_tenant_user(username: str, role: str, *, full_name: str, opd_ids=(), nip: str | None = None,
                       password: str | None = None) -> tuple[int, str | None]:
    """Add a user to the bound region; returns (user id, one-time set-password path or None).

    The same path as an admin's invitation (app.services.users.manage.invite_user); with a password, the invitation
    is used at once (set_password_with_token), so the user can log in straight away and no link remains.
    """
    from app.services.users import manage as users

    invited = users.invite_user(username=_check_username(username), full_name=full_name, role=role,
                                opd_ids=list(opd_ids) or None, nip=nip)
    user_id, link = invited["user"]["id"], invited["link"]["set_password_url"]
    if password is None:
        return user_id, link
    users.set_password_with_token(link.rsplit("/", 1)[-1], password)
    return user_id, None


def create_platform_user(username: str, role: str, *, full_name: str, province_code: str | None = None,
                         password: str | None = None) -> tuple[int, str]:
    """Add a platform user; returns (user id, password). Without a password one is generated (show it once)."""
    username = _check_username(username)
    if role not in PLATFORM_ROLES:
        raise Problem.invalid(field="role", reason=f"Peran harus salah satu dari: {', '.join(PLATFORM_ROLES)}.")
    if role == "province" and not (province_code and PROVINCE_RE.fullmatch(province_code)):
        raise Problem.invalid(field="province_code",
                              reason="Pengguna provinsi harus punya kode provinsi dua angka (mis. 35).")
    if role != "province" and province_code:
        raise Problem.invalid(field="province_code", reason="Hanya pengguna provinsi yang terikat ke kode provinsi.")
    exists = db.session.execute(sa.select(PlatformUser.id).where(PlatformUser.username == username)).first()
    if exists is not None:
        raise Problem.conflict(field="username", reason="Sudah dipakai oleh pengguna platform lain.")
    password = password if password is not None else generate_password(username)
    user = PlatformUser(username=username, full_name=full_name, role=role, province_code=province_code,
                        password_hash=_check_password(password, username))
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "users", user.id,
                 after={"username": username, "role": role, "province_code": province_code}, platform=True)
    return user.id, password


# --- the demo --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    where: str  # a region slug, or "platform"
    username: str
    role: str
    created: bool
    note: str = ""


TENANT_DEMO_USERS = ("admin", "operator", "viewer", "pegawai")
PLATFORM_DEMO_USERS = (  # username, role, province code, full name
    ("bpsdm-jatim", "province", "35", "BPSDM Provinsi Jawa Timur"),
    ("vendor", "vendor", None, "Operator layanan Kompeten"),
    ("nasional", "national", None, "Peninjau nasional"),
)
DEMO_USERNAMES = (*TENANT_DEMO_USERS, *(u[0] for u in PLATFORM_DEMO_USERS))


def check_demo_password(password: str, slugs=()) -> None:
    """Raise PasswordRejected unless `password` is acceptable for every demo username (and region)."""
    for username in DEMO_USERNAMES:
        check_password(password, username=username, context=tuple(slugs))


def _operator_opd() -> tuple[int, str] | None:
    """The first OPD by name that has (active) employees."""
    row = db.session.execute(
        sa.select(Opd.id, Opd.name).where(Opd.active, sa.exists().where(Employee.opd_id == Opd.id, Employee.active))
        .order_by(Opd.name, Opd.id).limit(1)).first()
    return (row.id, row.name) if row else None


def _demo_employee() -> tuple[str, str] | None:
    """An active employee not yet linked to a user, preferring one with a JP history to look at."""
    row = db.session.execute(sa.text(
        "SELECT e.nip, e.name FROM employees e WHERE e.active "
        "AND NOT EXISTS (SELECT 1 FROM users u WHERE u.nip = e.nip) "
        "ORDER BY (SELECT count(*) FROM jp_entries j WHERE j.employee_id = e.id) DESC, e.id LIMIT 1")).first()
    return (row.nip, row.name) if row else None


def _demo_region_users(password: str) -> list[DemoUser]:
    slug = current_tenant().slug
    existing = {row.username: row.role for row in db.session.execute(
        sa.select(User.username, User.role).where(User.username.in_(TENANT_DEMO_USERS)))}
    lines: list[DemoUser] = []
    for username in TENANT_DEMO_USERS:
        if username in existing:
            lines.append(DemoUser(slug, username, existing[username], False, "already exists (password unchanged)"))
            continue
        if username == "operator":
            opd = _operator_opd()
            if opd is None:
                lines.append(DemoUser(slug, username, "operator", False, "skipped: no OPD with employees"))
                continue
            create_tenant_user(username, "operator", full_name=f"Operator {opd[1]}", opd_ids=(opd[0],),
                               password=password)
            lines.append(DemoUser(slug, username, "operator", True, f"OPD: {opd[1]}"))
        elif username == "pegawai":
            person = _demo_employee()
            if person is None:
                lines.append(DemoUser(slug, username, "employee", False, "skipped: no employee to link"))
                continue
            create_tenant_user(username, "employee", full_name=person[1], nip=person[0], password=password)
            lines.append(DemoUser(slug, username, "employee", True, f"NIP {person[0]} (log in with the NIP too)"))
        else:
            role = username
            create_tenant_user(username, role, full_name=f"Demo {role}", password=password)
            lines.append(DemoUser(slug, username, role, True))
    return lines


def _demo_platform_users(password: str) -> list[DemoUser]:
    lines: list[DemoUser] = []
    for username, role, province, full_name in PLATFORM_DEMO_USERS:
        if db.session.execute(sa.select(PlatformUser.id).where(PlatformUser.username == username)).first():
            lines.append(DemoUser("platform", username, role, False, "already exists (password unchanged)"))
            continue
        create_platform_user(username, role, full_name=full_name, province_code=province, password=password)
        lines.append(DemoUser("platform", username, role, True, f"province {province}" if province else ""))
    return lines


def ensure_demo_users(slugs, password: str) -> list[DemoUser]:
    """Create the demo users that do not exist yet (in each region of `slugs` and on the platform), all with
    `password`; existing users are left alone. Commits per region."""
    check_demo_password(password, slugs)
    lines: list[DemoUser] = []
    for slug in slugs:
        try:
            with tenant_context(slug):
                try:
                    lines += _demo_region_users(password)
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    raise
        except (TenantNotFound, TenantUnavailable) as exc:
            lines.append(DemoUser(slug, "-", "-", False, f"skipped: {exc}"))
    with no_tenant():
        try:
            lines += _demo_platform_users(password)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return lines
