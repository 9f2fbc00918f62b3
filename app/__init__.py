"""Kompeten: competency-development records for Indonesian regions, one PostgreSQL schema per region."""

from __future__ import annotations

from flask import Flask

from app.config import Config


def create_app(config: dict | None = None) -> Flask:
    """The factory only wires: config, extensions, the tenant seam, blueprints. No I/O here."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(Config().as_dict())
    if config:
        app.config.from_mapping(config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        raise RuntimeError(
            "DATABASE_URL is not set. Use the `kompeten` command (it starts the embedded PostgreSQL and Redis "
            "when no URL is given) or set DATABASE_URL and REDIS_URL."
        )
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set (the `kompeten` command generates one under the instance dir).")

    from app import auth, authz, inputs, logs, models, problems, security, tenancy  # noqa: F401  (models: register tables)
    from app.api import make_admin_api, make_api
    from app.extensions import db

    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"], app.config["LOG_FILE"])
    db.init_app(app)
    logs.install(app)
    tenancy.install(app)
    auth.install(app)
    authz.install(app)
    security.install(app)
    problems.register(app)
    api = make_api(app)
    admin_api = make_admin_api(app)
    inputs.install(app, api, admin_api)

    from app.blueprints import discover

    for module in discover():
        if hasattr(module, "blp"):
            api.register_blueprint(module.blp)  # a tenant API blueprint (flask-smorest)
        if hasattr(module, "admin_blp"):
            admin_api.register_blueprint(module.admin_blp)  # the vendors' admin API (its own document)
        if hasattr(module, "bp"):
            app.register_blueprint(module.bp)  # pages and non-API routes

    from app.blueprints.pages import nav, views

    nav.register(app)  # the region's menu in every page
    views.register(app)  # page filters: times in WIB, Indonesian numbers

    from app.services import audit, rollups

    audit.install()
    rollups.install()  # refreshes a region's rollup figures (debounced) after its data changes

    from app.cli import register_commands

    register_commands(app)
    return app
