"""Reading the files regions receive (CSV or XLSX), row by row, in bounded memory.

Handles what arrives in practice (DOMAIN.md "Files that come in"): comma, semicolon or tab separators;
UTF-8 with or without BOM, Windows-1252, or UTF-16 (Excel's "Unicode Text", with or without BOM; UTF-32 is refused
in words, not misread as Windows-1252 and reported as missing columns); quoted fields; XLSX with date cells and
numbers; header names
in any case and spacing. Values come back raw (str, int, float, datetime, None): validating them is the
importer's job. Readers register in one dict (READERS) with one contract (TableReader).

An XLSX is a zip of XML: a few hundred KB can inflate to gigabytes. `check_xlsx_archive` reads only the zip's
directory and refuses, before anything is parsed, a file whose members inflate past MAX_XLSX_BYTES or far more
than any spreadsheet compresses (MAX_XLSX_RATIO). The declared sizes are binding: Python's zipfile never inflates
a member past its declared size (a lie is a CRC error). Cells are capped at Excel's own 32,767 characters. Any
file the XML parser refuses is one plain message for the person; the parser's own words go to the log.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

log = logging.getLogger(__name__)

SNIFF_BYTES = 64 * 1024
_HEADER_SEPARATORS = re.compile(r"[\s_\-./]+")

# An XLSX of 500,000 import rows written by openpyxl is ~330 MB of XML at a ratio of ~15; Excel's is smaller.
MAX_XLSX_BYTES = 1024 * 1024 * 1024  # every member together, inflated
MAX_XLSX_SHARED_STRINGS = 128 * 1024 * 1024  # read into memory whole by openpyxl
MAX_XLSX_RATIO = 200  # inflated / compressed, for members past RATIO_FROM_BYTES (real sheets: 5-25)
RATIO_FROM_BYTES = 1024 * 1024
MAX_XLSX_MEMBERS = 10_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
SHARED_STRINGS = "xl/sharedStrings.xml"
XLSX_UNREADABLE = ("Isi file XLSX rusak atau bukan lembar kerja Excel biasa, sehingga tidak dapat dibaca. Simpan ulang "
                   "file dari Excel (File > Save As > Excel Workbook) atau simpan sebagai CSV, lalu unggah lagi.")
# What openpyxl and the XML parser raise for a broken or hostile workbook (their words go to the log only).
_XLSX_ERRORS = (ParseError, zipfile.BadZipFile, zlib.error, EOFError, KeyError, TypeError, ValueError, IndexError,
                AttributeError)


class FileFormatError(ValueError):
    """The file cannot be read as a table at all (not a row error)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _mb(size: int) -> str:
    """Megabytes the Indonesian way (1.024 MB)."""
    return f"{round(size / 2**20):,}".replace(",", ".") + " MB"


def check_xlsx_archive(path: Path) -> None:
    """Refuse (FileFormatError) an XLSX that would inflate too far, from the zip's directory alone."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        log.warning("unreadable XLSX %s: %s", path.name, exc)
        raise FileFormatError("xlsx_unreadable", XLSX_UNREADABLE) from exc
    if len(members) > MAX_XLSX_MEMBERS:
        raise FileFormatError("xlsx_unreadable", XLSX_UNREADABLE)
    total = sum(m.file_size for m in members)
    if total > MAX_XLSX_BYTES:
        raise FileFormatError("xlsx_too_large", f"Isi file XLSX ini {_mb(total)} setelah dibuka, lebih dari batas "
                                                f"{_mb(MAX_XLSX_BYTES)}. Pecah datanya menjadi beberapa file, atau "
                                                "kirim sebagai CSV.")
    for member in members:
        if member.file_size > RATIO_FROM_BYTES and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            log.warning("XLSX %s refused: %s inflates %d times (%d -> %d bytes)", path.name, member.filename, ratio,
                        member.compress_size, member.file_size)
            raise FileFormatError("xlsx_bomb", f"File XLSX ini tidak wajar: isinya mengembang {ratio:,}".replace(
                ",", ".") + f" kali saat dibuka ({_mb(member.file_size)}), sedangkan file Excel biasa paling banyak "
                "puluhan kali. Demi keamanan file ditolak; simpan ulang dari Excel atau kirim sebagai CSV.")
        if member.filename == SHARED_STRINGS and member.file_size > MAX_XLSX_SHARED_STRINGS:
            raise FileFormatError("xlsx_too_large", f"Teks dalam file XLSX ini {_mb(member.file_size)}, lebih dari "
                                                    f"batas {_mb(MAX_XLSX_SHARED_STRINGS)}. Pecah datanya menjadi "
                                                    "beberapa file, atau kirim sebagai CSV.")


def _csv_problem(exc: csv.Error) -> str:
    """What Python's csv module says, in words an operator understands."""
    text = str(exc)
    if "field larger than field limit" in text:
        return "satu sel terlalu panjang, biasanya karena tanda kutip yang tidak ditutup"
    if "NUL" in text:
        return "ada karakter kosong (NUL) yang tidak boleh ada di file teks"
    if "new-line character seen in unquoted field" in text:
        return "ada pindah baris di tengah sel yang tidak diberi tanda kutip"
    return "tanda kutip atau pemisah kolom tidak beraturan"


