"""The environment variables that switch dreamlib's behaviour, read in one place.

* ``DREAMLIB_QUICK`` (true/false): quick mode, small sizes for the test run
  (:func:`dreamlib.course.is_quick`);
* ``DREAMLIB_OFFLINE`` (true/false): never touch the network (:mod:`dreamlib.data`);
* ``DREAMLIB_WIDGETS`` (``auto``, ``static``, ``live``): which explorer path
  runs (:mod:`dreamlib.widgets`); the older ``DREAMLIB_STATIC_WIDGETS=1`` means
  ``static``;
* ``DREAMLIB_OUTPUT_DIR``: where notebooks save files (:func:`dreamlib.course.output_path`).

A true value is ``1``, ``true``, ``yes`` or ``on`` (any case); anything else,
or nothing, is false.
"""

import os

__all__ = ["QUICK", "OFFLINE", "WIDGETS", "STATIC_WIDGETS", "OUTPUT_DIR", "flag", "quick",
           "offline", "widgets_mode"]

QUICK = "DREAMLIB_QUICK"
OFFLINE = "DREAMLIB_OFFLINE"
WIDGETS = "DREAMLIB_WIDGETS"
STATIC_WIDGETS = "DREAMLIB_STATIC_WIDGETS"
OUTPUT_DIR = "DREAMLIB_OUTPUT_DIR"
_TRUE = {"1", "true", "yes", "on"}


def flag(name):
    """Whether the environment variable ``name`` is set to a true value."""
    return os.environ.get(name, "").strip().lower() in _TRUE


def quick():
    """Quick mode (``DREAMLIB_QUICK``)."""
    return flag(QUICK)


def offline():
    """Offline mode (``DREAMLIB_OFFLINE``)."""
    return flag(OFFLINE)


def widgets_mode():
    """``"auto"``, ``"static"`` or ``"live"``, from ``DREAMLIB_WIDGETS`` (or the older switch)."""
    mode = os.environ.get(WIDGETS, "auto").strip().lower() or "auto"
    if mode not in {"auto", "static", "live"}:
        raise ValueError(f"{WIDGETS} must be 'auto', 'static' or 'live', got {mode!r}.")
    if mode == "auto" and flag(STATIC_WIDGETS):
        return "static"
    return mode
