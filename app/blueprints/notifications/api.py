"""The notifications API: the outbox (list, resend), the region's settings and templates, addresses and OPD
contacts, and an employee's own preferences. Admins (org:manage) run it; an employee sets only their own kinds."""

from flask_login import current_user

from app.authz import policy
from app.blueprints.notifications.schemas import (
    AddressesResultSchema,
    AddressesSchema,
    OpdContactOutSchema,
    OpdContactSchema,
    OutboxArgsSchema,
    OutboxMessageSchema,
    OutboxPageSchema,
    PreferencesSchema,
    PreviewSchema,
    SettingsSchema,
    TemplateOutSchema,
    TemplateSchema,
)
from app.services.notifications import outbox, people, sender, templates
from app.tenancy import current_tenant
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

notifications_api = tenant_api_blueprint(
    "notifications", __name__, "notifications",
    "Notifications by e-mail: the outbox, settings, templates, addresses, OPD contacts, one's own preferences.",
    read="org:manage", write="org:manage")


@notifications_api.get("/outbox")
@notifications_api.arguments(OutboxArgsSchema, location="query")
@notifications_api.response(200, OutboxPageSchema)
def list_outbox(args):
    """The region's outbox, newest first, with the count per status."""
    args.pop("sort", None)
    page = outbox.list_messages(**args)
    return {"items": [outbox.message_out(m) for m in page.items], "total": page.total,
            "total_estimated": page.total_estimated, "limit": page.limit, "offset": page.offset,
            "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor, "counts": outbox.counts()}


@notifications_api.post("/outbox/<int:message_id>/resend")
@notifications_api.response(200, OutboxMessageSchema)
def resend(message_id):
    """Send a failed message once more (audited); 409 for one that is not failed."""
    out = commit(outbox.message_out(outbox.resend(message_id)))
    sender.enqueue_delivery()
    return out


@notifications_api.get("/settings")
@notifications_api.response(200, SettingsSchema)
def get_settings():
    return commit(outbox.settings_view())


@notifications_api.put("/settings")
@notifications_api.arguments(SettingsSchema)
@notifications_api.response(200, SettingsSchema)
def put_settings(data):
    """Sender name, reply-to and bounce address, the kinds the region sends, the 20 JP reminder days (MM-DD)."""
    return commit(outbox.update_settings(**data))


@notifications_api.get("/templates/<string:kind>")
@notifications_api.response(200, TemplateOutSchema)
def get_template(kind):
    w, own = templates.wording(kind)
    return {"kind": kind, "own": own, "subject": w.subject, "body_text": w.body_text, "body_html": w.body_html}


@notifications_api.put("/templates/<string:kind>")
@notifications_api.arguments(TemplateSchema)
@notifications_api.response(200, TemplateOutSchema)
def put_template(data, kind):
    """The region's own wording of a kind (Jinja; checked by rendering it with sample values)."""
    templates.check_kind(kind)
    commit(templates.save(kind, region_name=current_tenant().name, **data))
    return get_template(kind)


@notifications_api.delete("/templates/<string:kind>")
@notifications_api.response(200, TemplateOutSchema)
def reset_template(kind):
    """Back to the shipped default."""
    commit(templates.reset(kind))
    return get_template(kind)


@notifications_api.post("/templates/<string:kind>/preview")
@notifications_api.arguments(TemplateSchema)
@notifications_api.response(200, PreviewSchema)
def preview_template(data, kind):
    """A wording rendered with sample values, without saving it."""
    return templates.preview(kind, current_tenant().name, templates.Wording(**data))


@notifications_api.put("/addresses")
@notifications_api.arguments(AddressesSchema)
@notifications_api.response(200, AddressesResultSchema)
def put_addresses(data):
    """Employees' e-mail addresses by NIP (an empty email removes one); all or nothing."""
    return commit(people.set_addresses(data["items"]))


@notifications_api.put("/opd-contacts/<int:opd_id>")
@notifications_api.arguments(OpdContactSchema)
@notifications_api.response(200, OpdContactOutSchema)
def put_opd_contact(data, opd_id):
    """Who receives the OPD's 20 JP digest (no email: nobody)."""
    return commit(people.set_opd_contact(opd_id, **data))


@notifications_api.get("/me")
@notifications_api.response(200, PreferencesSchema)
@policy("self")
def my_preferences():
    """The optional kinds the calling employee receives."""
    return {"enabled": people.my_preferences(current_user.nip)["on"]}


@notifications_api.put("/me")
@notifications_api.arguments(PreferencesSchema)
@notifications_api.response(200, PreferencesSchema)
@policy("self")
def set_my_preferences(data):
    """Turn optional kinds (result, jp_reminder) on or off for oneself."""
    return {"enabled": commit(people.set_my_preferences(current_user.nip, enabled=data["enabled"]))["on"]}
