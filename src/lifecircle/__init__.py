"""lifecircle: 15-minute life circles from walking access to the grade plaque."""

from typing import Any

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    # The version is looked up in the installed metadata on first use only: importing
    # importlib.metadata and scanning the installed distributions costs every command
    # (even ``--help``) a noticeable part of its start-up.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("lifecircle")
        except PackageNotFoundError:  # running from a source tree without install
            value = "0.0.0+unknown"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
