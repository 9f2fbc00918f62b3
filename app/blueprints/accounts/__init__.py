"""Logging in and one's own account: region logins (pages and JSON), one-time set-password links, sessions and
personal access tokens; platform users' logins."""

from app.areas import Area
from app.blueprints.accounts import api, pages

AREA = Area(
    name="accounts",
    api=(api.auth_api, api.account_api),
    platform_api=(api.platform_auth_api,),
    web=(pages.bp, pages.platform_bp),
)