def _cell_too_long(row: int, length: int) -> FileFormatError:
    return FileFormatError("xlsx_cell_too_long", f"Sel di baris {row} berisi {length:,}".replace(",", ".") +
                           " karakter; satu sel Excel paling banyak 32.767 karakter. Periksa baris itu, simpan ulang "
                           "file, lalu unggah lagi.")


def normalise_header(name: object) -> str:
    """`Tgl Mulai`, `TGL_MULAI`, ` tgl-mulai ` → `tgl_mulai`."""
    text = "" if name is None else str(name)
    return _HEADER_SEPARATORS.sub("_", text.strip().lstrip("\ufeff")).strip("_").casefold()


@dataclass(frozen=True)
class Row:
    """One data row: `number` is its line (CSV) or row (XLSX) in the file, the header being 1."""

    number: int
    values: dict[str, object]


@dataclass
class TableReader(ABC):
    """Contract: `columns` (normalised header, in file order) is known after construction; `rows()` streams."""

    path: Path
    columns: list[str] = field(default_factory=list)
    original_headers: list[str] = field(default_factory=list)

    @abstractmethod
    def rows(self) -> Iterator[Row]: ...

    def close(self) -> None:  # noqa: B027 - readers holding a file handle override it
        """Release the file (readers are context managers: `with open_table(path) as reader:`)."""

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def unknown_columns(self, known: Sequence[str]) -> list[str]:
        wanted = set(known)
        return [orig for orig, col in zip(self.original_headers, self.columns, strict=True) if col not in wanted]

    def missing_columns(self, required: Sequence[str]) -> list[str]:
        return [c for c in required if c not in self.columns]

    def _set_header(self, header: Sequence[object]) -> None:
        self.original_headers = ["" if h is None else str(h).strip().lstrip("\ufeff") for h in header]
        self.columns = [normalise_header(h) for h in header]
        seen: set[str] = set()
        for col in self.columns:
            if col and col in seen:
                raise FileFormatError("duplicate_column", f"Kolom '{col.upper()}' muncul lebih dari sekali.")
            seen.add(col)
        if not any(self.columns):
            raise FileFormatError("no_header", "Baris pertama file harus berisi nama kolom.")

    def _row(self, number: int, cells: Sequence[object]) -> Row | None:
        first = cells[0] if cells else None
        if not (type(first) is str and first.strip()) and all(
                c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            return None  # blank lines are skipped, not errors
        columns = self.columns
        if len(cells) >= len(columns) and all(columns):  # the common case: every column named, every cell there
            return Row(number, dict(zip(columns, cells, strict=False)))
        values = {col: (cells[i] if i < len(cells) else None) for i, col in enumerate(columns) if col}
        return Row(number, values)


ENCODING_UNSUPPORTED = ("Pengodean file ini ({name}) tidak didukung. Simpan ulang dari Excel sebagai \"CSV UTF-8\" "
                        "(File > Save As > CSV UTF-8), lalu unggah lagi.")


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 without a BOM: text of Latin letters and digits is every other byte NUL (LE: the odd ones)."""
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even_nul = sum(1 for b in sample[0:pairs * 2:2] if b == 0)
    odd_nul = sum(1 for b in sample[1:pairs * 2:2] if b == 0)
    if odd_nul > 0.6 * pairs and even_nul < 0.1 * pairs:
        return "utf-16-le"
    if even_nul > 0.6 * pairs and odd_nul < 0.1 * pairs:
        return "utf-16-be"
    return None


def _check_decodes(path: Path, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(1024 * 1024):
                decoder.decode(chunk, final=False)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            log.warning("unreadable %s file %s: %s", encoding, path.name, exc)
            raise FileFormatError("encoding", f"File {encoding.upper()} ini rusak di tengah (ada karakter yang tidak "
                                              "dapat dibaca). Simpan ulang dari Excel sebagai \"CSV UTF-8\", lalu "
                                              "unggah lagi.") from exc


def detect_encoding(path: Path) -> str:
    """UTF-8 (BOM or not) when the whole file decodes as UTF-8; UTF-16 with a BOM, or without one when every other
    byte is NUL; otherwise Windows-1252 (Excel's default here). UTF-32 is refused (FileFormatError).

    The whole file is checked (in chunks), because a Windows-1252 `é` may first appear on row 90,000."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        first = fh.read(SNIFF_BYTES)
        if first.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            raise FileFormatError("encoding_unsupported", ENCODING_UNSUPPORTED.format(name="UTF-32"))
        if first.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        utf16 = "utf-16" if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else _utf16_without_bom(first)
        if utf16:
            _check_decodes(path, utf16)
            return utf16
        chunk = first
        try:
            while chunk:
                decoder.decode(chunk, final=False)
                chunk = fh.read(1024 * 1024)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def detect_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


@dataclass
class CsvReader(TableReader):
    encoding: str = "utf-8"
    delimiter: str = ","

    def __post_init__(self) -> None:
        with self.path.open("rb") as fh:
            sample = fh.read(SNIFF_BYTES)
        if not sample.strip():
            raise FileFormatError("empty_file", "File kosong.")
        self.encoding = detect_encoding(self.path)
        first_line = (sample.decode(self.encoding, errors="replace").lstrip("\ufeff").splitlines() or [""])[0]
        self.delimiter = detect_delimiter(first_line)
        with self._open() as fh:
            header = next(csv.reader(fh, delimiter=self.delimiter), None)
        self._set_header(header or [])

    def _open(self) -> io.TextIOWrapper:
        return self.path.open("r", encoding=self.encoding, newline="", errors="strict")

    def rows(self) -> Iterator[Row]:
        with self._open() as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            next(reader, None)
            try:
                for cells in reader:
                    row = self._row(reader.line_num, cells)
                    if row is not None:
                        yield row
            except UnicodeDecodeError as exc:
                log.warning("unreadable CSV %s near line %d (%s): %s", self.path.name, reader.line_num + 1,
                            self.encoding, exc)
                raise FileFormatError("encoding", f"File berisi karakter yang tidak dapat dibaca dekat baris "
                                                  f"{reader.line_num + 1}. Simpan ulang dari Excel sebagai "
                                                  "\"CSV UTF-8\", lalu unggah lagi.") from exc
            except csv.Error as exc:
                log.warning("broken CSV %s near line %d: %s", self.path.name, reader.line_num, exc)
                raise FileFormatError("csv_syntax", f"Format CSV rusak dekat baris {reader.line_num}: "
                                                    f"{_csv_problem(exc)}. Periksa baris itu (mis. tanda kutip "
                                                    "yang tidak ditutup), simpan ulang, lalu unggah lagi.") from exc


@dataclass
class XlsxReader(TableReader):
    """The first worksheet, streamed (openpyxl read-only). Numbers keep their type: an integer cell of 18
    digits is an exact NIP; a float (what Excel stores for long numbers) is reported, never rounded into one."""

    def __post_init__(self) -> None:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        check_xlsx_archive(self.path)  # before a byte is inflated
        self._fh = self.path.open("rb")  # a file object: openpyxl judges paths by their extension
        try:
            self._book = openpyxl.load_workbook(self._fh, read_only=True, data_only=True)
            self._check_shared_strings()
            self._sheet = self._book.worksheets[0]
            header = next(self._sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
        except FileFormatError:
            self._fh.close()
            raise
        except (*_XLSX_ERRORS, InvalidFileException, OSError) as exc:
            self._fh.close()
            raise self._unreadable(exc) from exc
        if header is None:
            self.close()
            raise FileFormatError("empty_file", "File kosong.")
        self._set_header(header)

    def _unreadable(self, exc: Exception) -> FileFormatError:
        log.warning("unreadable XLSX %s: %s: %s", self.path.name, type(exc).__name__, exc)
        return FileFormatError("xlsx_unreadable", XLSX_UNREADABLE)

    def _check_shared_strings(self) -> None:
        for text in getattr(self._book, "shared_strings", None) or ():
            if isinstance(text, str) and len(text) > MAX_CELL_CHARS:
                raise FileFormatError("xlsx_cell_too_long", f"Sebuah sel berisi {len(text):,}".replace(",", ".") +
                                      " karakter; satu sel Excel paling banyak 32.767 karakter. Periksa file, simpan "
                                      "ulang, lalu unggah lagi.")

    def rows(self) -> Iterator[Row]:
        try:
            for number, cells in enumerate(self._sheet.iter_rows(min_row=2, values_only=True), start=2):
                values = []
                for cell in cells:
                    if isinstance(cell, str):
                        if len(cell) > MAX_CELL_CHARS:
                            raise _cell_too_long(number, len(cell))
                        cell = cell.strip()
                    values.append(cell)
                row = self._row(number, values)
                if row is not None:
                    yield row
        except FileFormatError:
            raise
        except _XLSX_ERRORS as exc:
            raise self._unreadable(exc) from exc
        finally:
            self.close()

    def close(self) -> None:
        self._book.close()
        self._fh.close()


READERS: dict[str, type[TableReader]] = {"csv": CsvReader, "xlsx": XlsxReader}


def sniff_format(path: Path) -> str:
    with path.open("rb") as fh:
        magic = fh.read(4)
    return "xlsx" if magic == b"PK\x03\x04" else "csv"


def open_table(path: str | Path) -> TableReader:
    """A reader for the file, chosen by its content (not its name)."""
    path = Path(path)
    return READERS[sniff_format(path)](path)
