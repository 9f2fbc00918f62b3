"""Who may call what: the role × endpoint matrix, written by hand.

This table is an independent statement of intent. It is deliberately NOT derived from app.authz (a table
generated from the code under test would agree with any mistake in it). tests/auth/test_matrix.py calls every
(rule, method) below as every caller and checks the outcome; it also fails when the app has a route that is
missing here, or when this table names a route the app does not have. Adding a route therefore means adding
a line here, i.e. deciding who may call it.

Skipped: `/static/<path:filename>` and the HEAD / OPTIONS methods that Flask adds to every rule.
"""

from __future__ import annotations

# --- outcomes -------------------------------------------------------------------------------------------------
ALLOW = "allow"  # any status except 401/403 and 5xx (the body is `{}`, so 400/404/405/409/422 are fine)
UNAUTH = "401"  # exactly 401: not logged in here (anonymous, another tenant's token, a platform token on a tenant)
FORBID = "403"  # exactly 403: logged in, but the role may not
TO_LOGIN = "302"  # an HTML page: a redirect (302/303) to the login form, with ?next= this page, instead of a 401

# --- callers ---------------------------------------------------------------------------------------------------
TENANT_ROLES = ("admin", "operator", "viewer", "employee")  # users of Kota Malang; the operator is not OPD-scoped
PLATFORM_ROLES = ("vendor", "province", "national")  # platform.users; the province user is bound to 35 (Jawa Timur)
OTHER_TENANT = "admin_of_kab_serang"  # a Kab. Serang admin's token, sent to /t/kota-malang/... URLs
CALLERS = ("anonymous", *TENANT_ROLES, OTHER_TENANT, *PLATFORM_ROLES)


def _tenant(*, anonymous: str = UNAUTH, strangers: str = UNAUTH, **roles: str) -> dict[str, str]:
    """A tenant route: the four roles as given; everyone not logged in to this tenant gets `strangers`."""
    if set(roles) != set(TENANT_ROLES):
        raise ValueError(f"state every tenant role, got {sorted(roles)}")
    return {"anonymous": anonymous, **roles, OTHER_TENANT: strangers, **dict.fromkeys(PLATFORM_ROLES, strangers)}


def _platform(**roles: str) -> dict[str, str]:
    """A platform route (no tenant in the URL): tenant tokens are unknown there, so tenant callers get 401."""
    if set(roles) != set(PLATFORM_ROLES):
        raise ValueError(f"state every platform role, got {sorted(roles)}")
    return {"anonymous": UNAUTH, **dict.fromkeys(TENANT_ROLES, UNAUTH), OTHER_TENANT: UNAUTH, **roles}


