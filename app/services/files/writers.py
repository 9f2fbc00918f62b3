"""Report downloads: one registry of file formats, each writing a table (columns + rows) to a binary stream.

A new format is one `Exporter` subclass added to `EXPORTERS`. Exporters consume the rows once, in order,
so a caller can hand them a server-side cursor: neither format holds the table in memory (CSV is written
row by row, XLSX uses openpyxl's write-only mode), and the output spills to disk past `SPOOL_BYTES`.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, ClassVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Columns = Sequence[tuple[str, str]]  # (row key, header shown to the user)

SPOOL_BYTES = 8 * 1024 * 1024
DELIMITERS = (",", ";")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XLSX_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - handed to the caller


class Exporter(ABC):
    """The contract: `write(columns, rows)` returns a readable binary stream, at position 0, with the file.

    `columns` are (key, header) pairs: the header row, then one line per row with `row[key]` in that order.
    """

    extension: ClassVar[str]
    mimetype: ClassVar[str]

    def __init__(self, *, title: str = "Laporan", delimiter: str = ",") -> None:
        if delimiter not in DELIMITERS:
            raise ValueError(f"delimiter must be one of {DELIMITERS}")
        self.title = title
        self.delimiter = delimiter

    @abstractmethod
    def write(self, columns: Columns, rows: Iterable[Mapping]) -> IO[bytes]:
        """Write the header and every row; return the stream rewound to its start."""


class CsvExporter(Exporter):
    """UTF-8 with a BOM (Excel then reads it as UTF-8), RFC 4180 quoting, `,` or `;` between fields.

    With `;` (what Excel expects under Indonesian regional settings) decimals use a comma as well. Text that a
    spreadsheet would run as a formula gets a leading apostrophe.
    """

    extension = "csv"
    mimetype = "text/csv"

    def write(self, columns: Columns, rows: Iterable[Mapping]) -> IO[bytes]:
        out = _spool()
        out.write(codecs.BOM_UTF8)
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text, delimiter=self.delimiter, lineterminator="\r\n")
        writer.writerow([header for _, header in columns])
        keys = [key for key, _ in columns]
        for row in rows:
            writer.writerow([self._cell(row.get(key)) for key in keys])
        text.detach()  # keep `out` open: closing the wrapper would close it
        out.seek(0)
        return out

    def _cell(self, value: object) -> object:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "ya" if value else "tidak"
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, float | Decimal):
            text = format(value, "f") if isinstance(value, Decimal) else repr(value)
            return text.replace(".", ",") if self.delimiter == ";" else text
        if isinstance(value, str) and len(value) > 1 and value.startswith(_FORMULA_START):
            return "'" + value
        return value


class XlsxExporter(Exporter):
    """One worksheet, bold frozen header, numbers and dates as typed cells, text never read as a formula."""

    extension = "xlsx"
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def write(self, columns: Columns, rows: Iterable[Mapping]) -> IO[bytes]:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(self.title.translate(_XLSX_TITLE_FORBIDDEN)[:31] or "Laporan")
        for i, (_, header) in enumerate(columns, start=1):  # widths must be set before the first row
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(len(header) + 4, 40))
        ws.freeze_panes = "A2"
        bold = Font(bold=True)
        header_cells = []
        for _, header in columns:
            cell = WriteOnlyCell(ws, value=header)
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        keys = [key for key, _ in columns]
        for row in rows:
            ws.append([self._cell(ws, row.get(key)) for key in keys])
        out = _spool()
        wb.save(out)
        out.seek(0)
        return out

    @staticmethod
    def _cell(ws, value: object) -> object:
        if isinstance(value, bool):
            return "ya" if value else "tidak"
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # openpyxl would otherwise store it as a formula
            return cell
        if isinstance(value, date) and not isinstance(value, datetime):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        return value


EXPORTERS: dict[str, type[Exporter]] = {"csv": CsvExporter, "xlsx": XlsxExporter}
"""The download formats a report offers, by the value of its `format` parameter (besides `json`)."""


def export(fmt: str, columns: Columns, rows: Iterable[Mapping], **options) -> tuple[IO[bytes], type[Exporter]]:
    """Write `rows` in format `fmt`; returns (stream, exporter class) — the class carries mimetype and extension."""
    try:
        exporter_cls = EXPORTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(EXPORTERS)}") from None
    return exporter_cls(**options).write(columns, rows), exporter_cls
