"""Export bundles: a complete, restorable copy of one region's schema, and restoring one into a fresh region.

A bundle is a zip: `manifest.json` (the registry row, the tenant schema's Alembic version, and per table its
columns, row count and the SHA-256 of its CSV) and `tables/<name>.csv`, one per tenant table, written with
`COPY (SELECT * ... ORDER BY <primary key>) TO STDOUT` in one REPEATABLE READ snapshot, in dependency order.
We chose this over pg_dump because pg_dump must match the server's major version (the machines' client is 15,
the embedded server 16) and a bundle can be checked table by table. Restoring re-creates the tables at the
bundle's version, COPYs every CSV back in the same order, resets the sequences, then re-reads every table the
same way and compares row counts and checksums before the region is marked active: a restore either yields
the very same rows or leaves nothing behind.

A bundle agreeing with itself proves nothing (anyone can change a CSV and its checksum in the manifest), so a
bundle is also signed: `manifest.sig` holds an HMAC-SHA256 of `manifest.json`'s exact bytes with a key that is
never in the bundle (KOMPETEN_BUNDLE_KEY, else one derived from SECRET_KEY). Restore checks the zip against the
SHA-256 recorded in `platform.tenant_exports` and the signature before anything is written.

Stored files (the certificates employees upload, kept by app/services/files/storage.py) travel too: a table whose
`info["stored_files"]` names a key column has each key's file written as `files/<key>`, its SHA-256 and size in the
manifest's `files` (signed with it); restore writes them into the new region's store, checking each checksum, and
removes what it wrote when the restore fails.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from flask import current_app
from psycopg import sql

from app.extensions import db
from app.models import tenant_tables
from app.services.admin import migrations
from app.services.files import storage as stores
from app.tenancy import TenantInfo, registry, tenant_context

log = logging.getLogger(__name__)

FORMAT = "kompeten-tenant-export"
FORMAT_VERSION = 2  # 2: signed (manifest.sig); 1: written before signing, checked against the recorded SHA-256
READABLE_VERSIONS = (1, 2)
SIGNATURE = "manifest.sig"
_KEY_CONTEXT = b"kompeten export bundle signing v1"
_CHUNK = 1 << 20


class BundleError(ValueError):
    """A bundle that cannot be restored (missing, altered, or not a Kompeten export)."""


def export_dir() -> Path:
    path = Path(current_app.config.get("EXPORT_DIR") or Path(current_app.config["INSTANCE_DIR"]) / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def signing_key() -> bytes:
    """KOMPETEN_BUNDLE_KEY when set (keep it when SECRET_KEY rotates, or older bundles stop restoring), else a
    key derived from SECRET_KEY for this one purpose."""
    configured = current_app.config.get("BUNDLE_KEY")
    if configured:
        return configured.encode() if isinstance(configured, str) else bytes(configured)
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else bytes(secret)
    return hmac.new(secret, _KEY_CONTEXT, hashlib.sha256).digest()


def _key_id(key: bytes) -> str:
    """A short name of the key (not the key): says which key signed a bundle when it is not this one."""
    return hashlib.sha256(b"key-id:" + key).hexdigest()[:12]


def sign(manifest_bytes: bytes) -> dict:
    key = signing_key()
    return {"alg": "HMAC-SHA256", "key_id": _key_id(key),
            "signature": hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()}


def check_signature(manifest_bytes: bytes, signature: dict) -> None:
    key = signing_key()
    expected = hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()
    given = signature.get("signature") if isinstance(signature, dict) else None
    if signature.get("alg") != "HMAC-SHA256" or not isinstance(given, str) or \
            not hmac.compare_digest(expected, given):
        other = signature.get("key_id") not in (None, _key_id(key))
        raise BundleError("the bundle's signature does not match: " + (
            "it was signed with another key (KOMPETEN_BUNDLE_KEY or SECRET_KEY changed since the export)" if other
            else "its manifest was altered"))


def _order_by(table: sa.Table) -> sql.Composable:
    cols = [c.name for c in table.primary_key.columns] or [c.name for c in table.columns]
    return sql.SQL(", ").join(map(sql.Identifier, cols))


def _copy_out_sql(table: sa.Table) -> sql.Composed:
    return sql.SQL("COPY (SELECT * FROM {} ORDER BY {}) TO STDOUT WITH (FORMAT csv, HEADER true)").format(
        sql.Identifier(table.name), _order_by(table))


def _copy_table(cursor, table: sa.Table, sink) -> tuple[str, int]:
    """Stream one table as CSV into `sink` (or nowhere); returns (sha256, bytes)."""
    digest = hashlib.sha256()
    size = 0
    with cursor.copy(_copy_out_sql(table)) as copy:
        for chunk in copy:
            data = bytes(chunk)
            digest.update(data)
            size += len(data)
            if sink is not None:
                sink.write(data)
    return digest.hexdigest(), size


def _count(cursor, table: sa.Table) -> int:
    return cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table.name))).fetchone()[0]


def table_fingerprints(dbapi_conn) -> dict[str, dict]:
    """{table: {rows, sha256}} of the bound tenant's tables, read exactly as an export writes them."""
    out = {}
    with dbapi_conn.cursor() as cur:
        for table in tenant_tables():
            checksum, _ = _copy_table(cur, table, None)
            out[table.name] = {"rows": _count(cur, table), "sha256": checksum}
    return out


