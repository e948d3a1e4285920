"""Course plumbing: quick mode, the repository address and notebook set-up.

Quick mode (environment variable ``DREAMLIB_QUICK=1``, set by the test
configuration) shrinks training lengths so the whole notebook suite runs in
minutes. Notebooks choose every size through :func:`pick`.
"""

import os
import sys

#: The one place that names the course repository (Colab badges, setup cells).
REPOSITORY = "dreamlib-course/dreamlib"
#: The branch that Colab opens and installs from.
BRANCH = "main"
QUICK_ENV = "DREAMLIB_QUICK"


def is_quick():
    """Return True when ``DREAMLIB_QUICK`` is set to a true value (1, true, yes)."""
    return os.environ.get(QUICK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def pick(full, quick):
    """Return ``quick`` in quick mode and ``full`` otherwise.

    Examples
    --------
    >>> n_epochs = pick(full=20, quick=2)
    """
    return quick if is_quick() else full


def in_colab():
    """Return True inside Google Colab."""
    return "google.colab" in sys.modules


def colab_url(notebook):
    """Colab address of ``notebook`` (a file name in ``notebooks/``)."""
    return (
        f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/{notebook}"
    )


def pip_spec():
    """The pip requirement that installs dreamlib from the course repository."""
    return f"dreamlib @ git+https://github.com/{REPOSITORY}@{BRANCH}"


def setup_notebook():
    """Plotting defaults shared by every notebook (inline, readable, no duplicated figures)."""
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "figure.dpi": 90,
            "figure.figsize": (7, 4),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "image.interpolation": "nearest",
        }
    )
