from app.blueprints import tenant_api_blueprint

# Paths under /me/ next to the `account` blueprint's /me, /me/password, /me/sessions and /me/tokens.
blp = tenant_api_blueprint("selfservice", __name__, "me",
                           "Your own ASN record: profile, trainings (with certificates) and JP, linked by NIP.",
                           read="self", write="self")

from app.blueprints.selfservice import routes  # noqa: E402,F401