# --- access classes: class -> {caller: outcome} ----------------------------------------------------------------
ACCESS: dict[str, dict[str, str]] = {
    # anyone, logged in or not, any tenant or none (login forms, API docs, health checks)
    "public": dict.fromkeys(CALLERS, ALLOW),
    # training data: read by staff, not by employees
    "training_read": _tenant(admin=ALLOW, operator=ALLOW, viewer=ALLOW, employee=FORBID),
    "training_write": _tenant(admin=ALLOW, operator=ALLOW, viewer=FORBID, employee=FORBID),
    # the organisation itself (OPDs): admins only
    "org_manage": _tenant(admin=ALLOW, operator=FORBID, viewer=FORBID, employee=FORBID),
    "users_manage": _tenant(admin=ALLOW, operator=FORBID, viewer=FORBID, employee=FORBID),
    "audit_read": _tenant(admin=ALLOW, operator=FORBID, viewer=FORBID, employee=FORBID),
    # one's own account, profile, trainings: every logged-in user of this tenant
    "self": _tenant(admin=ALLOW, operator=ALLOW, viewer=ALLOW, employee=ALLOW),
    # an HTML page of the tenant for any logged-in user; everyone else is sent to the login form
    "page_self": _tenant(anonymous=TO_LOGIN, strangers=TO_LOGIN,
                         admin=ALLOW, operator=ALLOW, viewer=ALLOW, employee=ALLOW),
    # HTML pages for staff: a role without the permission gets a 403 page; strangers go to the login form
    "page_training_read": _tenant(anonymous=TO_LOGIN, strangers=TO_LOGIN,
                                  admin=ALLOW, operator=ALLOW, viewer=ALLOW, employee=FORBID),
    "page_training_write": _tenant(anonymous=TO_LOGIN, strangers=TO_LOGIN,
                                   admin=ALLOW, operator=ALLOW, viewer=FORBID, employee=FORBID),
    "page_org_manage": _tenant(anonymous=TO_LOGIN, strangers=TO_LOGIN,
                               admin=ALLOW, operator=FORBID, viewer=FORBID, employee=FORBID),
    "page_users_manage": _tenant(anonymous=TO_LOGIN, strangers=TO_LOGIN,
                                 admin=ALLOW, operator=FORBID, viewer=FORBID, employee=FORBID),
    "page_audit_read": _tenant(anonymous=TO_LOGIN, strangers=TO_LOGIN,
                               admin=ALLOW, operator=FORBID, viewer=FORBID, employee=FORBID),
    # any platform user (their own session / identity); never a tenant user
    "platform_self": _platform(vendor=ALLOW, province=ALLOW, national=ALLOW),
    # rollups (aggregates only): province users of THAT province (the matrix fills province code 35, the
    # province caller's own) and national users; the vendor may not. Another province → 403 (tests/rollups).
    "rollups_province": _platform(vendor=FORBID, province=ALLOW, national=ALLOW),
    "rollups_national": _platform(vendor=FORBID, province=FORBID, national=ALLOW),
    # their HTML pages: anyone not logged in to the platform (tenant tokens included) is sent to the login form
    "page_rollups_province": {**_platform(vendor=FORBID, province=ALLOW, national=ALLOW),
                              "anonymous": TO_LOGIN, **dict.fromkeys(TENANT_ROLES, TO_LOGIN), OTHER_TENANT: TO_LOGIN},
    "page_rollups_national": {**_platform(vendor=FORBID, province=FORBID, national=ALLOW),
                              "anonymous": TO_LOGIN, **dict.fromkeys(TENANT_ROLES, TO_LOGIN), OTHER_TENANT: TO_LOGIN},
    # a platform HTML page: anyone who is not a platform user is sent to the platform login form
    "page_platform_self": {**dict.fromkeys(CALLERS, TO_LOGIN), **dict.fromkeys(PLATFORM_ROLES, ALLOW)},
    # the vendors' admin API: vendor users only (province and national users are refused; tenant tokens are unknown
    # outside their region, hence 401 like anonymous callers)
    "platform_admin": _platform(vendor=ALLOW, province=FORBID, national=FORBID),
    # the vendors' job dashboard (HTML): vendors only; other platform users get a 403 page, everyone else the login form
    "page_platform_admin": {**dict.fromkeys(CALLERS, TO_LOGIN), "vendor": ALLOW, "province": FORBID,
                            "national": FORBID},
    # /metrics: no login of any kind is a scrape token
    "metrics_scrape": dict.fromkeys(CALLERS, UNAUTH),
}

# --- the routes: (rule, method) -> access class ----------------------------------------------------------------
T = "/t/<tenant_slug>"
API = f"{T}/api/v1"

