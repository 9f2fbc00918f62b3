"""A region's own yearly target of people to train (set by its admin; e.g. Kab. Serang's 500 for 2022)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class TrainingTarget(db.Model):
    __tablename__ = "training_targets"
    __table_args__ = (sa.CheckConstraint("people > 0", name="people_positive"),)

    year: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    people: Mapped[int] = mapped_column(sa.Integer)
    note: Mapped[str | None] = mapped_column(sa.String(300))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())
