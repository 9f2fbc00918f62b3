"""Bulk writes shared by the worker pipelines (imports, reconciliation)."""

from __future__ import annotations

from collections.abc import Iterable

from psycopg import sql

from app.extensions import db


def copy_rows(rows: Iterable[tuple], table: str, columns: tuple[str, ...]) -> None:
    """COPY `rows` into `table` (unqualified: the seam's search_path decides the schema) inside the session's
    current transaction; rows may be a generator, so reading a file and writing to the server overlap."""
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table),
                                                         sql.SQL(", ").join(map(sql.Identifier, columns)))
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
