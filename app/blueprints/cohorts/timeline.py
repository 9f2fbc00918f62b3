"""The geometry of a cohort's phase timeline, drawn by the template as a server-rendered SVG (no script, no inline
styles: the CSP allows neither)."""

from __future__ import annotations

from datetime import date, timedelta

WIDTH = 1000  # viewBox units across the cohort's days
LANE = 44  # one lane per phase: a label line and a bar
BAR = 16
TOP = 24  # room for the month ticks


def build(phases, start: date | None, end: date | None, today: date) -> dict | None:
    """{width, height, bars, months, today_x, ...} for the template; None when the cohort has no dates to draw."""
    starts = [p.start_date for p in phases] + ([start] if start else [])
    ends = [p.end_date for p in phases] + ([end] if end else [])
    if not starts or not ends:
        return None
    first, last = min(starts), max(ends)
    days = (last - first).days + 1

    def x(day: date) -> float:
        return round((day - first).days / days * WIDTH, 1)

    bars = []
    for i, phase in enumerate(phases):
        y = TOP + i * LANE
        left = x(phase.start_date)
        width = max(round(((phase.end_date - phase.start_date).days + 1) / days * WIDTH, 1), 2.0)
        right_aligned = left > WIDTH * 0.6  # a late phase's label ends at its bar's end, inside the picture
        bars.append({"name": phase.name, "graded": phase.graded, "x": left, "w": width,
                     "text_x": round(left + width, 1) if right_aligned else left,
                     "anchor": "end" if right_aligned else "start",
                     "y": y + 20, "label_y": y + 14, "h": BAR, "start": phase.start_date, "end": phase.end_date,
                     "state": "done" if phase.end_date < today else "now" if phase.start_date <= today else "later"})
    months = []
    tick = date(first.year, first.month, 1)
    while tick <= last:
        if tick >= first:
            months.append({"x": x(tick), "label": f"{tick.month:02d}/{tick.year}"})
        tick = (tick.replace(day=28) + timedelta(days=4)).replace(day=1)
    height = TOP + max(len(phases), 1) * LANE + 8
    today_x = x(today) if first <= today <= last else None
    return {"width": WIDTH, "height": height, "bars": bars, "months": months, "today_x": today_x, "today": today,
            "first": first, "last": last}
