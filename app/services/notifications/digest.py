"""The weekly digest to the region's BKPSDM staff: what waits for them, one section per area that declares one
(`Area(digest_sections=(DigestSection(...),))`: reconciliation's open differences, imports that failed during the
week, and whatever other areas add), one message per staff user.

Staff: the region's active users with an e-mail address and the admin or operator role who are not limited to some
OPDs (an OPD's operator is not BKPSDM). Key (staff_digest, user:<id>, "", <ISO week, e.g. 2026-W50>): a second run
in the same week writes nothing new. Nothing is written when every section is empty."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.areas import DigestWindow, digest_sections
from app.domain.dates import WIB, today_wib
from app.extensions import db
from app.services.notifications import outbox
from app.services.notifications.compose import tanggal_panjang
from app.services.notifications.templates import Renderer
from app.tenancy import current_tenant
from app.web.filters import angka

log = logging.getLogger(__name__)

STAFF_ROLES = ("admin", "operator")
_STAFF_SQL = sa.text(
    "SELECT u.id, u.full_name, u.email FROM users u WHERE u.active AND u.role IN ('admin', 'operator') "
    "AND u.email IS NOT NULL AND btrim(u.email) <> '' "
    "AND NOT EXISTS (SELECT 1 FROM user_opd_scopes s WHERE s.user_id = u.id) ORDER BY u.id")


def week_of(day: date) -> tuple[str, DigestWindow, str]:
    """The digest's period (ISO week of `day`), the window it covers (the seven days before `day`'s Monday 00:00
    WIB up to that Monday: the week that just ended) and its words ("30 November – 6 Desember 2026")."""
    monday = day - timedelta(days=day.weekday())
    end = datetime.combine(monday, time(0, 0), tzinfo=WIB)
    start = end - timedelta(days=7)
    year, week, _ = monday.isocalendar()
    last = monday - timedelta(days=1)
    words = f"{tanggal_panjang(monday - timedelta(days=7))} – {tanggal_panjang(last)}"
    return f"{year}-W{week:02d}", DigestWindow(start=start, end=end), words


def sections(window: DigestWindow) -> list[dict]:
    """Every area's section for the window, the empty ones left out."""
    out = []
    for section in digest_sections():
        count, lines = section.fn(window)
        if count:
            out.append({"name": section.name, "title": section.title, "count": angka(count), "n": count,
                        "lines": list(lines)})
    return out


def staff_digest(day: date | None = None) -> dict:
    """Write the week's digest (the week of `day`, default today in WIB) to every staff user."""
    day = day or today_wib()
    period, window, words = week_of(day)
    if not outbox.kind_enabled("staff_digest"):
        return {"week": period, "sections": 0, "digests": 0}
    found = sections(window)
    if not found:
        log.info("staff digest of %s for %s: nothing waits, nothing written", current_tenant().slug, period)
        return {"week": period, "sections": 0, "digests": 0}
    tenant, renderer, drafts = current_tenant(), Renderer(), []
    total = angka(sum(s["n"] for s in found))
    for user in db.session.execute(_STAFF_SQL).all():
        subject, text, html = renderer.render("staff_digest", {"region_name": tenant.name, "name": user.full_name,
                                                               "week": words, "total": total, "sections": found})
        drafts.append(outbox.Draft(kind="staff_digest", person_key=f"user:{user.id}", object_key="", period=period,
                                   recipient=user.email.strip(), recipient_name=user.full_name, subject=subject,
                                   body_text=text, body_html=html))
    written = outbox.put(drafts)
    log.info("staff digest of %s for %s: %d sections, %d digests written", tenant.slug, period, len(found), written)
    return {"week": period, "sections": len(found), "digests": written}
