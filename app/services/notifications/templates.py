"""The wording of each kind of message: shipped defaults in Bahasa Indonesia (text and HTML), which a region's admin
may replace with its own (stored per region, `notification_templates`) and preview before saving.

Templates are Jinja, rendered in a sandbox (an admin's template cannot reach Python objects beyond the values it is
given); the HTML part autoescapes every value. Each kind's context is documented in `CONTEXT` and filled by
app.services.notifications.compose; `SAMPLES` gives the preview its example values."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from app.extensions import db
from app.models.notifications import NOTIFICATION_KINDS, NotificationTemplate
from app.problems import Problem
from app.services.audit import log as audit

KIND_LABELS = {
    "summons": "Surat panggilan peserta angkatan",
    "result": "Hasil pelatihan",
    "jp_reminder": "Pengingat 20 JP (pegawai)",
    "jp_digest": "Rekap 20 JP per OPD (kontak OPD)",
    "phase_reminder": "Pengingat tahap angkatan (peserta)",
    "staff_digest": "Rekap mingguan untuk staf BKPSDM",
    "certificate": "STTPP sudah terbit (peserta lulus)",
}

# `logo_src` is the region's logo as an inline image (cid:), or None when the region has no logo.
_HTML_HEAD = ('<!doctype html><html lang="id"><body style="font-family:Arial,sans-serif;color:#222">'
              '{% if logo_src %}<p><img src="{{ logo_src }}" alt="Logo {{ region_name }}" height="64" '
              'style="height:64px"></p>{% endif %}<p style="color:#555">{{ region_name }}</p>')
_HTML_FOOT = ('<hr><p style="color:#777;font-size:12px">Pesan ini dikirim otomatis oleh Kompeten atas nama '
              '{{ region_name }}. Balas pesan ini untuk menghubungi BKPSDM.</p></body></html>')


@dataclass(frozen=True)
class Wording:
    subject: str
    body_text: str
    body_html: str


DEFAULTS: dict[str, Wording] = {
    "summons": Wording(
        subject="Surat panggilan: {{ cohort_label }} ({{ region_name }})",
        body_text=(
            "Yth. {{ name }} (NIP {{ nip }}),\n\n"
            "Dengan hormat, Saudara terdaftar sebagai peserta {{ program_name }} {{ cohort_label }} "
            "yang diselenggarakan oleh {{ region_name }}.\n\n"
            "Jadwal pelaksanaan:\n"
            "{% for p in phases %}- {{ p.name }}: {{ p.start }} s.d. {{ p.end }}{% if p.place %}, {{ p.place }}"
            "{% endif %}\n{% endfor %}\n"
            "Jadwal terlampir dalam berkas kalender (jadwal.ics).\n\n"
            "Hormat kami,\n{{ region_name }}\n"),
        body_html=(
            _HTML_HEAD + "<p>Yth. {{ name }} (NIP {{ nip }}),</p>"
            "<p>Dengan hormat, Saudara terdaftar sebagai peserta <b>{{ program_name }} {{ cohort_label }}</b> "
            "yang diselenggarakan oleh {{ region_name }}.</p><p>Jadwal pelaksanaan:</p><table border=\"1\" "
            "cellpadding=\"4\" style=\"border-collapse:collapse\"><tr><th>Tahap</th><th>Tanggal</th><th>Tempat</th>"
            "</tr>{% for p in phases %}<tr><td>{{ p.name }}</td><td>{{ p.start }} s.d. {{ p.end }}</td>"
            "<td>{{ p.place or '-' }}</td></tr>{% endfor %}</table>"
            "<p>Jadwal terlampir dalam berkas kalender (jadwal.ics).</p><p>Hormat kami,<br>{{ region_name }}</p>"
            + _HTML_FOOT),
    ),
    "result": Wording(
        subject="Hasil {{ cohort_label }}: {{ outcome }} ({{ region_name }})",
        body_text=(
            "Yth. {{ name }} (NIP {{ nip }}),\n\n"
            "Hasil Saudara pada {{ program_name }} {{ cohort_label }}: {{ outcome }}.\n"
            "{% if certificate_number %}Nomor STTPP: {{ certificate_number }} tanggal {{ certificate_date }}"
            "{% if jp %}, {{ jp }} JP{% endif %}.\n{% endif %}"
            "{% if certificate_url %}STTPP dapat diunduh di {{ certificate_url }}\n{% endif %}\n"
            "Hormat kami,\n{{ region_name }}\n"),
        body_html=(
            _HTML_HEAD + "<p>Yth. {{ name }} (NIP {{ nip }}),</p>"
            "<p>Hasil Saudara pada <b>{{ program_name }} {{ cohort_label }}</b>: <b>{{ outcome }}</b>.</p>"
            "{% if certificate_number %}<p>Nomor STTPP: {{ certificate_number }} tanggal {{ certificate_date }}"
            "{% if jp %}, {{ jp }} JP{% endif %}.</p>{% endif %}"
            "{% if certificate_url %}<p><a href=\"{{ certificate_url }}\">Unduh STTPP</a></p>{% endif %}"
            "<p>Hormat kami,<br>{{ region_name }}</p>" + _HTML_FOOT),
    ),
    "jp_reminder": Wording(
        subject="Pengingat: JP Anda tahun {{ year }} baru {{ jp }} dari 20 JP ({{ region_name }})",
        body_text=(
            "Yth. {{ name }} (NIP {{ nip }}),\n\n"
            "Setiap ASN wajib mengikuti pengembangan kompetensi paling sedikit 20 JP per tahun. "
            "Sampai hari ini JP Saudara tahun {{ year }} tercatat {{ jp }} JP; masih kurang {{ shortfall }} JP.\n\n"
            "Silakan hubungi pengelola kepegawaian di OPD Saudara{% if opd_name %} ({{ opd_name }}){% endif %} "
            "atau BKPSDM untuk pelatihan yang tersedia.\n\n"
            "Hormat kami,\n{{ region_name }}\n"),
        body_html=(
            _HTML_HEAD + "<p>Yth. {{ name }} (NIP {{ nip }}),</p>"
            "<p>Setiap ASN wajib mengikuti pengembangan kompetensi paling sedikit 20 JP per tahun. "
            "Sampai hari ini JP Saudara tahun {{ year }} tercatat <b>{{ jp }} JP</b>; masih kurang "
            "<b>{{ shortfall }} JP</b>.</p><p>Silakan hubungi pengelola kepegawaian di OPD Saudara"
            "{% if opd_name %} ({{ opd_name }}){% endif %} atau BKPSDM untuk pelatihan yang tersedia.</p>"
            "<p>Hormat kami,<br>{{ region_name }}</p>" + _HTML_FOOT),
    ),
    "jp_digest": Wording(
        subject="Rekap 20 JP {{ opd_name }}: {{ below }} ASN belum memenuhi ({{ region_name }})",
        body_text=(
            "Yth. {{ contact_name or 'Pimpinan ' ~ opd_name }},\n\n"
            "Sampai hari ini {{ below }} ASN di {{ opd_name }} belum memenuhi 20 JP tahun {{ year }}:\n\n"
            "{% for p in people %}- {{ p.name }} (NIP {{ p.nip }}): {{ p.jp }} JP, kurang {{ p.shortfall }} JP\n"
            "{% endfor %}\nMohon dukungan agar pegawai tersebut mengikuti pengembangan kompetensi.\n\n"
            "Hormat kami,\n{{ region_name }}\n"),
        body_html=(
            _HTML_HEAD + "<p>Yth. {{ contact_name or 'Pimpinan ' ~ opd_name }},</p>"
            "<p>Sampai hari ini <b>{{ below }} ASN</b> di {{ opd_name }} belum memenuhi 20 JP tahun {{ year }}:</p>"
            "<table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\"><tr><th>Nama</th><th>NIP</th>"
            "<th>JP</th><th>Kekurangan</th></tr>{% for p in people %}<tr><td>{{ p.name }}</td><td>{{ p.nip }}</td>"
            "<td>{{ p.jp }}</td><td>{{ p.shortfall }}</td></tr>{% endfor %}</table>"
            "<p>Mohon dukungan agar pegawai tersebut mengikuti pengembangan kompetensi.</p>"
            "<p>Hormat kami,<br>{{ region_name }}</p>" + _HTML_FOOT),
    ),
    "phase_reminder": Wording(
        subject="Pengingat: {{ phase_name }} {{ cohort_label }} dimulai {{ start }} ({{ region_name }})",
        body_text=(
            "Yth. {{ name }} (NIP {{ nip }}),\n\n"
            "Tahap {{ phase_name }} pada {{ program_name }} {{ cohort_label }} dimulai {{ when }}, {{ start }}"
            "{% if end != start %} s.d. {{ end }}{% endif %}{% if place %}, di {{ place }}{% endif %}.\n\n"
            "Jadwal tahap ini:\n"
            "{% for s in sessions %}- {{ s.label }}: {{ s.start }}{% if s.end != s.start %} s.d. {{ s.end }}"
            "{% endif %}\n{% endfor %}"
            "{% if agenda %}\nAgenda:\n{% for a in agenda %}- {{ a.day }}: {{ a.title }}\n{% endfor %}{% endif %}\n"
            "Mohon mempersiapkan diri dan hadir sesuai jadwal.\n\n"
            "Hormat kami,\n{{ region_name }}\n"),
        body_html=(
            _HTML_HEAD + "<p>Yth. {{ name }} (NIP {{ nip }}),</p>"
            "<p>Tahap <b>{{ phase_name }}</b> pada {{ program_name }} {{ cohort_label }} dimulai {{ when }}, "
            "<b>{{ start }}</b>{% if end != start %} s.d. {{ end }}{% endif %}"
            "{% if place %}, di {{ place }}{% endif %}.</p><p>Jadwal tahap ini:</p>"
            "<table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\"><tr><th>Kegiatan</th>"
            "<th>Tanggal</th></tr>{% for s in sessions %}<tr><td>{{ s.label }}</td><td>{{ s.start }}"
            "{% if s.end != s.start %} s.d. {{ s.end }}{% endif %}</td></tr>{% endfor %}</table>"
            "{% if agenda %}<p>Agenda:</p><ul>{% for a in agenda %}<li>{{ a.day }}: {{ a.title }}</li>"
            "{% endfor %}</ul>{% endif %}"
            "<p>Mohon mempersiapkan diri dan hadir sesuai jadwal.</p><p>Hormat kami,<br>{{ region_name }}</p>"
            + _HTML_FOOT),
    ),
    "staff_digest": Wording(
        subject="Rekap mingguan {{ week }}: {{ total }} hal menunggu tindak lanjut ({{ region_name }})",
        body_text=(
            "Yth. {{ name }},\n\n"
            "Berikut hal-hal yang menunggu tindak lanjut BKPSDM {{ region_name }} (rekap {{ week }}):\n\n"
            "{% for s in sections %}{{ s.title }}: {{ s.count }}\n{% for line in s.lines %}- {{ line }}\n"
            "{% endfor %}\n{% endfor %}"
            "Silakan buka Kompeten untuk menindaklanjutinya.\n\n"
            "Hormat kami,\nKompeten {{ region_name }}\n"),
        body_html=(
            _HTML_HEAD + "<p>Yth. {{ name }},</p>"
            "<p>Berikut hal-hal yang menunggu tindak lanjut BKPSDM {{ region_name }} (rekap {{ week }}):</p>"
            "{% for s in sections %}<h3 style=\"margin-bottom:4px\">{{ s.title }}: {{ s.count }}</h3><ul>"
            "{% for line in s.lines %}<li>{{ line }}</li>{% endfor %}</ul>{% endfor %}"
            "<p>Silakan buka Kompeten untuk menindaklanjutinya.</p><p>Hormat kami,<br>Kompeten {{ region_name }}</p>"
            + _HTML_FOOT),
    ),
    "certificate": Wording(
        subject="STTPP Anda sudah terbit{% if replaced_number %} (pengganti){% endif %}: {{ program_name }} "
                "{{ cohort_label }} ({{ region_name }})",
        body_text=(
            "Yth. {{ name }} (NIP {{ nip }}),\n\n"
            "STTPP Saudara untuk {{ program_name }} {{ cohort_label }} telah diterbitkan oleh {{ region_name }}.\n\n"
            "Nomor STTPP: {{ certificate_number }}\nTanggal: {{ certificate_date }}\nJumlah: {{ jp }} JP\n\n"
            "{% if replaced_number %}STTPP ini menggantikan STTPP nomor {{ replaced_number }}"
            "{% if replaced_date %} tanggal {{ replaced_date }}{% endif %}, yang sudah tidak berlaku. "
            "Gunakan tautan di bawah ini; tautan lama hanya menyatakan bahwa STTPP itu telah diganti.\n\n"
            "{% endif %}"
            "STTPP dapat dilihat, diperiksa keasliannya dan diunduh (PDF) di:\n{{ certificate_url }}\n\n"
            "STTPP juga tersedia di menu Sertifikat saya di Kompeten.\n\n"
            "Hormat kami,\n{{ region_name }}\n"),
        body_html=(
            _HTML_HEAD + "<p>Yth. {{ name }} (NIP {{ nip }}),</p>"
            "<p>STTPP Saudara untuk <b>{{ program_name }} {{ cohort_label }}</b> telah diterbitkan oleh "
            "{{ region_name }}.</p><table cellpadding=\"4\"><tr><td>Nomor STTPP</td><td><b>{{ certificate_number }}"
            "</b></td></tr><tr><td>Tanggal</td><td>{{ certificate_date }}</td></tr><tr><td>Jumlah</td>"
            "<td>{{ jp }} JP</td></tr></table>"
            "{% if replaced_number %}<p>STTPP ini menggantikan STTPP nomor {{ replaced_number }}"
            "{% if replaced_date %} tanggal {{ replaced_date }}{% endif %}, yang sudah tidak berlaku. Gunakan tautan "
            "di bawah ini; tautan lama hanya menyatakan bahwa STTPP itu telah diganti.</p>{% endif %}"
            "<p><a href=\"{{ certificate_url }}\">Lihat dan unduh STTPP</a><br>"
            "<span style=\"color:#555;font-size:12px\">{{ certificate_url }}</span></p>"
            "<p>STTPP juga tersedia di menu <i>Sertifikat saya</i> di Kompeten.</p>"
            "<p>Hormat kami,<br>{{ region_name }}</p>" + _HTML_FOOT),
    ),
}
assert set(DEFAULTS) == set(NOTIFICATION_KINDS)  # noqa: S101 - every kind has its default wording

_PHASES = [{"name": "Pembelajaran mandiri (MOOC)", "start": "6 Juli 2026", "end": "10 Juli 2026", "place": "daring"},
           {"name": "Klasikal", "start": "13 Juli 2026", "end": "24 Juli 2026", "place": "Aula BKPSDM"}]
SAMPLES: dict[str, dict] = {
    "summons": {"name": "Budi Santoso", "nip": "198001012005011001", "program_name": "Pelatihan Kepemimpinan "
                "Administrator", "cohort_label": "PKA Angkatan II 2026", "phases": _PHASES},
    "result": {"name": "Budi Santoso", "nip": "198001012005011001", "program_name": "Pelatihan Kepemimpinan "
               "Administrator", "cohort_label": "PKA Angkatan II 2026", "outcome": "LULUS",
               "certificate_number": "STTPP/123/2026", "certificate_date": "24 Juli 2026", "jp": 40,
               "certificate_url": None},
    "jp_reminder": {"name": "Budi Santoso", "nip": "198001012005011001", "year": 2026, "jp": 8, "shortfall": 12,
                    "opd_name": "Dinas Pendidikan"},
    "jp_digest": {"opd_name": "Dinas Pendidikan", "contact_name": "Kepala Dinas Pendidikan", "year": 2026,
                  "below": 2, "people": [{"name": "Budi Santoso", "nip": "198001012005011001", "jp": 8,
                                          "shortfall": 12},
                                         {"name": "Siti Aminah", "nip": "199002022015032002", "jp": 0,
                                          "shortfall": 20}]},
    "phase_reminder": {"name": "Budi Santoso", "nip": "198001012005011001", "program_name": "Pelatihan "
                       "Kepemimpinan Administrator", "cohort_label": "PKA Angkatan II 2026", "phase_name": "Klasikal I",
                       "when": "3 hari lagi", "days": 3, "start": "22 April 2026", "end": "8 Mei 2026",
                       "place": "Aula BKPSDM",
                       "sessions": [{"label": "Klasikal", "start": "22 April 2026", "end": "30 April 2026"},
                                    {"label": "Studi lapangan", "start": "1 Mei 2026", "end": "1 Mei 2026"},
                                    {"label": "Klasikal", "start": "6 Mei 2026", "end": "8 Mei 2026"}],
                       "agenda": [{"day": "8 Mei 2026", "title": "Penutupan"}]},
    "certificate": {"name": "Budi Santoso", "nip": "198001012005011001", "program_name": "Pelatihan Kepemimpinan "
                    "Administrator", "cohort_label": "Angkatan II Tahun 2026", "certificate_number": "STTPP/123/2026",
                    "certificate_date": "24 Juli 2026", "jp": 333,
                    "certificate_url": "https://kompeten.example.id/t/contoh/verifikasi/CONTOHkodeVerifikasi",
                    "replaced_number": None, "replaced_date": None},
    "staff_digest": {"name": "Admin BKPSDM", "week": "30 November – 6 Desember 2026", "total": "3",
                     "sections": [{"name": "reconciliation", "title": "Selisih rekonsiliasi yang belum diputuskan",
                                   "count": "2", "lines": ["PKA 2026 dari BPSDM Provinsi (laporan.xlsx): 2 selisih "
                                                           "belum diputuskan"]},
                                  {"name": "imports", "title": "Impor yang gagal minggu ini", "count": "1",
                                   "lines": ["pppk.xlsx (02-12-2026 09:15 WIB): kolom NIP tidak ditemukan"]}]},
}

_text_env = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
_html_env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def check_kind(kind: str) -> str:
    if kind not in NOTIFICATION_KINDS:
        raise Problem.not_found(f"Jenis pesan {kind!r} tidak dikenal.")
    return kind


def wording(kind: str) -> tuple[Wording, bool]:
    """The region's wording of `kind` and whether it is its own (False: the shipped default)."""
    row = db.session.get(NotificationTemplate, check_kind(kind))
    if row is None:
        return DEFAULTS[kind], False
    return Wording(row.subject, row.body_text, row.body_html), True