def tenant_fingerprints(tenant: TenantInfo | str | int) -> dict[str, dict]:
    """The fingerprints of one region (any status but deleted), in one snapshot."""
    with tenant_context(tenant, allow_status=("active", "suspended", "archived")), db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            return table_fingerprints(conn.connection.dbapi_connection)


def write_bundle(dbapi_conn, tenant_row: dict, export_id: int) -> tuple[Path, dict]:
    """Write the bound tenant's bundle (the caller holds a REPEATABLE READ transaction); returns (path, manifest)."""
    with dbapi_conn.cursor() as cur:
        version = cur.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        stamp = datetime.now(UTC)
        final = export_dir() / f"{tenant_row['slug']}-{export_id}-{stamp:%Y%m%dT%H%M%SZ}.zip"
        partial = final.with_suffix(".zip.part")
        try:
            manifest = _write_zip(cur, partial, tenant_row, export_id, stamp, version)
        except BaseException:
            partial.unlink(missing_ok=True)  # a failed export leaves no .zip.part behind
            raise
    os.replace(partial, final)
    return final, manifest


def _file_keys(cur) -> list[str]:
    """The stored files the bound region's rows name (in the export's snapshot), sorted."""
    keys: set[str] = set()
    for table in tenant_tables():
        column = table.info.get("stored_files")
        if column:
            keys.update(row[0] for row in cur.execute(sql.SQL("SELECT {} FROM {} WHERE {} IS NOT NULL").format(
                sql.Identifier(column), sql.Identifier(table.name), sql.Identifier(column))))
    return sorted(keys)


