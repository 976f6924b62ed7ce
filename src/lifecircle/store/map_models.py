"""The checkup's map layers in the database, per run: compounds with their walk to the
nearest facility of every category, the facilities, and the walking service areas (WGS-84).

What the web platform's map by facility category draws; written by
``lifecircle.workflow.maps.import_checkup_maps`` from a checkup folder's GeoPackages.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lifecircle.store.models import Base, utcnow


class CheckupMap(Base):
    """One run's map layers: where they came from, the district package (for what-ifs)."""

    __tablename__ = "checkup_map"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("checkup_run.id", ondelete="CASCADE"), unique=True
    )
    source: Mapped[str | None] = mapped_column(Text)  # the checkup folder read
    district_path: Mapped[str | None] = mapped_column(Text)  # the district package
    catalogue_path: Mapped[str | None] = mapped_column(Text)  # a catalogue from a file
    categories: Mapped[list] = mapped_column(JSON, default=list)  # measured categories
    max_snap_m: Mapped[float] = mapped_column(Float, default=200.0)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MapCompound(Base):
    """A compound of one run: its place, residents and walk (m) to each category's nearest."""

    __tablename__ = "map_compound"
    __table_args__ = (Index("ix_map_compound_run_circle", "run_id", "circle_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("checkup_run.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str | None] = mapped_column(String(200))
    circle_code: Mapped[str | None] = mapped_column(String(20))
    population: Mapped[float] = mapped_column(Float, default=0.0)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    nearest_m: Mapped[dict] = mapped_column(JSON, default=dict)  # category → m, None: no way


class MapFacility(Base):
    """A facility of one run, with the circle whose outline holds it."""

    __tablename__ = "map_facility"
    __table_args__ = (Index("ix_map_facility_run_category", "run_id", "category"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("checkup_run.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50))
    circle_code: Mapped[str | None] = mapped_column(String(20))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class MapServiceArea(Base):
    """The walking service area of one category at one radius (a polygon, WKB, WGS-84)."""

    __tablename__ = "map_service_area"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("checkup_run.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(50))
    radius_m: Mapped[float] = mapped_column(Float)
    geom_wkb: Mapped[bytes] = mapped_column(LargeBinary)
