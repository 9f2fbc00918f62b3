"""Notifications by e-mail: summons, results, STTPP issued, phase and 20 JP reminders and the staff digest, through
an outbox per region."""

from app.areas import Area, NavItem
from app.blueprints.notifications import api, commands, pages
from app.schedules import Schedule
from app.services.notifications.pipeline import (
    daily_phase_reminders,
    daily_reminders,
    on_certificates_issued,
    on_tenant_data_changed,
    weekly_staff_digest,
)
from app.services.notifications.sender import deliver
from app.signals import certificates_issued, tenant_data_changed

AREA = Area(
    name="notifications",
    api=(api.notifications_api,),
    web=(pages.bp,),
    nav=(NavItem("notification_pages.outbox_list", "Notifikasi", "org:manage", order=88),
         NavItem("notification_pages.my_preferences", "Pesan saya", "self", order=82, needs_nip=True)),
    commands=(commands.notifications,),
    subscribers=((tenant_data_changed, on_tenant_data_changed), (certificates_issued, on_certificates_issued)),
    schedules=(
        # 01:00 UTC = 08:00 WIB: the job sends only when the region's settings say today is a reminder day.
        Schedule("notifications.jp_reminders", daily_reminders, cron="0 1 * * *",
                 description="20 JP reminders on the region's reminder days"),
        # 00:00 UTC = 07:00 WIB: reminders of the phases starting within the region's phase_reminder_days.
        Schedule("notifications.phase_reminders", daily_phase_reminders, cron="0 0 * * *",
                 description="reminders of the phases about to start, to their participants"),
        # Mondays 01:00 UTC = 08:00 WIB: the week's digest to the region's BKPSDM staff.
        Schedule("notifications.staff_digest", weekly_staff_digest, cron="0 1 * * 1",
                 description="weekly digest to BKPSDM staff: open differences, failed imports, ..."),
        Schedule("notifications.deliver", deliver, interval=300,
                 description="send what is due (retries, anything whose enqueue was lost)"),
    ),
    audit_labels={
        "actions": {"notification.resend": "Mengirim ulang pesan",
                    "notification.resend_failed": "Mengirim ulang semua pesan gagal",
                    "notification_settings.update": "Mengubah pengaturan notifikasi",
                    "notification_template.set": "Mengubah templat pesan",
                    "notification_template.reset": "Mengembalikan templat pesan ke bawaan",
                    "notification_address.set": "Mengisi alamat e-mail pegawai",
                    "notification_contact.set": "Mengubah kontak OPD",
                    "notification_preferences.set": "Mengubah pilihan pesan"},
        "groups": {"notification": "Notifikasi"},
        "fields": {"phase_reminder_days": "Hari pengingat tahap sebelum dimulai"},
        "entities": {"notification_outbox": "Kotak keluar", "notification_settings": "Pengaturan notifikasi",
                     "notification_templates": "Templat pesan", "notification_addresses": "Alamat e-mail",
                     "notification_opd_contacts": "Kontak OPD", "notification_optouts": "Pilihan pesan"},
    },
)
