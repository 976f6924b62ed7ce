"""The web platform: FastAPI pages and JSON API over the programme database (``create_app``)."""

from lifecircle.web.app import create_app
from lifecircle.web.settings import Settings

__all__ = ["Settings", "create_app"]
