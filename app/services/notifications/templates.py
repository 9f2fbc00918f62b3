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
}

_HTML_HEAD = ('<!doctype html><html lang="id"><body style="font-family:Arial,sans-serif;color:#222">'
              '<p style="color:#555">{{ region_name }}</p>')
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
    """Compiles a region's wordings once per run (a reminder run renders thousands of messages)."""

    def __init__(self) -> None:
        self._compiled: dict[str, tuple] = {}

    def render(self, kind: str, context: dict) -> tuple[str, str, str]:
        if kind not in self._compiled:
            w, _own = wording(kind)
            self._compiled[kind] = _compile(w)
        subject, text, html = self._compiled[kind]
        return (" ".join(subject.render(context).split())[:300], text.render(context), html.render(context))


def _compile(w: Wording) -> tuple:
    return (_text_env.from_string(w.subject), _text_env.from_string(w.body_text), _html_env.from_string(w.body_html))


def preview(kind: str, region_name: str, w: Wording | None = None) -> dict:
    """The wording (the given one, else the region's) rendered with the sample values; a template error is a 422
    naming the part that is wrong."""
    w = w or wording(kind)[0]
    context = {**SAMPLES[check_kind(kind)], "region_name": region_name}
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
