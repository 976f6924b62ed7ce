"""Settings of the web platform: database, secret, session and token lifetimes, login limits."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

ENV_SECRET = "LIFECIRCLE_SECRET_KEY"
ENV_TODAY = "LIFECIRCLE_TODAY"
ENV_DATA_DIR = "LIFECIRCLE_DATA_DIR"
ENV_BACKUP_DIR = "LIFECIRCLE_BACKUP_DIR"
ENV_BACKUP_EVERY_HOURS = "LIFECIRCLE_BACKUP_EVERY_HOURS"
ENV_BACKUP_KEEP = "LIFECIRCLE_BACKUP_KEEP"


@dataclass
class Settings:
    """What ``create_app`` needs; ``Settings.from_env()`` reads the environment.

    Parameters
    ----------
    db_url : str, optional
        Database URL or SQLite path; default ``$LIFECIRCLE_DB_URL`` or ``./lifecircle.db``.
    engine : Engine, optional
        An engine to use instead of ``db_url`` (tests, embedding).
    secret_key : str, optional
        Signs cookies and API tokens; default ``$LIFECIRCLE_SECRET_KEY``, else a secret
        generated once and kept in the database.
    session_hours : float
        Lifetime of a signed-in browser session.
    token_minutes : int
        Lifetime of an API bearer token.
    login_attempts, login_window_s : int, float
        At most this many failed sign-ins per IP address and per user name in the window.
    today : date, optional
        A fixed "today" for judging deadlines (a demo as of its date); default the real date.
    secure_cookies : bool
        Mark cookies ``Secure`` (serve over HTTPS).
    data_dir : Path, optional
        Where uploaded files are kept (``evidence/`` inside, each file named by its sha256);
        default ``$LIFECIRCLE_DATA_DIR``, else ``./lifecircle-data``.
    evidence_max_mb : float
        Largest evidence file accepted, in MB.
    resident_submissions, resident_window_s : int, float
        At most this many questionnaires and feedback messages per client IP address in the
        window (public pages, no account).
    backup_dir : Path, optional
        Back up the database and the evidence folder here on a schedule (a background thread
        of the server); default ``$LIFECIRCLE_BACKUP_DIR``, else no scheduled backups.
    backup_every_s : float
        Seconds between scheduled backups (``$LIFECIRCLE_BACKUP_EVERY_HOURS`` in hours).
    backup_keep : int
        How many scheduled backups to keep (``$LIFECIRCLE_BACKUP_KEEP``).
    """

    db_url: str | None = None
    engine: Engine | None = None
    secret_key: str | None = None
    session_hours: float = 8.0
    token_minutes: int = 12 * 60
    login_attempts: int = 5
    login_window_s: float = 60.0
    today: date | None = None
    secure_cookies: bool = False
    data_dir: Path | None = None
    evidence_max_mb: float = 20.0
    resident_submissions: int = 5
    resident_window_s: float = 3600.0
    backup_dir: Path | None = None
    backup_every_s: float = 24 * 3600.0
    backup_keep: int = 14

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``LIFECIRCLE_DB_URL``, ``LIFECIRCLE_SECRET_KEY`` and ``LIFECIRCLE_TODAY``."""
        values: dict[str, object] = {}
        if os.environ.get(ENV_SECRET):
            values["secret_key"] = os.environ[ENV_SECRET]
        if os.environ.get(ENV_TODAY):
            values["today"] = date.fromisoformat(os.environ[ENV_TODAY])
        if os.environ.get(ENV_DATA_DIR):
            values["data_dir"] = Path(os.environ[ENV_DATA_DIR])
        if os.environ.get(ENV_BACKUP_DIR):
            values["backup_dir"] = Path(os.environ[ENV_BACKUP_DIR])
        if os.environ.get(ENV_BACKUP_EVERY_HOURS):
            values["backup_every_s"] = float(os.environ[ENV_BACKUP_EVERY_HOURS]) * 3600.0
        if os.environ.get(ENV_BACKUP_KEEP):
            values["backup_keep"] = int(os.environ[ENV_BACKUP_KEEP])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def evidence_dir(self) -> Path:
        """The folder of uploaded evidence files."""
        return (self.data_dir or Path("lifecircle-data")) / "evidence"

    def current_day(self) -> date:
        return self.today or date.today()