MATRIX: dict[tuple[str, str], str] = {
    # health (load balancers)
    ("/healthz", "GET"): "public",
    ("/readyz", "GET"): "public",
    # Prometheus: only a configured scrape token or network (tests/ops/test_metrics.py); every login is refused
    ("/metrics", "GET"): "metrics_scrape",
    # the vendors' job dashboard: queues, workers, failed jobs; retry and cancel (audited)
    ("/ops/jobs", "GET"): "page_platform_admin",
    ("/ops/jobs/<job_id>/retry", "POST"): "page_platform_admin",
    ("/ops/jobs/<job_id>/cancel", "POST"): "page_platform_admin",
    ("/admin/api/v1/jobs", "GET"): "platform_admin",
    ("/admin/api/v1/jobs/<job_id>/retry", "POST"): "platform_admin",
    ("/admin/api/v1/jobs/<job_id>/cancel", "POST"): "platform_admin",
    ("/favicon.ico", "GET"): "public",
    # the platform (vendor, province, national): pages and JSON login
    # Its pages, like a region's, send anyone not logged in to the platform to the platform's login form.
    ("/", "GET"): "page_platform_self",
    ("/login", "GET"): "public",
    ("/login", "POST"): "public",
    ("/logout", "POST"): "page_platform_self",
    ("/api/v1/auth/login", "POST"): "public",
    ("/api/v1/auth/logout", "POST"): "platform_self",
    ("/api/v1/auth/whoami", "GET"): "platform_self",
    # the platform API's own OpenAPI document (platform logins, rollups) is public like the others
    ("/api/v1/openapi.json", "GET"): "public",
    ("/api/v1/docs", "GET"): "public",
    # rollups across tenants (province and national views)
    ("/p/<province_code>/api/v1/rollups", "GET"): "rollups_province",
    ("/national/api/v1/rollups", "GET"): "rollups_national",
    ("/p/<province_code>/", "GET"): "page_rollups_province",
    ("/p/<province_code>/api/v1/rollups/regions/<slug>", "GET"): "rollups_province",
    ("/p/<province_code>/wilayah/<slug>/", "GET"): "page_rollups_province",
    ("/national/", "GET"): "page_rollups_national",
    # the vendors' admin API (issue 9): vendor tokens only; its own OpenAPI document is public like a region's
    ("/admin/api/v1/openapi.json", "GET"): "public",
    ("/admin/api/v1/docs", "GET"): "public",
    ("/admin/api/v1/tenants", "GET"): "platform_admin",
    ("/admin/api/v1/tenants", "POST"): "platform_admin",
    ("/admin/api/v1/tenants/<slug>", "GET"): "platform_admin",
    ("/admin/api/v1/tenants/<slug>", "DELETE"): "platform_admin",
    ("/admin/api/v1/tenants/<slug>/suspend", "POST"): "platform_admin",
    ("/admin/api/v1/tenants/<slug>/resume", "POST"): "platform_admin",
    ("/admin/api/v1/tenants/<slug>/upgrade", "POST"): "platform_admin",
    ("/admin/api/v1/tenants/<slug>/rollups/refresh", "POST"): "platform_admin",
    ("/admin/api/v1/tenants/<slug>/archive", "POST"): "platform_admin",
    ("/admin/api/v1/tenants/<slug>/export", "POST"): "platform_admin",
    ("/admin/api/v1/exports/<int:export_id>", "GET"): "platform_admin",
    ("/admin/api/v1/exports/<int:export_id>/download", "GET"): "platform_admin",
    # a region's pages
    (f"{T}/", "GET"): "page_self",
    (f"{T}/login", "GET"): "public",
    (f"{T}/login", "POST"): "public",
    (f"{T}/logout", "POST"): "page_self",
    # catalogue and cohort pages (cohort_pages)
    (f"{T}/katalog", "GET"): "page_training_read",
    (f"{T}/katalog/mitra", "POST"): "page_training_write",
    (f"{T}/katalog/program/baru", "GET"): "page_training_write",
    (f"{T}/katalog/program/baru", "POST"): "page_training_write",
    (f"{T}/katalog/program/<int:program_id>/ubah", "GET"): "page_training_write",
    (f"{T}/katalog/program/<int:program_id>/ubah", "POST"): "page_training_write",
    (f"{T}/angkatan", "GET"): "page_training_read",
    (f"{T}/angkatan/baru", "GET"): "page_training_write",
    (f"{T}/angkatan/baru", "POST"): "page_training_write",
    (f"{T}/angkatan/<int:cohort_id>", "GET"): "page_training_read",
    (f"{T}/angkatan/<int:cohort_id>/ubah", "GET"): "page_training_write",
    (f"{T}/angkatan/<int:cohort_id>/ubah", "POST"): "page_training_write",
    (f"{T}/angkatan/<int:cohort_id>/peserta", "GET"): "page_training_read",
    (f"{T}/angkatan/<int:cohort_id>/peserta", "POST"): "page_training_write",
    (f"{T}/angkatan/<int:cohort_id>/peserta/banyak", "POST"): "page_training_write",
    (f"{T}/angkatan/<int:cohort_id>/peserta/lembar-hasil", "GET"): "page_training_read",
    (f"{T}/angkatan/<int:cohort_id>/peserta/lembar-hasil", "POST"): "page_training_write",
    (f"{T}/angkatan/<int:cohort_id>/peserta/status-massal", "POST"): "page_training_write",
    (f"{T}/angkatan/<int:cohort_id>/proses/<int:run_id>", "GET"): "page_training_read",
    (f"{T}/angkatan/<int:cohort_id>/peserta/<int:enrolment_id>/status", "POST"): "page_training_write",
    (f"{T}/angkatan/<int:cohort_id>/presensi", "GET"): "page_training_read",
    (f"{T}/angkatan/<int:cohort_id>/presensi/<day>", "GET"): "page_training_read",
    (f"{T}/angkatan/<int:cohort_id>/presensi/<day>", "POST"): "page_training_write",
    (f"{T}/angkatan/<int:cohort_id>/hasil", "GET"): "page_training_read",
    (f"{T}/angkatan/<int:cohort_id>/hasil/<int:enrolment_id>/fase/<int:phase_id>", "POST"): "page_training_write",
    (f"{T}/impor/baru", "GET"): "page_training_write",
    (f"{T}/impor/baru", "POST"): "page_training_write",
    (f"{T}/impor/<int:run_id>", "GET"): "page_training_read",
    (f"{T}/set-password/<token>", "GET"): "public",
    (f"{T}/set-password/<token>", "POST"): "public",
    # the region's web interface (issue 10): dashboard above, employees, reports, users, audit, imports
    (f"{T}/saya", "GET"): "page_self",
    # STTPP certificates: a cohort's, the template, one's own, and the public verification page
    (f"{T}/angkatan/<int:cohort_id>/sertifikat", "GET"): "page_training_read",
    (f"{T}/angkatan/<int:cohort_id>/sertifikat", "POST"): "page_training_write",
    (f"{T}/angkatan/<int:cohort_id>/sertifikat/zip", "POST"): "page_training_read",
    (f"{T}/angkatan/<int:cohort_id>/sertifikat/zip/<job_id>/<token>", "GET"): "page_training_read",
    (f"{T}/angkatan/<int:cohort_id>/sertifikat/zip/<token>.zip", "GET"): "page_training_read",
    (f"{T}/sertifikat/<int:certificate_id>.pdf", "GET"): "page_training_read",
    (f"{T}/sertifikat/templat", "GET"): "page_org_manage",
    (f"{T}/sertifikat/templat", "POST"): "page_org_manage",
    (f"{T}/sertifikat/templat/logo", "POST"): "page_org_manage",
    (f"{T}/sertifikat/templat/contoh.pdf", "GET"): "page_org_manage",
    (f"{T}/sertifikat/penerbit", "POST"): "page_org_manage",
    (f"{T}/saya/sertifikat", "GET"): "page_self",
    (f"{T}/saya/sertifikat/<int:certificate_id>.pdf", "GET"): "page_self",
    (f"{T}/verifikasi/<code>", "GET"): "public",
    (f"{T}/pegawai", "GET"): "page_training_read",
    (f"{T}/pegawai/baru", "GET"): "page_training_write",
    (f"{T}/pegawai/belum-lengkap", "GET"): "page_training_read",
    (f"{T}/pegawai/baru", "POST"): "page_training_write",
    (f"{T}/pegawai/<nip>", "GET"): "page_training_read",
    (f"{T}/pegawai/<nip>/ubah", "GET"): "page_training_write",
    (f"{T}/pegawai/<nip>/ubah", "POST"): "page_training_write",
    (f"{T}/pegawai/<nip>/jp", "POST"): "page_training_write",
    (f"{T}/laporan", "GET"): "page_training_read",
    (f"{T}/impor", "GET"): "page_training_read",
    (f"{T}/pengguna", "GET"): "page_users_manage",
    (f"{T}/pengguna/undang", "GET"): "page_users_manage",
    (f"{T}/pengguna/undang", "POST"): "page_users_manage",
    (f"{T}/pengguna/<int:user_id>", "GET"): "page_users_manage",
    (f"{T}/pengguna/<int:user_id>", "POST"): "page_users_manage",
    (f"{T}/pengguna/<int:user_id>/nonaktifkan", "POST"): "page_users_manage",
    (f"{T}/pengguna/<int:user_id>/aktifkan", "POST"): "page_users_manage",
    (f"{T}/pengguna/<int:user_id>/reset-sandi", "POST"): "page_users_manage",
    (f"{T}/pengguna/<int:user_id>/sesi/cabut", "POST"): "page_users_manage",
    (f"{T}/audit", "GET"): "page_audit_read",
    # the API's own documentation
    (f"{API}/openapi.json", "GET"): "public",
    (f"{API}/docs", "GET"): "public",
    # JSON login of a region
    (f"{API}/auth/login", "POST"): "public",
    (f"{API}/auth/logout", "POST"): "self",
    (f"{API}/auth/whoami", "GET"): "self",
    (f"{API}/auth/set-password", "POST"): "public",  # carries its one-time link's secret in the body
    # one's own account
    (f"{API}/me", "GET"): "self",
    (f"{API}/me/password", "POST"): "self",
    (f"{API}/me/sessions", "GET"): "self",
    (f"{API}/me/sessions/revoke-others", "POST"): "self",
    (f"{API}/me/sessions/<id_prefix>/revoke", "POST"): "self",
    (f"{API}/me/tokens", "GET"): "self",
    (f"{API}/me/tokens", "POST"): "self",
    (f"{API}/me/tokens/<int:token_id>", "DELETE"): "self",
    # one's own ASN record (employees)
    (f"{API}/me/profile", "GET"): "self",
    (f"{API}/me/trainings", "GET"): "self",
    (f"{API}/me/jp", "GET"): "self",
    # one's own STTPP certificates (certificates)
    (f"{API}/me/certificates", "GET"): "self",
    (f"{API}/me/certificates/<int:certificate_id>/pdf", "GET"): "self",
    # the region's users
    (f"{API}/users", "GET"): "users_manage",
    (f"{API}/users", "POST"): "users_manage",
    (f"{API}/users/<int:user_id>", "GET"): "users_manage",
    (f"{API}/users/<int:user_id>", "PATCH"): "users_manage",
    (f"{API}/users/<int:user_id>/reset-password", "POST"): "users_manage",
    (f"{API}/users/<int:user_id>/disable", "POST"): "users_manage",
    (f"{API}/users/<int:user_id>/enable", "POST"): "users_manage",
    (f"{API}/users/<int:user_id>/sessions", "GET"): "users_manage",
    (f"{API}/users/<int:user_id>/sessions/revoke", "POST"): "users_manage",
    # the audit log
    (f"{API}/audit-log", "GET"): "audit_read",
    # OPDs
    (f"{API}/opds", "GET"): "training_read",
    (f"{API}/opds", "POST"): "org_manage",
    (f"{API}/opds/<int:opd_id>", "GET"): "training_read",
    (f"{API}/opds/<int:opd_id>", "PATCH"): "org_manage",
    (f"{API}/opds/<int:opd_id>/deactivate", "POST"): "org_manage",
    (f"{API}/opds/<int:opd_id>/merge", "POST"): "org_manage",
    # yearly training targets (rollups): staff read, admins set
    (f"{API}/targets", "GET"): "training_read",
    (f"{API}/targets/<int:year>", "PUT"): "org_manage",
    (f"{API}/targets/<int:year>", "DELETE"): "org_manage",
    # employees and their JP
    (f"{API}/employees", "GET"): "training_read",
    (f"{API}/employees", "POST"): "training_write",
    (f"{API}/employees/<nip>", "GET"): "training_read",
    (f"{API}/employees/<nip>", "PATCH"): "training_write",
    (f"{API}/employees/<nip>/deactivate", "POST"): "training_write",
    (f"{API}/employees/<nip>/jp", "GET"): "training_read",
    (f"{API}/employees/<nip>/jp-entries", "POST"): "training_write",
    # the catalogue
    (f"{API}/partners", "GET"): "training_read",
    (f"{API}/partners", "POST"): "training_write",
    (f"{API}/partners/<int:partner_id>", "GET"): "training_read",
    (f"{API}/programs", "GET"): "training_read",
    (f"{API}/programs", "POST"): "training_write",
    (f"{API}/programs/<int:program_id>", "GET"): "training_read",
    (f"{API}/programs/<int:program_id>", "PATCH"): "training_write",
    # cohorts, phases, attendance
    (f"{API}/cohorts", "GET"): "training_read",
    (f"{API}/cohorts", "POST"): "training_write",
    (f"{API}/cohorts/<int:cohort_id>", "GET"): "training_read",
    (f"{API}/cohorts/<int:cohort_id>", "PATCH"): "training_write",
    (f"{API}/cohorts/<int:cohort_id>/phases", "PUT"): "training_write",
    (f"{API}/cohorts/<int:cohort_id>/attendance", "GET"): "training_read",
    (f"{API}/cohorts/<int:cohort_id>/attendance/<day>", "GET"): "training_read",
    (f"{API}/cohorts/<int:cohort_id>/attendance/<day>", "PUT"): "training_write",
    # enrolments
    (f"{API}/cohorts/<int:cohort_id>/enrolments", "GET"): "training_read",
    (f"{API}/cohorts/<int:cohort_id>/enrolments", "POST"): "training_write",
    (f"{API}/enrolments/<int:enrolment_id>", "GET"): "training_read",
    (f"{API}/enrolments/<int:enrolment_id>", "PATCH"): "training_write",
    (f"{API}/cohorts/<int:cohort_id>/enrolments/bulk", "POST"): "training_write",
    (f"{API}/cohorts/<int:cohort_id>/enrolments/bulk-file", "POST"): "training_write",
    (f"{API}/cohorts/<int:cohort_id>/enrolments/bulk-status", "POST"): "training_write",
    (f"{API}/cohorts/<int:cohort_id>/results-sheet", "GET"): "training_read",
    (f"{API}/cohorts/<int:cohort_id>/results-sheet", "POST"): "training_write",
    (f"{API}/cohorts/<int:cohort_id>/bulk-runs/<int:run_id>", "GET"): "training_read",
    (f"{API}/enrolments/<int:enrolment_id>/transition", "POST"): "training_write",
    (f"{API}/enrolments/<int:enrolment_id>/phase-results/<int:phase_id>", "PUT"): "training_write",
    # bulk imports (run by workers)
    (f"{API}/imports", "GET"): "training_read",
    (f"{API}/imports/pppk-enrolments", "POST"): "training_write",
    (f"{API}/imports/<int:run_id>", "GET"): "training_read",
    (f"{API}/imports/<int:run_id>/errors", "GET"): "training_read",
    (f"{API}/imports/<int:run_id>/cancel", "POST"): "training_write",
    # the SIASN link (issue 21): connection settings are the region's admins'; the rest is training work
    (f"{API}/siasn/settings", "GET"): "org_manage",
    (f"{API}/siasn/settings", "PUT"): "org_manage",
    (f"{API}/siasn/settings/check", "POST"): "org_manage",
    (f"{API}/siasn/mappings", "GET"): "training_read",
    (f"{API}/siasn/mappings/<int:program_id>", "PUT"): "training_write",
    (f"{API}/siasn/cohorts/<int:cohort_id>/push", "POST"): "training_write",
    (f"{API}/siasn/enrolments/<int:enrolment_id>/push", "POST"): "training_write",
    (f"{API}/siasn/cohorts/<int:cohort_id>/pushes", "GET"): "training_read",
    (f"{API}/siasn/employees/<int:employee_id>/compare", "GET"): "training_read",
    (f"{API}/siasn/cohorts/<int:cohort_id>/compare", "GET"): "training_read",
    (f"{API}/siasn/employees/<int:employee_id>/send-ours", "POST"): "training_write",
    (f"{API}/siasn/employees/<int:employee_id>/take-theirs", "POST"): "training_write",
    (f"{API}/siasn/export", "GET"): "training_read",
    (f"{T}/siasn", "GET"): "page_training_read",
    (f"{T}/siasn/pengaturan", "GET"): "page_org_manage",
    (f"{T}/siasn/pengaturan", "POST"): "page_org_manage",
    (f"{T}/siasn/pengaturan/periksa", "POST"): "page_org_manage",
    (f"{T}/siasn/angkatan/<int:cohort_id>", "GET"): "page_training_read",
    (f"{T}/siasn/angkatan/<int:cohort_id>/kirim", "POST"): "page_training_write",
    (f"{T}/siasn/peserta/<int:enrolment_id>/kirim", "POST"): "page_training_write",
    (f"{T}/siasn/angkatan/<int:cohort_id>/banding", "GET"): "page_training_read",
    (f"{T}/siasn/pegawai/<int:employee_id>", "GET"): "page_training_read",
    (f"{T}/siasn/pegawai/<int:employee_id>/kirim", "POST"): "page_training_write",
    (f"{T}/siasn/pegawai/<int:employee_id>/ambil", "POST"): "page_training_write",
    # reconciliation of partner completion reports (run by workers)
    (f"{API}/reconciliations", "GET"): "training_read",
    (f"{API}/reconciliations", "POST"): "training_write",
    (f"{API}/reconciliations/<int:run_id>", "GET"): "training_read",
    (f"{API}/reconciliations/<int:run_id>/rows", "GET"): "training_read",
    (f"{API}/reconciliations/<int:run_id>/download", "GET"): "training_read",
    (f"{API}/reconciliations/<int:run_id>/apply", "POST"): "training_write",
    (f"{API}/reconciliations/<int:run_id>/changes", "GET"): "training_read",
    (f"{T}/rekonsiliasi", "GET"): "page_training_read",
    (f"{T}/rekonsiliasi/baru", "GET"): "page_training_write",
    (f"{T}/rekonsiliasi/baru", "POST"): "page_training_write",
    (f"{T}/rekonsiliasi/<int:run_id>", "GET"): "page_training_read",
    (f"{T}/rekonsiliasi/<int:run_id>/kelas/<klass>", "GET"): "page_training_read",
    (f"{T}/rekonsiliasi/<int:run_id>/kelas/<klass>", "POST"): "page_training_write",
    # reports
    (f"{API}/reports/jp-compliance", "GET"): "training_read",
    (f"{API}/reports/training-recap", "GET"): "training_read",
    (f"{API}/reports/cohorts/<int:cohort_id>/roster", "GET"): "training_read",
    # IP ASN competency dimension (issue 23): staff read, admins keep the weights, exemptions and program mapping
    (f"{API}/ipasn/report", "GET"): "training_read",
    (f"{API}/ipasn/people", "GET"): "training_read",
    (f"{API}/ipasn/employees/<nip>", "GET"): "training_read",
    (f"{API}/ipasn/weights", "GET"): "training_read",
    (f"{API}/ipasn/weights/<int:year>/<post_kind>", "PUT"): "org_manage",
    (f"{API}/ipasn/exemptions", "GET"): "training_read",
    (f"{API}/ipasn/exemptions", "POST"): "org_manage",
    (f"{API}/ipasn/exemptions/<int:exemption_id>", "DELETE"): "org_manage",
    (f"{API}/ipasn/programs/<int:program_id>/mapping", "PUT"): "org_manage",
    (f"{API}/me/ipasn", "GET"): "self",
    (f"{T}/ipasn", "GET"): "page_training_read",
    (f"{T}/ipasn/bobot", "GET"): "page_training_read",
    (f"{T}/ipasn/bobot", "POST"): "page_org_manage",
    (f"{T}/saya/ipasn", "GET"): "page_self",
    # notifications (issue 22): the outbox, settings and templates are the admins'; one's own choice is everyone's
    (f"{API}/notifications/outbox", "GET"): "org_manage",
    (f"{API}/notifications/outbox/<int:message_id>/resend", "POST"): "org_manage",
    (f"{API}/notifications/settings", "GET"): "org_manage",
    (f"{API}/notifications/settings", "PUT"): "org_manage",
    (f"{API}/notifications/templates/<string:kind>", "GET"): "org_manage",
    (f"{API}/notifications/templates/<string:kind>", "PUT"): "org_manage",
    (f"{API}/notifications/templates/<string:kind>", "DELETE"): "org_manage",
    (f"{API}/notifications/templates/<string:kind>/preview", "POST"): "org_manage",
    (f"{API}/notifications/addresses", "PUT"): "org_manage",
    (f"{API}/notifications/opd-contacts/<int:opd_id>", "PUT"): "org_manage",
    (f"{API}/notifications/me", "GET"): "self",
    (f"{API}/notifications/me", "PUT"): "self",
    (f"{T}/notifikasi", "GET"): "page_org_manage",
    (f"{T}/notifikasi/pesan/<int:message_id>", "GET"): "page_org_manage",
    (f"{T}/notifikasi/pesan/<int:message_id>/kirim-ulang", "POST"): "page_org_manage",
    (f"{T}/notifikasi/kirim-ulang-gagal", "POST"): "page_org_manage",
    (f"{T}/notifikasi/pengaturan", "GET"): "page_org_manage",
    (f"{T}/notifikasi/pengaturan", "POST"): "page_org_manage",
    (f"{T}/notifikasi/kontak-opd/<int:opd_id>", "POST"): "page_org_manage",
    (f"{T}/notifikasi/templat/<string:kind>", "GET"): "page_org_manage",
    (f"{T}/notifikasi/templat/<string:kind>", "POST"): "page_org_manage",
    (f"{T}/notifikasi/saya", "GET"): "page_self",
    (f"{T}/notifikasi/saya", "POST"): "page_self",
    # learning submitted by employees (submissions): one's own, and the staff's queue
    (f"{API}/me/submissions", "GET"): "self",
    (f"{API}/me/submissions", "POST"): "self",
    (f"{API}/me/submissions/<int:submission_id>", "GET"): "self",
    (f"{API}/me/submissions/<int:submission_id>/file", "GET"): "self",
    (f"{API}/submissions", "GET"): "training_read",
    (f"{API}/submissions/<int:submission_id>", "GET"): "training_read",
    (f"{API}/submissions/<int:submission_id>/file", "GET"): "training_read",
    (f"{API}/submissions/<int:submission_id>/verify", "POST"): "training_write",
    (f"{API}/submissions/<int:submission_id>/reject", "POST"): "training_write",
    (f"{API}/submissions/<int:submission_id>/correct", "POST"): "training_write",
    (f"{T}/saya/pengajuan", "GET"): "page_self",
    (f"{T}/saya/pengajuan", "POST"): "page_self",
    (f"{T}/saya/pengajuan/<int:submission_id>/berkas", "GET"): "page_self",
    (f"{T}/pengajuan", "GET"): "page_training_read",
    (f"{T}/pengajuan/<int:submission_id>", "GET"): "page_training_read",
    (f"{T}/pengajuan/<int:submission_id>/berkas", "GET"): "page_training_read",
    (f"{T}/pengajuan/<int:submission_id>/verifikasi", "POST"): "page_training_write",
    (f"{T}/pengajuan/<int:submission_id>/tolak", "POST"): "page_training_write",
    (f"{T}/pengajuan/<int:submission_id>/koreksi", "POST"): "page_training_write",
    # planning (issue 23): AKPK needs rounds and needs, the plan, plan lines, cohort budgets. BKPSDM-only writes
    # refuse an OPD-scoped operator in the service (tests/planning); the matrix's operator is not scoped.
    (f"{API}/planning/rounds", "GET"): "training_read",
    (f"{API}/planning/rounds", "POST"): "training_write",
    (f"{API}/planning/rounds/<int:year>", "GET"): "training_read",
    (f"{API}/planning/rounds/<int:year>", "PATCH"): "training_write",
    (f"{API}/planning/rounds/<int:year>/needs", "GET"): "training_read",
    (f"{API}/planning/rounds/<int:year>/needs", "POST"): "training_write",
    (f"{API}/planning/rounds/<int:year>/needs-template", "GET"): "training_read",
    (f"{API}/planning/rounds/<int:year>/needs-file", "POST"): "training_write",
    (f"{API}/planning/needs/<int:need_id>", "GET"): "training_read",
    (f"{API}/planning/needs/<int:need_id>/decision", "POST"): "training_write",
    (f"{API}/planning/employees/<nip>/needs", "GET"): "training_read",
    (f"{API}/planning/plans/<int:year>", "GET"): "training_read",
    (f"{API}/planning/plans/<int:year>/build", "POST"): "training_write",
    (f"{API}/planning/plan-lines", "POST"): "training_write",
    (f"{API}/planning/plan-lines/<int:line_id>", "GET"): "training_read",
    (f"{API}/planning/plan-lines/<int:line_id>", "PATCH"): "training_write",
    (f"{API}/planning/plan-lines/<int:line_id>/cohorts", "POST"): "training_write",
    (f"{API}/planning/plan-lines/<int:line_id>/links", "POST"): "training_write",
    (f"{API}/planning/cohorts/<int:cohort_id>/budget", "GET"): "training_read",
    (f"{API}/planning/cohorts/<int:cohort_id>/budget", "PUT"): "training_write",
    (f"{T}/perencanaan", "GET"): "page_training_read",
    (f"{T}/perencanaan/putaran", "POST"): "page_training_write",
    (f"{T}/perencanaan/<int:year>/kebutuhan", "GET"): "page_training_read",
    (f"{T}/perencanaan/<int:year>/kebutuhan", "POST"): "page_training_write",
    (f"{T}/perencanaan/<int:year>/kebutuhan/templat.xlsx", "GET"): "page_training_read",
    (f"{T}/perencanaan/<int:year>/kebutuhan/unggah", "POST"): "page_training_write",
    (f"{T}/perencanaan/kebutuhan/<int:need_id>/keputusan", "POST"): "page_training_write",
    (f"{T}/perencanaan/<int:year>/tutup", "POST"): "page_training_write",
    (f"{T}/perencanaan/<int:year>/rencana", "GET"): "page_training_read",
    (f"{T}/perencanaan/<int:year>/rencana.xlsx", "GET"): "page_training_read",
    (f"{T}/perencanaan/<int:year>/rencana/susun", "POST"): "page_training_write",
    (f"{T}/perencanaan/baris/<int:line_id>", "POST"): "page_training_write",
    (f"{T}/perencanaan/baris/<int:line_id>/angkatan", "POST"): "page_training_write",
    (f"{T}/perencanaan/angkatan/<int:cohort_id>/biaya", "POST"): "page_training_write",
}
