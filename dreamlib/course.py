"""Course plumbing: quick mode, the repository address and notebook set-up.

Quick mode (environment variable ``DREAMLIB_QUICK=1``, set by the test
configuration) shrinks training lengths so the whole notebook suite runs in
minutes. Notebooks choose every size through :func:`pick`.

The course is hosted on GitHub at :data:`REPOSITORY`, branch :data:`BRANCH`;
Colab badges and setup cells are made from them. After forking, point the
checkout at the fork with (see :mod:`dreamlib.hosting`)::

    python -m dreamlib.hosting set-repository OWNER/NAME [--branch BRANCH]
"""

import os
import sys
import tempfile
from pathlib import Path

from . import _environment

#: The one place that names the course repository (Colab badges, setup cells).
#: Change it with ``python -m dreamlib.hosting set-repository OWNER/NAME``, not by hand.
REPOSITORY = "dreamlib-course/dreamlib"
#: The branch that Colab opens and installs from.
BRANCH = "main"
QUICK_ENV = _environment.QUICK


def is_quick():
    """Return True when ``DREAMLIB_QUICK`` is set to a true value (1, true, yes, on)."""
    return _environment.quick()


def output_path(name):
    """Where a notebook should write the file ``name`` (a saved model, say).

    The folder named by ``DREAMLIB_OUTPUT_DIR`` if set; in quick mode (the
    test run) a temporary folder, so tests leave no files in the repository;
    otherwise the current folder. The folder is created if needed.

    Examples
    --------
    >>> output_path("machine.npz").name
    'machine.npz'
    """
    if os.environ.get(_environment.OUTPUT_DIR):
        folder = Path(os.environ[_environment.OUTPUT_DIR])
    elif is_quick():
        folder = Path(tempfile.gettempdir()) / "dreamlib-outputs"
    else:
        folder = Path.cwd()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


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


def colab_url(notebook, repository=None, branch=None):
    """Colab address of ``notebook``, a path inside ``notebooks/``.

    ``repository`` and ``branch`` default to :data:`REPOSITORY` and :data:`BRANCH`.

    Examples
    --------
    >>> colab_url("student/01_bars_sanity_check.ipynb", "jane-doe/dreamlib", "fall-2025")
    'https://colab.research.google.com/github/jane-doe/dreamlib/blob/fall-2025/notebooks/student/01_bars_sanity_check.ipynb'
    """
    if not (isinstance(notebook, str) and notebook.endswith(".ipynb")
            and not {"", ".", ".."} & set(notebook.split("/"))):
        raise ValueError(f"notebook must be a path inside notebooks/ ending in .ipynb, such as "
                         f"'01_bars_sanity_check.ipynb' or 'student/01_bars_sanity_check.ipynb': "
                         f"got {notebook!r}")
    repository, branch = repository or REPOSITORY, branch or BRANCH
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/notebooks/{notebook}"


def pip_spec(repository=None, branch=None):
    """The pip requirement that Colab setup cells install: dreamlib from the course repository.

    With the ``student`` extra: what Otter-Grader needs besides itself (the
    setup cell installs otter-grader without its dependencies, which would
    replace Colab's ipywidgets 7.7). ``repository`` and ``branch`` default to
    :data:`REPOSITORY` and :data:`BRANCH`.

    Examples
    --------
    >>> pip_spec("jane-doe/dreamlib", "fall-2025")
    'dreamlib[student] @ git+https://github.com/jane-doe/dreamlib@fall-2025'
    """
    repository, branch = repository or REPOSITORY, branch or BRANCH
    return f"dreamlib[student] @ git+https://github.com/{repository}@{branch}"


def _kernel_shell():
    """The IPython shell of a Jupyter kernel we run in (JupyterLab, Colab, nbval, ...), else None."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return None
    zmqshell = sys.modules.get("ipykernel.zmqshell")
    in_kernel = zmqshell is not None and isinstance(shell, zmqshell.ZMQInteractiveShell)
    return shell if in_kernel or "IPKernelApp" in shell.config else None


def setup_notebook():
    """Plotting defaults shared by every notebook: figures inline, readable, never drawn twice.

    In a Jupyter kernel (JupyterLab, Notebook, Colab, VS Code, and the headless
    kernels of nbval, nbconvert and papermill) figures are drawn inline whatever
    ``MPLBACKEND`` says: with ``MPLBACKEND=Agg``, as the tests set it, every
    ``plt.show()`` would otherwise draw nothing, and a notebook whose figures
    vanished would still pass. Outside a kernel the backend is left alone.
    """
    import matplotlib.pyplot as plt

    shell = _kernel_shell()
    if shell is not None:
        shell.run_line_magic("matplotlib", "inline")
    plt.rcParams.update(
        {
            "figure.dpi": 90,
            "figure.figsize": (7, 4),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "image.interpolation": "nearest",
        }
    )


#: Seconds between redraws of a text progress bar in a kernel without a front end.
HEADLESS_REFRESH_S = 10.0


def progress_bar(iterable=None, **kwargs):
    """A tqdm progress bar that reads right both live and in a saved notebook.

    With a front end (JupyterLab, Colab, VS Code; see
    :func:`dreamlib.widgets.has_frontend`) this is tqdm's notebook widget. Without
    one (nbval, nbconvert, papermill, a script) it is tqdm's text bar: a notebook
    saved from such a run keeps its last line, "100%|...| 3000/3000 [05:31<00:00]",
    where a widget bar, whose state is not saved, would read "0% 0/3000". In a
    headless kernel the text bar is redrawn at most every
    :data:`HEADLESS_REFRESH_S` seconds, so the saved output stays small.

    Parameters
    ----------
    iterable : iterable, optional
    **kwargs
        Passed to ``tqdm`` (``desc``, ``total``, ``disable``, ...).

    Returns
    -------
    tqdm.tqdm
        Iterate over it, or use it as a context manager and call ``update``.

    Examples
    --------
    >>> sum(progress_bar(range(4), disable=True))
    6
    """
    from .widgets import has_frontend

    if has_frontend():
        from tqdm.auto import tqdm
    else:
        from tqdm.std import tqdm

        if _kernel_shell() is not None:
            kwargs.setdefault("mininterval", HEADLESS_REFRESH_S)
    return tqdm(iterable, **kwargs)
