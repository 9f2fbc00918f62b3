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

    from app import auth, authz, logs, models, problems, security, tenancy  # noqa: F401  (models: register tables)
    from app.areas import areas
    from app.extensions import db
    from app.web import filters, inputs, nav
    from app.web.api import make_admin_api, make_api, make_platform_api

    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"], app.config["LOG_FILE"])
    db.init_app(app)
    from app.services.ops import metrics

    metrics.install(app)  # first: it times and counts every request, the refused ones too
    logs.install(app)
    tenancy.install(app)
    auth.install(app)
    authz.install(app)
    security.install(app)
    problems.register(app)
    api = make_api(app)
    admin_api = make_admin_api(app)
    platform_api = make_platform_api(app)
    inputs.install(app, api, admin_api, platform_api)

    for area in areas():  # what each area declares in app/blueprints/<area>/__init__.py
        for blueprint in area.api:
            api.register_blueprint(blueprint)
        for blueprint in area.admin_api:
            admin_api.register_blueprint(blueprint)
        for blueprint in area.platform_api:
            platform_api.register_blueprint(blueprint)
        for blueprint in area.web:
            app.register_blueprint(blueprint)
        for signal, receiver in area.subscribers:
            signal.connect(receiver, weak=False)
    nav.install(app)  # the region's menu in every page
    filters.install(app)  # times in WIB, Indonesian numbers, the areas' labels

    from app.cli import register_commands

    register_commands(app)
    return app
