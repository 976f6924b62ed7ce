"""The creation programme's service layer: projects, schedule, evaluation, subsidies, bulletins.

Every business rule lives here; the CLI and the web only call these functions. Services take a
SQLAlchemy session and never commit: the caller's unit of work (``store.session_scope``) does.
"""
