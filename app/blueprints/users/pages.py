"""The region's users (admins only): list, invite (the one-time link is shown once), edit role and OPD scope,
disable/enable, reset password, sessions. The same service and schemas as /api/v1/users."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.blueprints.users.schemas import UserAdminInviteSchema, UserAdminListArgsSchema, UserAdminUpdateSchema
from app.models.accounts import TENANT_ROLES
from app.problems import Problem
from app.services.employees.opds import list_opds
from app.services.users import manage as service
from app.web.blueprints import page_blueprint
from app.web.forms import form_errors, load_form
from app.web.pages import load_query, page
from app.web.paging import PAGE_SIZE, pager
from app.web.responses import commit

bp = page_blueprint("user_pages", __name__, "pengguna")

ROLE_OPTIONS = [("admin", "Admin"), ("operator", "Operator"), ("viewer", "Peninjau (hanya baca)"),
                ("employee", "Pegawai")]
assert {r for r, _ in ROLE_OPTIONS} == set(TENANT_ROLES)  # noqa: S101 - a new role must get a label
ACTIVE_OPTIONS = [("true", "Aktif"), ("false", "Dinonaktifkan")]


def _opds() -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in list_opds(limit=200, offset=0, active=True).items]


def _absolute(path: str) -> str:
    return request.host_url.rstrip("/") + path


@bp.get("")
@page("users:manage")
def list_users():
    args, errors = load_query(UserAdminListArgsSchema())
    args["limit"] = min(args.get("limit") or PAGE_SIZE, PAGE_SIZE)
    result = service.list_users(**args)
    opd_names = dict(_opds())
    return render_template("users/list.html", page=result, errors=errors, filters=request.args, roles=ROLE_OPTIONS,
                           actives=ACTIVE_OPTIONS, opd_names=opd_names,
                           pager=pager(result))


def _invite_page(status: int = 200, **context):
    return render_template("users/invite.html", roles=ROLE_OPTIONS, opds=_opds(), **context), status


@bp.get("/undang")
@page("users:manage")
def invite_form():
    return _invite_page(form={}, errors={}, selected=[])


@bp.post("/undang")
@page("users:manage")
def invite():
    try:
        data = load_form(UserAdminInviteSchema(), request.form, lists=("opd_ids",))
        invited = service.invite_user(**data)
    except Problem as exc:
        if exc.status not in (409, 422):
            raise
        return _invite_page(exc.status, form=request.form, errors=form_errors(exc),
                            selected=request.form.getlist("opd_ids"))
    commit(invited)
    return render_template("users/link.html", user=invited["user"], link=invited["link"],
                           url=_absolute(invited["link"]["set_password_url"]), invited=True)


def _user_page(user_id: int, status: int = 200, form=None, errors=None):
    user = service.user_detail(user_id)
    sessions = service.user_sessions(user_id, current_session_id=current_user.session_id)
    values = form if form is not None else {"full_name": user["full_name"], "email": user["email"] or "",
                                            "role": user["role"]}
    selected = form.getlist("opd_ids") if form is not None else [str(i) for i in user["opd_ids"]]
    return render_template("users/show.html", user=user, sessions=sessions, roles=ROLE_OPTIONS, opds=_opds(),
                           form=values, errors=errors or {}, selected=selected,
                           is_self=user["id"] == current_user.user_id), status


@bp.get("/<int:user_id>")
@page("users:manage")
def show_user(user_id: int):
    return _user_page(user_id)


@bp.post("/<int:user_id>")
@page("users:manage")
def update_user(user_id: int):
    service.get_user(user_id)
    try:
        data = load_form(UserAdminUpdateSchema(), request.form, lists=("opd_ids",))
        data.setdefault("opd_ids", [])  # no box ticked: the whole region
        updated = service.update_user(user_id, **data)
    except Problem as exc:
        if exc.status not in (409, 422):
            raise
        return _user_page(user_id, exc.status, form=request.form, errors=form_errors(exc))
    commit(updated)
    flash("Perubahan tersimpan; berlaku pada permintaan berikutnya pengguna ini.")
    return redirect(url_for("user_pages.show_user", user_id=user_id), code=303)


def _action(user_id: int, action, message: str):
    try:
        commit(action(user_id))
    except Problem as exc:
        if exc.status != 409:
            raise
        flash(exc.detail or exc.title)
        return redirect(url_for("user_pages.show_user", user_id=user_id), code=303)
    flash(message)
    return redirect(url_for("user_pages.show_user", user_id=user_id), code=303)


@bp.post("/<int:user_id>/nonaktifkan")
@page("users:manage")
def disable_user(user_id: int):
    return _action(user_id, service.disable_user, "Pengguna dinonaktifkan; semua sesi dan tokennya dicabut.")


@bp.post("/<int:user_id>/aktifkan")
@page("users:manage")
def enable_user(user_id: int):
    return _action(user_id, service.enable_user, "Pengguna diaktifkan kembali.")


@bp.post("/<int:user_id>/sesi/cabut")
@page("users:manage")
def revoke_sessions(user_id: int):
    return _action(user_id, service.revoke_user_sessions, "Semua sesi pengguna ini diakhiri.")


@bp.post("/<int:user_id>/reset-sandi")
@page("users:manage")
def reset_password(user_id: int):
    try:
        link = service.reset_password(user_id)
    except Problem as exc:
        if exc.status != 409:
            raise
        flash(exc.detail or exc.title)
        return redirect(url_for("user_pages.show_user", user_id=user_id), code=303)
    commit(link)
    return render_template("users/link.html", user=service.user_detail(user_id), link=link,
                           url=_absolute(link["set_password_url"]), invited=False)
