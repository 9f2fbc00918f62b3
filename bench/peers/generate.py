"""Write the peer's tenant app from Kompeten's own SQLAlchemy metadata, so both sides have the same tables.

    PYTHONPATH=. python bench/peers/generate.py

Writes peer_tenant/models.py (one managed model per tenant table: the columns, their types, NULLs, server
defaults and foreign keys, with `db_index=False` so Django adds no index Kompeten does not have) and, after
`makemigrations`, peer_tenant/migrations/0002_kompeten_ddl.py: every index, unique and CHECK constraint of the
tenant tables as the same DDL SQLAlchemy emits for Kompeten (RunSQL). Not copied: Kompeten's trigger functions.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))


def camel(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


def _default(column) -> str | None:
    sd = column.server_default
    if sd is None:
        return None
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    arg = getattr(sd, "arg", None)
    if arg is None:  # Identity / Sequence: the pk's own
        return None
    text = str(arg.compile(dialect=postgresql.dialect())) if not isinstance(arg, str) else arg
    text = text.strip()
    low = text.lower()
    if low in ("now()", "current_timestamp", "clock_timestamp()"):
        return "Now()"
    if low in ("true", "false"):
        return f"Value({low == 'true'})"
    if re.fullmatch(r"-?\d+", text):
        return f"Value({int(text)})"
    if re.fullmatch(r"-?\d+\.\d+", text):
        return f"Value(Decimal('{text}'))"
    m = re.fullmatch(r"'((?:[^']|'')*)'(::[a-z ]+)?", text)
    if m and not isinstance(column.type, sa.ARRAY | postgresql.JSONB):
        return f"Value({m.group(1).replace(chr(39) * 2, chr(39))!r})"
    if isinstance(column.type, postgresql.JSONB | sa.ARRAY):
        return None  # '{}' / '[]' etc.: the app gives the value
    return None


def field(column, table, fk_targets: dict) -> tuple[str, str]:
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    t = column.type
    opts = []
    if column.nullable and not column.primary_key:
        opts.append("null=True")
    if column.name in fk_targets:
        target_table, target_col, target_is_pk = fk_targets[column.name]
        short = column.name.endswith("_id") and column.name[:-3] not in table.c
        name = column.name[:-3] if short else column.name + "_fk"
        if name in ("check", "pk", "objects"):
            name += "_fk"
        opts = [f"'peer_tenant.{camel(target_table)}'", "models.DO_NOTHING", f"db_column={column.name!r}",
                "related_name='+'", "db_index=False", *opts]
        if not target_is_pk:
            opts.append(f"to_field={target_col!r}")
        if column.primary_key and len(table.primary_key.columns) == 1:
            opts.append("primary_key=True")
        return name, f"models.ForeignKey({', '.join(opts)})"
    d = _default(column)
    if d:
        opts.append(f"db_default={d}")
    if column.primary_key and len(table.primary_key.columns) == 1:
        if isinstance(t, sa.Integer) and column.autoincrement in (True, "auto"):
            kind = "BigAutoField" if isinstance(t, sa.BigInteger) else "AutoField"
            return column.name, f"models.{kind}(primary_key=True)"
        opts.append("primary_key=True")
    if isinstance(t, sa.BigInteger):
        kind = "models.BigIntegerField"
    elif isinstance(t, sa.SmallInteger):
        kind = "models.SmallIntegerField"
    elif isinstance(t, sa.Integer):
        kind = "models.IntegerField"
    elif isinstance(t, sa.Boolean):
        kind = "models.BooleanField"
    elif isinstance(t, sa.DateTime):
        kind = "models.DateTimeField"
    elif isinstance(t, sa.Date):
        kind = "models.DateField"
    elif isinstance(t, sa.Numeric):
        kind = "models.DecimalField"
        opts += [f"max_digits={t.precision or 20}", f"decimal_places={t.scale or 0}"]
    elif isinstance(t, postgresql.JSONB | sa.JSON):
        kind = "models.JSONField"
    elif isinstance(t, sa.ARRAY):
        kind = "ArrayField"
        inner = t.item_type
        base = ("models.IntegerField()" if isinstance(inner, sa.Integer) else
                f"models.CharField(max_length={inner.length})" if getattr(inner, "length", None)
                else "models.TextField()")
        opts.insert(0, base)
    elif isinstance(t, sa.LargeBinary):
        kind = "models.BinaryField"
    elif isinstance(t, sa.String) and t.length and not isinstance(t, sa.Text):
        kind = "models.CharField"
        opts.append(f"max_length={t.length}")
        if getattr(t, "collation", None):
            opts.append(f"db_collation={t.collation!r}")
    else:
        kind = "models.TextField"
    return column.name, f"{kind}({', '.join(opts)})"


def tables():
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1/postgres",
                      "SECRET_KEY": "generate", "LOG_LEVEL": "WARNING"})
    with app.app_context():
        from app.models import tenant_tables

        return tenant_tables()


def write_models(ts) -> None:
    lines = ['"""Generated by bench/peers/generate.py from Kompeten\'s tenant tables: do not edit."""', "",
             "from decimal import Decimal  # noqa: F401", "",
             "from django.contrib.postgres.fields import ArrayField  # noqa: F401",
             "from django.db import models",
             "from django.db.models import Value  # noqa: F401",
             "from django.db.models.functions import Now  # noqa: F401", ""]
    for table in ts:
        fks = {}
        for fk in table.foreign_key_constraints:
            if len(fk.elements) != 1:
                continue
            el = fk.elements[0]
            col = el.column
            fks[el.parent.name] = (col.table.name, col.name,
                                   col.primary_key and len(col.table.primary_key.columns) == 1)
        lines += ["", f"class {camel(table.name)}(models.Model):"]
        pk = [c.name for c in table.primary_key.columns]
        for column in table.columns:
            name, decl = field(column, table, fks)
            lines.append(f"    {name} = {decl}")
        if len(pk) > 1:
            names = []
            for c in pk:
                names.append(field(table.c[c], table, fks)[0])
            lines.append(f"    pk = models.CompositePrimaryKey({', '.join(repr(n) for n in names)})")
        lines += ["", "    class Meta:", f"        db_table = {table.name!r}", ""]
    (HERE / "peer_tenant" / "models.py").write_text("\n".join(lines).rstrip() + "\n")