class Renderer:
    """Compiles a region's wordings once per run (a reminder run renders thousands of messages), and looks up once
    whether the region has a logo (`logo_src` in every template: the inline image's cid: URL, or None)."""

    def __init__(self) -> None:
        from app.services.notifications.logo import logo_src

        self._compiled: dict[str, tuple] = {}
        self.logo_src = logo_src()

    def render(self, kind: str, context: dict) -> tuple[str, str, str]:
        if kind not in self._compiled:
            w, _own = wording(kind)
            self._compiled[kind] = _compile(w)
        subject, text, html = self._compiled[kind]
        context = {"logo_src": self.logo_src, **context}
        return (" ".join(subject.render(context).split())[:300], text.render(context), html.render(context))


def _compile(w: Wording) -> tuple:
    return (_text_env.from_string(w.subject), _text_env.from_string(w.body_text), _html_env.from_string(w.body_html))


def preview(kind: str, region_name: str, w: Wording | None = None) -> dict:
    """The wording (the given one, else the region's) rendered with the sample values; a template error is a 422
    naming the part that is wrong."""
    w = w or wording(kind)[0]
    context = {"logo_src": None, **SAMPLES[check_kind(kind)], "region_name": region_name}
    out = {}
    for part, env, source in (("subject", _text_env, w.subject), ("body_text", _text_env, w.body_text),
                              ("body_html", _html_env, w.body_html)):
        try:
            out[part] = env.from_string(source).render(context)
        except TemplateError as exc:
            raise Problem.invalid("Templat tidak bisa dipakai.", field=part, reason=f"kesalahan templat: {exc}") \
                from exc
    out["subject"] = " ".join(out["subject"].split())
    return out