def _write_files(cur, zf: zipfile.ZipFile, slug: str) -> tuple[list[dict], list[str]]:
    """Each stored file as `files/<key>`: ([{key, sha256, bytes}], keys whose file is missing from the store)."""
    store = stores.storage()
    written, missing = [], []
    for key in _file_keys(cur):
        try:
            data = store.get(slug, key)
        except stores.FileMissing:
            log.warning("export of %s: stored file %s is missing; the bundle says so", slug, key)
            missing.append(key)
            continue
        zf.writestr(f"files/{key}", data, compress_type=zipfile.ZIP_STORED)
        written.append({"key": key, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
    return written, missing


def _write_zip(cur, partial: Path, tenant_row: dict, export_id: int, stamp: datetime, version: str) -> dict:
    """The zip at `partial`: every table's CSV and stored file, then the manifest and its signature."""
    tables = []
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for table in tenant_tables():
            with zf.open(f"tables/{table.name}.csv", "w", force_zip64=True) as sink:
                checksum, size = _copy_table(cur, table, sink)
            tables.append({"name": table.name, "columns": [c.name for c in table.columns],
                           "rows": _count(cur, table), "sha256": checksum, "bytes": size})
        files, missing = _write_files(cur, zf, tenant_row["slug"])
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "export_id": export_id,
                    "created_at": stamp.isoformat(), "tenant": tenant_row, "schema_version": version,
                    "tables": tables, "files": files, "missing_files": missing}
        manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
        zf.writestr("manifest.json", manifest_bytes)
        zf.writestr(SIGNATURE, json.dumps(sign(manifest_bytes)))
    return manifest


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


# --- restore ----------------------------------------------------------------------------------------------


@dataclass
class Bundle:
    path: Path
    manifest: dict


def open_bundle(path: Path, recorded_sha256: str | None) -> Bundle:
    """Read and check a bundle before anything is written: the zip is the one recorded at export time (its
    SHA-256), its manifest is signed with our key, the format, and only this release's tenant tables."""
    if not path.is_file():
        raise BundleError(f"export file {path.name} is missing")
    if not recorded_sha256 or not hmac.compare_digest(file_sha256(path), recorded_sha256):
        raise BundleError(f"{path.name} is not the file that was exported: its SHA-256 differs from the one "
                          "recorded (altered?)")
    try:
        with zipfile.ZipFile(path) as zf:
            manifest_bytes = zf.read("manifest.json")
            manifest = json.loads(manifest_bytes)
            names = set(zf.namelist())
            signature = json.loads(zf.read(SIGNATURE)) if SIGNATURE in names else None
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(f"{path.name} is not a Kompeten export: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or \
            manifest.get("format_version") not in READABLE_VERSIONS:
        raise BundleError("not a Kompeten tenant export (format)")
    if manifest["format_version"] >= 2 or signature is not None:
        if not isinstance(signature, dict):
            raise BundleError("the bundle's signature is missing (altered?)")
        check_signature(manifest_bytes, signature)
    else:
        log.warning("restoring %s: an unsigned bundle of format 1, checked against its recorded SHA-256 only",
                    path.name)
    try:
        known_version = migrations.script("tenant").get_revision(manifest.get("schema_version")) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown or malformed revision
        known_version = False
    if not known_version:
        raise BundleError(f"schema version {manifest.get('schema_version')!r} is unknown to this release")
    known = {t.name: t for t in tenant_tables()}
    for entry in manifest.get("tables", []):
        table = known.get(entry.get("name"))
        if table is None or f"tables/{table.name}.csv" not in names:
            raise BundleError(f"unknown or missing table {entry.get('name')!r}")
    for entry in manifest.get("files", []):
        key = entry.get("key") if isinstance(entry, dict) else None
        try:
            stores.check_key("restore", key)
        except ValueError as exc:
            raise BundleError(f"bad stored file key {key!r}") from exc
        if f"files/{key}" not in names:
            raise BundleError(f"stored file {key!r} is missing from the bundle")
    return Bundle(path, manifest)


def _create_tables(conn: sa.Connection, version: str) -> None:
    """The tables at the bundle's version: from the models when that is head, else by the migration chain."""
    if version == migrations.head("tenant"):
        db.metadata.create_all(conn, tables=tenant_tables(), checkfirst=False)
        migrations.stamp_tenant_head(conn)
    else:
        command.upgrade(migrations.alembic_config("tenant", conn), version)


def _load(dbapi_conn, bundle: Bundle) -> None:
    known = {t.name: t for t in tenant_tables()}
    order = [t.name for t in tenant_tables()]
    entries = sorted(bundle.manifest["tables"], key=lambda e: order.index(e["name"]))
    with zipfile.ZipFile(bundle.path) as zf, dbapi_conn.cursor() as cur:
        # Triggers that refuse new rows where the data is frozen (a closed needs round's needs) let a restore put
        # back what was there, for this transaction's load only.
        cur.execute("SET LOCAL kompeten.restoring = 'on'")
        for entry in entries:
            table = known[entry["name"]]
            columns = entry["columns"]
            if table.info.get("derived_by_trigger"):  # filled by a trigger as the tables before it were loaded
                cur.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table.name)))
            stmt = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER true)").format(
                sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns)))
            digest = hashlib.sha256()
            with zf.open(f"tables/{table.name}.csv") as src, cur.copy(stmt) as copy:
                while block := src.read(_CHUNK):
                    digest.update(block)
                    copy.write(block)
            if digest.hexdigest() != entry["sha256"]:
                raise BundleError(f"table {table.name}: the file does not match its checksum (altered?)")
        cur.execute("SET LOCAL kompeten.restoring = 'off'")
        for table in known.values():  # sequences continue after the restored ids
            for column in table.primary_key.columns:
                if not isinstance(column.type, sa.Integer):
                    continue
                cur.execute(sql.SQL(
                    "SELECT setval(seq, coalesce((SELECT max({col}) FROM {tbl}), 0) + 1, false) "
                    "FROM pg_get_serial_sequence({name}, {colname}) AS seq WHERE seq IS NOT NULL").format(
                    col=sql.Identifier(column.name), tbl=sql.Identifier(table.name),
                    name=sql.Literal(table.name), colname=sql.Literal(column.name)))


