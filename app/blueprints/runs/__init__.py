"""Background runs (imports, reconciliations): the reaper that keeps no run stuck (app/services/runs), every 30 s in
every active region. It is also run at worker start (`kompeten worker`) and on every view of a run."""

from app.areas import Area
from app.schedules import Schedule
from app.services.runs import reap_runs

AREA = Area(
    name="runs",
    schedules=(Schedule("runs.reap", reap_runs, interval=30,
                        description="ambil alih proses latar yang pekerjanya mati (impor, rekonsiliasi)"),),
)
