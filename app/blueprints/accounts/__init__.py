"""Logging in and one's own account: region logins (pages and JSON), one-time set-password links, sessions and
personal access tokens; platform users' logins."""

from app.areas import Area
from app.blueprints.accounts import api, pages

AREA = Area(
    name="accounts",
    api=(api.auth_api, api.account_api),
    platform_api=(api.platform_auth_api,),
    web=(pages.bp, pages.platform_bp),
    audit_labels={
        "actions": {"auth.login": "Masuk", "auth.logout": "Keluar",
                    "auth.set_password": "Menyetel kata sandi (tautan sekali pakai)",
                    "auth.change_password": "Mengganti kata sandi", "session.revoke": "Mengakhiri sesi",
                    "token.create": "Membuat token API", "token.revoke": "Mencabut token API"},
        "groups": {"auth.": "Masuk dan kata sandi", "session.": "Sesi", "token.": "Token API"},
        "entities": {"users": "Pengguna", "api_tokens": "Token API"},
        "fields": {"username": "Nama pengguna", "full_name": "Nama lengkap", "email": "Surel", "role": "Peran",
                   "active": "Aktif", "prefix": "Awalan token", "user_id": "Pengguna", "expires_at": "Berlaku sampai",
                   "revoked_at": "Dicabut pada", "revoked_sessions": "Sesi diakhiri",
                   "revoked_tokens": "Token dicabut"},
        "values": {"role": "roles"},
    },
)
