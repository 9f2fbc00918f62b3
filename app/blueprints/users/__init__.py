"""A region's users, administered by its admins: invite, role and OPD scope, reset, disable, sessions."""

from app.areas import Area, NavItem
from app.blueprints.users import api, commands, pages

AREA = Area(
    name="users",
    api=(api.blp,),
    web=(pages.bp,),
    nav=(NavItem("user_pages.list_users", "Pengguna", "users:manage", order=90),),
    commands=(commands.users, commands.platform_users),
    labels={"roles": {"admin": "Admin", "operator": "Operator", "viewer": "Peninjau (hanya baca)",
                      "employee": "Pegawai"}},
    audit_labels={
        "actions": {"user.invite": "Mengundang pengguna", "user.update": "Mengubah pengguna",
                    "user.reset_password": "Membuat tautan setel ulang kata sandi",
                    "user.disable": "Menonaktifkan pengguna", "user.enable": "Mengaktifkan kembali pengguna",
                    "user.sessions_revoke": "Mengakhiri sesi pengguna",
                    "user.invite_renew": "Memperbarui tautan undangan"},
        "groups": {"user.": "Pengguna"},
        "fields": {"opd_ids": "Dibatasi pada OPD"},
    },
)