def _verify(dbapi_conn, bundle: Bundle) -> None:
    got = table_fingerprints(dbapi_conn)
    for entry in bundle.manifest["tables"]:
        have = got.get(entry["name"])
        if have != {"rows": entry["rows"], "sha256": entry["sha256"]}:
            raise BundleError(f"table {entry['name']}: restored {have}, export says rows={entry['rows']} "
                              f"sha256={entry['sha256']}")


def _restore_files(bundle: Bundle, slug: str, written: list[str]) -> None:
    """Write the bundle's stored files into the region's store (appending each key to `written`)."""
    store = stores.storage()
    with zipfile.ZipFile(bundle.path) as zf:
        for entry in bundle.manifest.get("files", []):
            data = zf.read(f"files/{entry['key']}")
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise BundleError(f"stored file {entry['key']}: the file does not match its checksum (altered?)")
            store.put(slug, entry["key"], data)
            written.append(entry["key"])


def restore_into(info: TenantInfo, bundle: Bundle) -> str:
    """Build `info`'s schema (and its stored files) from the bundle; see `_restore_schema`. On any failure the
    files written are removed again."""
    written: list[str] = []
    try:
        return _restore_schema(info, bundle, written)
    except BaseException:
        store = stores.storage()
        for key in written:
            store.delete(info.slug, key)
        raise


def _restore_schema(info: TenantInfo, bundle: Bundle, written: list[str]) -> str:
    """Build `info`'s schema from the bundle in one transaction; the registry row must be `provisioning`.
    Returns the schema version at the end (head). Raises BundleError and leaves nothing on any mismatch."""
    version = bundle.manifest["schema_version"]
    with tenant_context(info, allow_status=("provisioning",)), db.engine.connect() as conn, conn.begin():
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('kompeten.provision'), hashtext(:slug))"),
                     {"slug": info.slug})
        status = conn.execute(sa.text("SELECT status FROM platform.tenants WHERE id = :id"),
                              {"id": info.id}).scalar_one()
        if status != "provisioning":
            raise BundleError(f"region {info.slug} is {status}, not being restored")
        dbapi = conn.connection.dbapi_connection
        dbapi.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(info.schema)))
        dbapi.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(info.schema)))
        _create_tables(conn, version)
        _load(dbapi, bundle)
        _verify(dbapi, bundle)
        _restore_files(bundle, info.slug, written)
        if version != migrations.head("tenant"):
            command.upgrade(migrations.alembic_config("tenant", conn), "head")
        head = migrations.head("tenant")
        conn.execute(sa.text("UPDATE platform.tenants SET status = 'active', schema_version = :v, archived_at = NULL, "
                             "last_migration_error = NULL, updated_at = now() WHERE id = :id"),
                     {"v": head, "id": info.id})
    registry.invalidate(info.slug)
    return head


def manifest_summary(manifest: dict) -> dict:
    return {"schema_version": manifest.get("schema_version"), "created_at": manifest.get("created_at"),
            "tables": {t["name"]: {"rows": t["rows"], "sha256": t["sha256"]} for t in manifest.get("tables", [])}}