def save(kind: str, *, subject: str, body_text: str, body_html: str, region_name: str) -> dict:
    """Store the region's wording of `kind` (after checking that it renders); audited."""
    w = Wording(subject.strip(), body_text, body_html)
    if not w.subject:
        raise Problem.invalid("Subjek wajib diisi.", field="subject", reason="wajib diisi")
    preview(kind, region_name, w)
    row = db.session.get(NotificationTemplate, kind)
    before = audit.snapshot(row, ("subject", "body_text", "body_html")) if row else None
    if row is None:
        row = NotificationTemplate(kind=kind, subject=w.subject, body_text=w.body_text, body_html=w.body_html)
        db.session.add(row)
    else:
        row.subject, row.body_text, row.body_html = w.subject, w.body_text, w.body_html
    db.session.flush()
    audit.record("notification_template.set", "notification_templates", kind, before=before,
                 after=audit.snapshot(row, ("subject", "body_text", "body_html")))
    return {"kind": kind, "own": True}


def reset(kind: str) -> dict:
    """Go back to the shipped default (audited)."""
    row = db.session.get(NotificationTemplate, check_kind(kind))
    if row is not None:
        before = audit.snapshot(row, ("subject", "body_text", "body_html"))
        db.session.delete(row)
        db.session.flush()
        audit.record("notification_template.reset", "notification_templates", kind, before=before)
    return {"kind": kind, "own": False}
