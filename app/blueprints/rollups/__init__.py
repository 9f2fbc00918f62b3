"""Province and national rollups: each region's yearly aggregates, for province and national users; the vendors'
refresh call in the admin API; a nightly full refresh (01:00 WIB) through RQ's cron scheduler."""

from app.areas import Area
from app.blueprints.rollups import admin_api, api, commands, pages
from app.schedules import Schedule
from app.services.rollups.metrics import on_tenant_data_changed
from app.services.rollups.refresh import refresh_rollups
from app.signals import tenant_data_changed

AREA = Area(
    name="rollups",
    platform_api=(api.blp,),
    admin_api=(admin_api.blp,),
    web=(pages.bp,),
    commands=(commands.rollups,),
    subscribers=((tenant_data_changed, on_tenant_data_changed),),
    schedules=(Schedule("rollups.refresh_all", refresh_rollups, cron="0 18 * * *",
                        description="Recompute every active region's rollups nightly at 01:00 WIB (closes a year's "
                                    "headcount snapshot after 31 December)"),),
    audit_labels={"actions": {"rollups.refresh": "Memperbarui rekap wilayah"},
                  "groups": {"rollups.": "Rekap"}},
)
