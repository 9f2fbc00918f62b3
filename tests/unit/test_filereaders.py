"""The file reader: separators, encodings, quoting, XLSX cells, headers, and the shared samples."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from app.services.files import readers as filereaders
from app.services.files.readers import FileFormatError, normalise_header, open_table
from tests.data import SAMPLES
from tests.imports import hostile_files


def _write(tmp_path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("raw, expected", [("NIP", "nip"), (" Tgl Mulai ", "tgl_mulai"), ("TGL_MULAI", "tgl_mulai"),
                                           ("jenis-kelamin", "jenis_kelamin"), ("\ufeffNIP", "nip")])
def test_headers_match_whatever_their_case_and_spacing(raw, expected):
    assert normalise_header(raw) == expected


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")])
@pytest.mark.parametrize("sep", [",", ";"])
def test_csv_in_every_encoding_and_separator_reads_the_same(tmp_path, encoding, bom, sep):
    text = f'NIP{sep}NAMA{sep}UNIT_KERJA\n198503122010011003{sep}"Dédé Santoso"{sep}"Dinas A{sep} B"\n'
    path = _write(tmp_path, "f.csv", bom + text.encode(encoding))
    reader = open_table(path)
    assert reader.columns == ["nip", "nama", "unit_kerja"]
    rows = list(reader.rows())
    assert [(r.number, r.values) for r in rows] == [
        (2, {"nip": "198503122010011003", "nama": "Dédé Santoso", "unit_kerja": f"Dinas A{sep} B"})]


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                           ("utf-16-le", b""), ("utf-16-be", b"")])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_a_utf16_csv_with_or_without_bom_reads_like_its_utf8(tmp_path, encoding, bom, sep):
    """Excel's "Unicode Text" is UTF-16 with tabs; it used to be read as Windows-1252: "required columns missing"."""
    text = f'NIP{sep}NAMA{sep}UNIT_KERJA\r\n198503122010011003{sep}"Dédé Santoso"{sep}Dinas Ā\r\n'
    path = _write(tmp_path, "u16.csv", bom + text.encode(encoding))
    with open_table(path) as reader:
        assert reader.encoding.startswith("utf-16")
        assert reader.columns == ["nip", "nama", "unit_kerja"] and reader.delimiter == sep
        assert [(r.number, r.values) for r in reader.rows()] == [
            (2, {"nip": "198503122010011003", "nama": "Dédé Santoso", "unit_kerja": "Dinas Ā"})]


def test_a_utf32_csv_is_refused_saying_the_encoding_is_not_supported(tmp_path):
    path = _write(tmp_path, "u32.csv", "NIP;NAMA\n1;Budi\n".encode("utf-32"))
    with pytest.raises(FileFormatError) as err:
        open_table(path)
    assert err.value.code == "encoding_unsupported"
    assert "UTF-32" in err.value.message and "tidak didukung" in err.value.message


def test_a_utf16_csv_broken_halfway_is_a_file_error_not_a_crash(tmp_path):
    path = _write(tmp_path, "u16bad.csv", b"\xff\xfe" + "NIP;NAMA\n1;Budi\n".encode("utf-16-le") + b"\x00\xd8A\x00")
    with pytest.raises(FileFormatError) as err:
        open_table(path)
    assert err.value.code == "encoding"


def test_cp1252_detected_even_when_the_first_accent_is_far_down(tmp_path):
    lines = ["NIP;NAMA"] + [f"1985031220100110{i % 100:02d};Nama {i}" for i in range(5000)] + ["1;Andr\u00e9"]
    path = _write(tmp_path, "late.csv", "\n".join(lines).encode("cp1252"))
    assert list(open_table(path).rows())[-1].values["nama"] == "André"


def test_quoted_field_with_newline_keeps_the_line_number_of_its_end(tmp_path):
    path = _write(tmp_path, "q.csv", b'A,B\n1,"two\nlines"\n3,x\n')
    rows = list(open_table(path).rows())
    assert [r.values["b"] for r in rows] == ["two\nlines", "x"]
    assert [r.number for r in rows] == [3, 4]


def test_blank_lines_are_skipped_and_unknown_columns_reported(tmp_path):
    path = _write(tmp_path, "b.csv", b"NIP,NAMA,CATATAN\n\n1,a,x\n,,\n")
    with open_table(path) as reader:
        assert reader.unknown_columns(["nip", "nama"]) == ["CATATAN"]
        assert reader.missing_columns(["nip", "tahun"]) == ["tahun"]
        assert [r.number for r in reader.rows()] == [3]


@pytest.mark.parametrize("data, code", [(b"", "empty_file"), (b"NIP,NIP\n1,2\n", "duplicate_column")])
def test_unreadable_tables_are_a_file_error(tmp_path, data, code):
    with pytest.raises(FileFormatError) as err:
        open_table(_write(tmp_path, "e.csv", data))
    assert err.value.code == code


