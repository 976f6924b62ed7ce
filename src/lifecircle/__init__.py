"""lifecircle: 15-minute life circles from walking access to the grade plaque."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lifecircle")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
