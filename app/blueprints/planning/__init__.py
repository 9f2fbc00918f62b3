"""Planning: AKPK training needs per year and OPD, the development plan built from them, and its budget."""

from app.areas import Area, NavItem
from app.blueprints.planning import api, pages

AREA = Area(
    name="planning",
    api=(api.planning_api,),
    web=(pages.bp,),
    nav=(NavItem("planning_pages.index", "Perencanaan", "training:read", order=45),),
    labels={"need_statuses": {"submitted": "Diajukan", "verified": "Terverifikasi", "merged": "Digabung",
                              "rejected": "Ditolak"},
            "need_kinds": {"manajerial": "Manajerial", "teknis": "Teknis", "sosial_kultural": "Sosial kultural"},
            "need_priorities": {"1": "Tinggi", "2": "Sedang", "3": "Rendah"},
            "round_statuses": {"open": "Dibuka", "closed": "Ditutup"}},
    audit_labels={
        "actions": {"needs_round.open": "Membuka putaran kebutuhan", "needs_round.update": "Mengubah putaran kebutuhan",
                    "needs_round.close": "Menutup putaran kebutuhan", "need.submit": "Mengajukan kebutuhan",
                    "need.upload": "Mengunggah kebutuhan (XLSX)", "need.verify": "Memverifikasi kebutuhan",
                    "need.merge": "Menggabung kebutuhan", "need.reject": "Menolak kebutuhan",
                    "plan.build": "Menyusun rencana dari kebutuhan", "plan_line.create": "Menambah baris rencana",
                    "plan_line.update": "Mengubah baris rencana",
                    "plan_line.cohort_create": "Membuat angkatan dari rencana",
                    "plan_line.cohort_link": "Mengaitkan angkatan ke rencana",
                    "cohort_budget.update": "Mencatat anggaran angkatan"},
        "groups": {"needs_round.": "Putaran kebutuhan", "need.": "Kebutuhan pelatihan", "plan.": "Rencana pengembangan",
                   "plan_line.": "Rencana pengembangan", "cohort_budget.": "Anggaran angkatan"},
        "entities": {"needs_rounds": "Putaran kebutuhan", "needs": "Kebutuhan pelatihan",
                     "plan_lines": "Baris rencana", "cohort_plan_links": "Angkatan dari rencana",
                     "cohort_budgets": "Anggaran angkatan"},
        "fields": {"deadline": "Batas waktu", "round_id": "Putaran", "position_name": "Jabatan",
                   "people": "Jumlah orang",
                   "gap": "Kesenjangan kompetensi", "kind": "Jenis kompetensi",
                   "proposed_program_name": "Program usulan", "priority": "Prioritas", "reason": "Alasan",
                   "note": "Catatan", "merged_into_id": "Digabung ke", "planned_cohorts": "Angkatan rencana",
                   "pagu": "Pagu", "places": "Kursi per OPD", "plan_line_id": "Baris rencana",
                   "honorarium": "Honorarium", "venue": "Tempat", "consumption": "Konsumsi",
                   "partner_fee": "Biaya mitra", "need_ids": "Kebutuhan", "created": "Dibuat", "updated": "Diubah",
                   "programs": "Program"},
        "values": {"kind": "need_kinds"},
    },
)
