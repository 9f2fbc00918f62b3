"""Request and response shapes of the admin API (validation of the rules themselves is in the service, so the
API and the CLI give the same field-by-field reasons)."""

import marshmallow as ma

from app.models.platform import TENANT_STATUSES
from app.services.pagination import ListArgsSchema, PageSchema


class PartnerSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "bpsdm | badiklat | lan | other"})


class FirstAdminSchema(ma.Schema):
    username = ma.fields.String(required=True, metadata={"description": "^[a-z0-9][a-z0-9._-]{2,63}$"})
    email = ma.fields.String(load_default=None)
    full_name = ma.fields.String(load_default=None)


class TenantCreateSchema(ma.Schema):
    slug = ma.fields.Raw(metadata={"description": "^[a-z][a-z0-9-]{1,40}$; the schema is t_<slug with _>"})
    name = ma.fields.Raw()
    kind = ma.fields.Raw(metadata={"description": "kota | kabupaten"})
    region_code = ma.fields.Raw(metadata={"description": r"Kemendagri code PP.RR (^\d{2}\.\d{2}$)"})
    province_code = ma.fields.Raw(metadata={"description": "two digits, the region code's first part"})
    province_name = ma.fields.Raw(metadata={"description": "needed only for a province with no region yet"})
    agency = ma.fields.Raw(metadata={"description": "e.g. BKPSDM Kota Malang"})
    partners = ma.fields.List(ma.fields.Raw(), load_default=list)
    first_admin = ma.fields.Raw(metadata={"description": "{username, email, full_name}: invited with a one-time "
                                                         "set-password link (7 days)"})
    restore_from = ma.fields.Integer(load_default=None, metadata={
        "description": "an export id: build the region from that export instead (fields given override the "
                       "export's registry data; no first admin: the users come with the data)"})


class TenantListArgsSchema(ListArgsSchema):
    province_code = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^\d{2}$"))
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(TENANT_STATUSES))


class TenantSchema(ma.Schema):
    id = ma.fields.Integer()
    slug = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    region_code = ma.fields.String()
    province_code = ma.fields.String()
    province_name = ma.fields.String()
    agency = ma.fields.String()
    schema = ma.fields.String()
    status = ma.fields.String()
    schema_version = ma.fields.String(allow_none=True)
    schema_at_head = ma.fields.Boolean()
    last_migration_error = ma.fields.String(allow_none=True)
    archived_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class TenantDetailSchema(TenantSchema):
    size_bytes = ma.fields.Integer()
    tables = ma.fields.Integer()
    employees = ma.fields.Integer(allow_none=True)
    users = ma.fields.Integer(allow_none=True)
    last_activity_at = ma.fields.DateTime(allow_none=True)
    last_rollup_refresh = ma.fields.Dict(allow_none=True)
    last_export = ma.fields.Dict(allow_none=True)


class TenantPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(TenantSchema))


class TenantCreatedSchema(ma.Schema):
    tenant = ma.fields.Nested(TenantSchema)
    first_admin = ma.fields.Dict(metadata={"description": (
        "username, email, purpose, set_password_url, expires_at. An Idempotency-Key replay keeps no link: it "
        "issues a fresh one (link_reissued: true; the earlier link stops working) while the admin has no password "
        "yet, else set_password_url is null and note says why")})
    restored_from = ma.fields.Integer()
    tables = ma.fields.Dict()


class DeleteSchema(ma.Schema):
    confirm = ma.fields.Raw(load_default=None, metadata={"description": "must equal the region's slug"})


class DeletedSchema(TenantSchema):
    export_id = ma.fields.Integer()


class UpgradeSchema(ma.Schema):
    slug = ma.fields.String()
    status = ma.fields.String(metadata={"description": "upgraded | current"})
    before = ma.fields.String(allow_none=True)
    after = ma.fields.String(allow_none=True)
    seconds = ma.fields.Float()
    error = ma.fields.String(allow_none=True)


class ExportSchema(ma.Schema):
    id = ma.fields.Integer()
    tenant = ma.fields.String()
    status = ma.fields.String(metadata={"description": "queued | running | done | failed"})
    tenant_status = ma.fields.String(allow_none=True)
    size_bytes = ma.fields.Integer(allow_none=True)
    sha256 = ma.fields.String(allow_none=True)
    error = ma.fields.String(allow_none=True)
    requested_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)
    schema_version = ma.fields.String(allow_none=True)
    tables = ma.fields.Dict(allow_none=True, metadata={"description": "{table: {rows, sha256}}"})
    links = ma.fields.Dict()
    job_id = ma.fields.String()
