"""The SIASN link's API schemas. Secrets are load-only: no schema can dump them."""

import marshmallow as ma

from app.models.siasn import SIASN_KINDS
from app.web.inputs import StrippedString


class SettingsInSchema(ma.Schema):
    base_url = StrippedString(required=True, validate=ma.validate.Length(max=300),
                              metadata={"description": "API gateway, e.g. https://apimws.bkn.go.id:8243"})
    sso_url = StrippedString(load_default=None, allow_none=True, validate=ma.validate.Length(max=300),
                             metadata={"description": "SSO server (default: base_url)"})
    client_id = StrippedString(required=True, validate=ma.validate.Length(min=1, max=100))
    instansi_id = StrippedString(required=True, validate=ma.validate.Length(min=1, max=64))
    consumer_key = ma.fields.String(load_only=True, load_default=None, validate=ma.validate.Length(max=500),
                                    metadata={"description": "write-only; empty keeps the stored one"})
    consumer_secret = ma.fields.String(load_only=True, load_default=None, validate=ma.validate.Length(max=500))
    username = ma.fields.String(load_only=True, load_default=None, validate=ma.validate.Length(max=200))
    password = ma.fields.String(load_only=True, load_default=None, validate=ma.validate.Length(max=500))


class SecretsSetSchema(ma.Schema):
    consumer_key = ma.fields.Boolean()
    consumer_secret = ma.fields.Boolean()
    username = ma.fields.Boolean()
    password = ma.fields.Boolean()


class SettingsOutSchema(ma.Schema):
    configured = ma.fields.Boolean()
    base_url = ma.fields.String(allow_none=True)
    sso_url = ma.fields.String(allow_none=True)
    client_id = ma.fields.String(allow_none=True)
    instansi_id = ma.fields.String(allow_none=True)
    secrets_set = ma.fields.Nested(SecretsSetSchema, metadata={"description": "which are stored"})
    checked_at = ma.fields.DateTime(allow_none=True)
    check_ok = ma.fields.Boolean(allow_none=True)
    check_message = ma.fields.String(allow_none=True)
    updated_at = ma.fields.DateTime(allow_none=True)
    updated_by = ma.fields.String(allow_none=True)


class MappingInSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(SIASN_KINDS))
    latihan_struktural_id = StrippedString(load_default=None, allow_none=True, validate=ma.validate.Length(max=64))
    jenis_diklat_id = ma.fields.Integer(load_default=None, allow_none=True, strict=True)


class MappingSchema(ma.Schema):
    program_id = ma.fields.Integer()
    program_code = ma.fields.String()
    program_name = ma.fields.String()
    program_type = ma.fields.String()
    kind = ma.fields.String()
    latihan_struktural_id = ma.fields.String(allow_none=True)
    jenis_diklat_id = ma.fields.Integer(allow_none=True)
    reference_name = ma.fields.String(allow_none=True)
    source = ma.fields.String(metadata={"description": "program (its own row) or default (by program type)"})


class MappingListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MappingSchema))


class QueuedSchema(ma.Schema):
    queued = ma.fields.Integer()
    skipped = ma.fields.Integer()
    jobs = ma.fields.List(ma.fields.String())


class PushRowSchema(ma.Schema):
    id = ma.fields.Integer(metadata={"description": "enrolment id"})
    employee_id = ma.fields.Integer()
    nip = ma.fields.String()
    name = ma.fields.String()
    status = ma.fields.String()
    certificate_number = ma.fields.String(allow_none=True)
    jp_earned = ma.fields.Integer(allow_none=True)
    state = ma.fields.String(allow_none=True)
    action = ma.fields.String(allow_none=True)
    kind = ma.fields.String(allow_none=True)
    siasn_id = ma.fields.String(allow_none=True)
    message = ma.fields.String(allow_none=True, metadata={"description": "SIASN's own words when it refused"})
    sent_at = ma.fields.DateTime(allow_none=True)
    attempts = ma.fields.Integer(allow_none=True)


class PushListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PushRowSchema))


class SideSchema(ma.Schema):
    kind = ma.fields.String()
    siasn_id = ma.fields.String(allow_none=True)
    jp_entry_id = ma.fields.Integer()
    enrolment_id = ma.fields.Integer(allow_none=True)
    nama = ma.fields.String(allow_none=True)
    nomor = ma.fields.String(allow_none=True)
    jumlah_jam = ma.fields.Integer(allow_none=True)
    tahun = ma.fields.Integer(allow_none=True)
    tanggal_mulai = ma.fields.Date(allow_none=True)
    tanggal_selesai = ma.fields.Date(allow_none=True)


class PersonSchema(ma.Schema):
    id = ma.fields.Integer()
    nip = ma.fields.String()
    name = ma.fields.String()


class CompareRowSchema(ma.Schema):
    status = ma.fields.String(metadata={"description": "same, different, siasn_only, local_only"})
    ours = ma.fields.Nested(SideSchema, allow_none=True)
    theirs = ma.fields.Nested(SideSchema, allow_none=True)
    differences = ma.fields.List(ma.fields.String())
    employee = ma.fields.Nested(PersonSchema)


class CompareSchema(ma.Schema):
    employee = ma.fields.Nested(PersonSchema)
    cohort_id = ma.fields.Integer()
    rows = ma.fields.List(ma.fields.Nested(CompareRowSchema))
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class SendOursSchema(ma.Schema):
    jp_entry_id = ma.fields.Integer(required=True, strict=True)


class TakeTheirsSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(SIASN_KINDS))
    siasn_id = StrippedString(required=True, validate=ma.validate.Length(min=1, max=64))


class TakenSchema(ma.Schema):
    jp_entry_id = ma.fields.Integer()
    created = ma.fields.Boolean()


class ExportArgsSchema(ma.Schema):
    format = ma.fields.String(required=True, validate=ma.validate.OneOf(("xlsx", "csv")))
    cohort_id = ma.fields.Integer(load_default=None, strict=False)
    year = ma.fields.Integer(load_default=None, strict=False, validate=ma.validate.Range(min=2000, max=2100))