def _xlsx_with_exact_integer(tmp_path) -> Path:
    """Excel stores long numbers as doubles; other exporters write the exact integer into the cell."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["NIP", "TGL_MULAI", "TAHUN", "NAMA"])
    sheet.append([198503122010011003, dt.date(2022, 11, 1), 2022, "  Siti  "])
    sheet.append([1.98503e17, "01/11/2022", 2022, "Budi"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    exact = tmp_path / "exact.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(exact, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'(<c r="A2"[^>]*><v>)[^<]+', rb"\g<1>198503122010011003", data)
            dst.writestr(item, data)
    return exact


def test_xlsx_keeps_exact_integers_floats_and_date_cells(tmp_path):
    reader = open_table(_xlsx_with_exact_integer(tmp_path))
    assert reader.columns == ["nip", "tgl_mulai", "tahun", "nama"]
    first, second = (r.values for r in reader.rows())
    assert first["nip"] == 198503122010011003 and isinstance(first["nip"], int)
    assert first["tgl_mulai"] == dt.datetime(2022, 11, 1) and first["nama"] == "Siti"
    assert isinstance(second["nip"], float)  # the importer reports it; nothing here rounds it into a NIP


def test_a_file_named_csv_that_is_xlsx_is_read_as_xlsx(tmp_path):
    path = tmp_path / "really-xlsx.csv"
    shutil.copy(_xlsx_with_exact_integer(tmp_path), path)
    with open_table(path) as reader:
        assert reader.columns[0] == "nip"


def test_broken_xlsx_is_a_file_error(tmp_path):
    with pytest.raises(FileFormatError) as err:
        open_table(_write(tmp_path, "x.xlsx", b"PK\x03\x04not really a zip"))
    assert err.value.code == "xlsx_unreadable"


def _refused(tmp_path, data: bytes) -> FileFormatError:
    with pytest.raises(FileFormatError) as err, open_table(_write(tmp_path, "x.xlsx", data)) as reader:
        list(reader.rows())
    return err.value


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    tracemalloc.start()
    error = _refused(tmp_path, hostile_files.zip_bomb([["NIP", "NAMA"], ["1", "Budi"]]))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert error.code == "xlsx_bomb" and "mengembang" in error.message
    assert peak < 16 * 2**20  # the 64 MiB sheet was never inflated (the bomb's own bytes are ~64 KiB)


def test_an_xlsx_inflating_past_the_limit_is_refused_and_its_size_said(tmp_path, monkeypatch):
    monkeypatch.setattr(filereaders, "MAX_XLSX_BYTES", 10_000)
    error = _refused(tmp_path, hostile_files.workbook([["NIP"], *([str(i)] for i in range(500))]))
    assert error.code == "xlsx_too_large" and "MB" in error.message


def test_oversized_shared_strings_are_refused_before_they_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr(filereaders, "MAX_XLSX_SHARED_STRINGS", 1000)
    data = hostile_files.rewrite(hostile_files.workbook([["NIP"]]), "xl/sharedStrings.xml",
                                 lambda _body: [b"<sst>" + b"<si><t>x</t></si>" * 200 + b"</sst>"])
    assert _refused(tmp_path, data).code == "xlsx_too_large"


def test_a_member_lying_about_its_size_is_inflated_no_further_than_it_says(tmp_path):
    """The limits read the declared sizes; zipfile stops at them (and the CRC check fails), so a lie gains nothing."""
    data = bytearray(hostile_files.workbook([["NIP", "NAMA"], *([str(i), "Nama"] for i in range(300))]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        sheet = zf.getinfo(hostile_files.SHEET)
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"PK\x05\x06"))
    while data[central + 46:central + 46 + len(hostile_files.SHEET)] != hostile_files.SHEET.encode():
        central = data.rfind(b"PK\x01\x02", 0, central)
    data[central + 24:central + 28] = (sheet.file_size // 4).to_bytes(4, "little")  # the declared size
    assert _refused(tmp_path, bytes(data)).code == "xlsx_unreadable"


def test_an_xml_entity_declaration_is_one_plain_message_and_the_parser_detail_is_logged(tmp_path, caplog):
    error = _refused(tmp_path, hostile_files.with_external_entity([["NIP", "NAMA"], ["1", "XXE"]]))
    assert error.code == "xlsx_unreadable" and error.message == filereaders.XLSX_UNREADABLE
    assert "undefined entity" in caplog.text


def test_a_cell_past_excels_limit_is_refused_with_its_row(tmp_path):
    error = _refused(tmp_path, hostile_files.with_long_cell([["NIP", "NAMA"], ["1", "PANJANG"]]))
    assert error.code == "xlsx_cell_too_long" and "baris 2" in error.message and "32.767" in error.message


def test_a_broken_csv_is_explained_in_words_not_in_the_csv_modules(tmp_path, caplog):
    data = b'NIP,NAMA\n1,"Budi tanpa kutip penutup\n' + b"x" * 140_000 + b"\n"
    with pytest.raises(FileFormatError) as err, open_table(_write(tmp_path, "kutip.csv", data)) as reader:
        list(reader.rows())
    assert err.value.code == "csv_syntax" and "tanda kutip" in err.value.message
    assert "field limit" not in err.value.message and "field limit" in caplog.text


def test_reading_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w") as fh:
        fh.write("NIP;NAMA;UNIT_KERJA\n")
        for i in range(200_000):
            fh.write(f"1985031220100{i:05d};Pegawai Nomor {i};Dinas Pendidikan dan Kebudayaan\n")
    tracemalloc.start()
    count = sum(1 for _ in open_table(path).rows())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 200_000
    assert peak < 5 * 2**20  # a whole-file list of rows would take well over 50 MB


def test_the_sample_files_read_with_their_row_counts():
    pppk = open_table(SAMPLES / "pppk_enrolments_kab-serang_2022.csv")
    assert pppk.delimiter == ";" and pppk.encoding == "utf-8-sig"
    assert pppk.columns[:3] == ["nip", "nama", "jenis_kelamin"]
    assert len(list(pppk.rows())) == 41
    report = open_table(SAMPLES / "bpsdm-jatim_pka-ii-2024_kota-malang.csv")
    rows = list(report.rows())
    assert report.delimiter == "," and len(rows) == 33
    assert rows[0].values["nilai"] == "92,55"
