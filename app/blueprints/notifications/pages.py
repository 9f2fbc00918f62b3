"""The notification pages: the outbox (what was sent, what failed; resend by hand), the region's settings, the
templates with their preview, OPD contacts (admins), and an employee's own choice of messages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.blueprints.notifications.schemas import OutboxArgsSchema, SettingsSchema, TemplateSchema
from app.models.notifications import NOTIFICATION_KINDS, OPTIONAL_KINDS, OUTBOX_STATUSES
from app.problems import Problem
from app.services.notifications import outbox, people, sender, smtp, templates
from app.tenancy import current_tenant
from app.web.blueprints import page_blueprint
from app.web.forms import form_errors, load_form
from app.web.pages import load_query, page
from app.web.paging import PAGE_SIZE, pager
from app.web.responses import commit

bp = page_blueprint("notification_pages", __name__, "notifikasi")

STATUS_LABELS = {"queued": "Antre", "sending": "Sedang dikirim", "sent": "Terkirim", "failed": "Gagal"}
assert set(STATUS_LABELS) == set(OUTBOX_STATUSES)  # noqa: S101


def _kinds() -> list[tuple[str, str]]:
    return [(k, templates.KIND_LABELS[k]) for k in NOTIFICATION_KINDS]


@bp.get("")
@page("org:manage")
def outbox_list():
    args, errors = load_query(OutboxArgsSchema())
    args.pop("sort", None)
    args["limit"] = min(args.get("limit") or PAGE_SIZE, PAGE_SIZE)
    result = outbox.list_messages(**args)
    config = smtp.smtp_config()
    return render_template("notifications/outbox.html", page=result, counts=outbox.counts(), errors=errors,
                           filters=request.args, statuses=list(STATUS_LABELS.items()), kinds=_kinds(),
                           smtp=config, pager=pager(result))


@bp.get("/pesan/<int:message_id>")
@page("org:manage")
def show_message(message_id: int):
    return render_template("notifications/message.html", m=outbox.get_message(message_id))


@bp.post("/pesan/<int:message_id>/kirim-ulang")
@page("org:manage")
def resend(message_id: int):
    try:
        commit(outbox.resend(message_id))
    except Problem as exc:
        if exc.status != 409:
            raise
        flash(exc.detail or exc.title)
        return redirect(url_for("notification_pages.show_message", message_id=message_id), code=303)
    sender.enqueue_delivery()
    flash("Pesan dimasukkan kembali ke antrean dan akan dikirim sekali lagi.")
    return redirect(url_for("notification_pages.show_message", message_id=message_id), code=303)


@bp.post("/kirim-ulang-gagal")
@page("org:manage")
def resend_failed():
    count = commit(outbox.resend_failed())
    if count:
        sender.enqueue_delivery()
    flash(f"{count} pesan gagal dimasukkan kembali ke antrean.")
    return redirect(url_for("notification_pages.outbox_list"), code=303)


def _settings_page(status: int = 200, form=None, errors=None):
    current = outbox.settings_view()
    values = form if form is not None else {**current, "reminder_days": ", ".join(current["reminder_days"])}
    enabled = form.getlist("enabled_kinds") if form is not None else current["enabled_kinds"]
    return render_template("notifications/settings.html", form=values, errors=errors or {}, kinds=_kinds(),
                           enabled=enabled, contacts=people.opd_contacts(), smtp=smtp.smtp_config()), status


@bp.get("/pengaturan")
@page("org:manage")
def settings_form():
    return commit(_settings_page())


@bp.post("/pengaturan")
@page("org:manage")
def save_settings():
    try:
        form = {k: v for k, v in request.form.items() if k not in ("reminder_days", "enabled_kinds")}
        data = load_form(SettingsSchema(), form)
        days = [d for d in request.form.get("reminder_days", "").replace(";", ",").split(",") if d.strip()]
        commit(outbox.update_settings(**{**data, "enabled_kinds": request.form.getlist("enabled_kinds"),
                                         "reminder_days": days}))
    except Problem as exc:
        if exc.status != 422:
            raise
        return _settings_page(422, form=request.form, errors=form_errors(exc))
    flash("Pengaturan notifikasi tersimpan.")
    return redirect(url_for("notification_pages.settings_form"), code=303)


@bp.post("/kontak-opd/<int:opd_id>")
@page("org:manage")
def save_contact(opd_id: int):
    try:
        commit(people.set_opd_contact(opd_id, email=request.form.get("email"), name=request.form.get("name")))
    except Problem as exc:
        if exc.status != 422:
            raise
        flash(exc.detail or exc.title)
        return redirect(url_for("notification_pages.settings_form"), code=303)
    flash("Kontak OPD tersimpan.")
    return redirect(url_for("notification_pages.settings_form"), code=303)


def _template_page(kind: str, status: int = 200, form=None, errors=None, shown=None):
    w, own = templates.wording(kind)
    values = form if form is not None else {"subject": w.subject, "body_text": w.body_text, "body_html": w.body_html}
    if shown is None and not errors:
        shown = templates.preview(kind, current_tenant().name, w)
    return render_template("notifications/template.html", kind=kind, label=templates.KIND_LABELS[kind], own=own,
                           form=values, errors=errors or {}, shown=shown, kinds=_kinds()), status


@bp.get("/templat/<string:kind>")
@page("org:manage")
def template_form(kind: str):
    templates.check_kind(kind)
    return _template_page(kind)


@bp.post("/templat/<string:kind>")
@page("org:manage")
def save_template(kind: str):
    templates.check_kind(kind)
    action = request.form.get("action", "preview")
    try:
        data = load_form(TemplateSchema(), {k: v for k, v in request.form.items() if k != "action"})
        if action == "reset":
            commit(templates.reset(kind))
            flash("Templat dikembalikan ke bawaan.")
            return redirect(url_for("notification_pages.template_form", kind=kind), code=303)
        shown = templates.preview(kind, current_tenant().name, templates.Wording(**data))
        if action == "save":
            commit(templates.save(kind, region_name=current_tenant().name, **data))
            flash("Templat tersimpan.")
            return redirect(url_for("notification_pages.template_form", kind=kind), code=303)
    except Problem as exc:
        if exc.status != 422:
            raise
        return _template_page(kind, 422, form=request.form, errors=form_errors(exc))
    return _template_page(kind, form=request.form, shown=shown)


@bp.get("/saya")
@page("self")
def my_preferences():
    prefs = people.my_preferences(current_user.nip)
    return render_template("notifications/mine.html", prefs=prefs,
                           optional=[(k, templates.KIND_LABELS[k]) for k in OPTIONAL_KINDS])


@bp.post("/saya")
@page("self")
def save_my_preferences():
    commit(people.set_my_preferences(current_user.nip, enabled=request.form.getlist("enabled")))
    flash("Pilihan pesan Anda tersimpan.")
    return redirect(url_for("notification_pages.my_preferences"), code=303)