def write_ddl(ts) -> None:
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import AddConstraint, CheckConstraint, CreateIndex, UniqueConstraint

    dialect = postgresql.dialect()
    statements = []
    for table in ts:
        for idx in sorted(table.indexes, key=lambda i: i.name or ""):
            statements.append(str(CreateIndex(idx).compile(dialect=dialect)))
        for con in sorted(table.constraints, key=lambda c: str(c.name)):
            if isinstance(con, UniqueConstraint | CheckConstraint):
                statements.append(str(AddConstraint(con).compile(dialect=dialect)))
    body = ",\n".join(f"        migrations.RunSQL({s.strip()!r})" for s in statements)
    (HERE / "peer_tenant" / "migrations" / "0002_kompeten_ddl.py").write_text(
        '"""Generated by bench/peers/generate.py: Kompeten\'s indexes, uniques and CHECKs, as Kompeten emits '
        'them."""\n\n'
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [(\"peer_tenant\", \"0001_initial\")]\n"
        "    operations = [\n" + body + ",\n    ]\n")
    print(f"{len(ts)} tables, {len(statements)} index/unique/check statements")


def main() -> None:
    ts = tables()
    write_models(ts)
    for old in (HERE / "peer_tenant" / "migrations").glob("0*.py"):
        old.unlink()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "peer_settings", "PYTHONPATH": str(HERE)}
    subprocess.run([sys.executable, "-m", "django", "makemigrations", "peer_customers", "peer_tenant", "-v", "0"],
                   check=True, env=env, cwd=HERE)
    write_ddl(ts)


if __name__ == "__main__":
    main()
