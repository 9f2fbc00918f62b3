"""Schemas of the notifications API and pages."""

import marshmallow as ma

from app.models.notifications import NOTIFICATION_KINDS, OPTIONAL_KINDS, OUTBOX_STATUSES, PHASE_REMINDER_DAYS
from app.services.pagination import ListArgsSchema, PageSchema


def _one_of(choices) -> ma.validate.OneOf:
    return ma.validate.OneOf(choices, error="harus salah satu dari: {choices}")


class OutboxArgsSchema(ListArgsSchema):
    status = ma.fields.String(load_default=None, validate=_one_of(OUTBOX_STATUSES))
    kind = ma.fields.String(load_default=None, validate=_one_of(NOTIFICATION_KINDS))
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200),
                         metadata={"description": "part of the recipient's address"})


class OutboxMessageSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    person_key = ma.fields.String()
    object_key = ma.fields.String()
    period = ma.fields.String()
    recipient = ma.fields.String()
    recipient_name = ma.fields.String(allow_none=True)
    subject = ma.fields.String()
    status = ma.fields.String(metadata={"description": "queued | sending | sent | failed"})
    attempts = ma.fields.Integer()
    last_error = ma.fields.String(allow_none=True)
    has_attachment = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    sent_at = ma.fields.DateTime(allow_none=True)
    next_attempt_at = ma.fields.DateTime()
    resent_count = ma.fields.Integer()


class OutboxPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(OutboxMessageSchema))
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class SettingsSchema(ma.Schema):
    sender_name = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=200))
    reply_to = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=254))
    bounce_address = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=254))
    enabled_kinds = ma.fields.List(ma.fields.String(validate=_one_of(NOTIFICATION_KINDS)), load_default=None)
    reminder_days = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=5)), load_default=None,
                                   metadata={"description": "MM-DD days (WIB) of the 20 JP reminders"})
    phase_reminder_days = ma.fields.Integer(load_default=None, allow_none=True,
                                            validate=ma.validate.Range(min=PHASE_REMINDER_DAYS[0],
                                                                       max=PHASE_REMINDER_DAYS[1]),
                                            metadata={"description": "days before a phase starts that its reminder "
                                                                     "goes (1-30, default 3)"})


class TemplateSchema(ma.Schema):
    subject = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=300))
    body_text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=50_000))
    body_html = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100_000))


class TemplateOutSchema(TemplateSchema):
    kind = ma.fields.String()
    own = ma.fields.Boolean(metadata={"description": "false: the shipped default"})


class PreviewSchema(ma.Schema):
    subject = ma.fields.String()
    body_text = ma.fields.String()
    body_html = ma.fields.String()


class AddressSchema(ma.Schema):
    nip = ma.fields.String(required=True, validate=ma.validate.Length(equal=18))
    email = ma.fields.String(load_default="", validate=ma.validate.Length(max=254),
                             metadata={"description": "empty: remove the address"})


class AddressesSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AddressSchema), required=True,
                           validate=ma.validate.Length(min=1, max=20_000))


class AddressesResultSchema(ma.Schema):
    set = ma.fields.Integer()
    removed = ma.fields.Integer()


class OpdContactSchema(ma.Schema):
    name = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=200))
    email = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=254))


class OpdContactOutSchema(OpdContactSchema):
    opd_id = ma.fields.Integer()
    opd_name = ma.fields.String()


class ReminderRunSchema(ma.Schema):
    day = ma.fields.Date(load_default=None, metadata={"description": "the reminder day (default: today, WIB)"})


class PreferencesSchema(ma.Schema):
    enabled = ma.fields.List(ma.fields.String(validate=_one_of(OPTIONAL_KINDS)), load_default=list)
