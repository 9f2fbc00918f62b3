"""Learning submitted by employees (bukti pengembangan kompetensi): an activity they did outside the region's
cohorts, with its certificate file, verified (its JP enters the ledger) or rejected by the region's staff."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.employees import JpEntry

SUBMISSION_STATUSES = ("pending", "verified", "rejected")
FILE_MIMES = ("application/pdf", "image/jpeg", "image/png")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_JP = 1000
# The kinds (codes; labels and SIASN jenisDiklatId in app/services/submissions/kinds.py).
SUBMISSION_KINDS = ("diklat_struktural", "diklat_fungsional", "diklat_teknis", "workshop", "pelatihan_manajerial",
                    "pelatihan_sosial_kultural", "sosialisasi", "bimtek", "seminar", "magang", "elearning", "kursus")


class Submission(db.Model):
    """One activity an employee says they did, with its certificate file (kept by the storage under `file_key`).

    The JP line it gives (jp_entries.source 'submission') points at (id, employee_id, jp_granted) through a
    composite foreign key, ON UPDATE CASCADE: a correction of the JP granted moves the line, and a line with any
    other JP, person or for a submission not verified (jp_granted NULL) cannot exist."""

    __tablename__ = "submissions"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {SUBMISSION_STATUSES!r}", name="status"),
        sa.CheckConstraint(f"kind IN {SUBMISSION_KINDS!r}", name="kind"),
        sa.CheckConstraint(f"file_mime IN {FILE_MIMES!r}", name="file_mime"),
        sa.CheckConstraint(f"file_size > 0 AND file_size <= {MAX_FILE_BYTES}", name="file_size"),
        sa.CheckConstraint(f"jp_claimed BETWEEN 1 AND {MAX_JP}", name="jp_claimed"),
        sa.CheckConstraint("end_date >= start_date", name="dates_ordered"),
        sa.CheckConstraint("status <> 'verified' OR (jp_granted BETWEEN 1 AND jp_claimed)", name="verified_jp"),
        sa.CheckConstraint("status = 'verified' OR jp_granted IS NULL", name="jp_only_verified"),
        sa.CheckConstraint("status <> 'rejected' OR length(btrim(reason)) > 0", name="rejected_reason"),
        sa.CheckConstraint("status = 'pending' OR (decided_at IS NOT NULL AND decided_by IS NOT NULL)",
                           name="decided"),
        sa.UniqueConstraint("id", "employee_id", "jp_granted", name="uq_submissions_ledger_key"),
        # the same file twice for one person (not rejected) would count its JP twice
        sa.Index("uq_submissions_employee_file", "employee_id", "file_sha256", unique=True,
                 postgresql_where=sa.text("status <> 'rejected'")),
        sa.Index("ix_submissions_employee_id", "employee_id", "created_at"),
        sa.Index("ix_submissions_status_created", "status", "created_at"),
        {"info": {"stored_files": "file_key"}},  # the export bundle carries the files these keys name
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    title: Mapped[str] = mapped_column(sa.String(300))
    organiser: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(40))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    jp_claimed: Mapped[int] = mapped_column(sa.Integer)
    certificate_number: Mapped[str | None] = mapped_column(sa.String(100))
    file_key: Mapped[str] = mapped_column(sa.String(200, collation="C"), unique=True)
    file_name: Mapped[str] = mapped_column(sa.String(200))
    file_mime: Mapped[str] = mapped_column(sa.String(40))
    file_size: Mapped[int] = mapped_column(sa.Integer)
    file_sha256: Mapped[str] = mapped_column(sa.String(64, collation="C"))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", server_default="pending")
    jp_granted: Mapped[int | None] = mapped_column(sa.Integer)
    note: Mapped[str | None] = mapped_column(sa.String(1000))  # the staff's note on a verification or correction
    reason: Mapped[str | None] = mapped_column(sa.String(1000))  # why it was rejected
    submitted_by: Mapped[str] = mapped_column(sa.String(100))
    decided_by: Mapped[str | None] = mapped_column(sa.String(100))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


# A verified submission has its JP line (the composite foreign key above makes the line agree with it; this makes
# it exist): checked at commit, so a statement may verify and the next one write the line.
LEDGER_SQL = [
    """CREATE OR REPLACE FUNCTION submissions_check_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_id integer;
BEGIN
    IF TG_TABLE_NAME = 'submissions' THEN
        v_id := NEW.id;
    ELSE
        v_id := OLD.submission_id;
    END IF;
    IF EXISTS (SELECT 1 FROM submissions s WHERE s.id = v_id AND s.status = 'verified'
               AND NOT EXISTS (SELECT 1 FROM jp_entries j WHERE j.submission_id = s.id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_submissions_verified_in_ledger',
            MESSAGE = format('ck_submissions_verified_in_ledger: submission %s is verified without its JP line', v_id);
    END IF;
    RETURN NULL;
END $$""",
    "CREATE CONSTRAINT TRIGGER submissions_verified_in_ledger AFTER INSERT OR UPDATE OF status ON submissions "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status = 'verified') "
    "EXECUTE FUNCTION submissions_check_ledger()",
    "CREATE CONSTRAINT TRIGGER jp_entries_submission_kept AFTER DELETE OR UPDATE OF submission_id ON jp_entries "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.submission_id IS NOT NULL) "
    "EXECUTE FUNCTION submissions_check_ledger()",
]
"""Created after jp_entries by provisioning (create_all) and by the tenant migration."""

for _statement in LEDGER_SQL:
    sa.event.listen(JpEntry.__table__, "after_create", sa.DDL(_statement.replace("%", "%%")))
