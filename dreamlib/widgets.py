"""Interactive explorers for the notebooks, on core ipywidgets (7.7 and 8.x).

:func:`explore` is the one mechanism every explorer uses: controls on top,
a figure below that is redrawn when a control moves. When no front end can
show widgets (nbval, nbconvert, papermill), the figure is drawn once at the
default values instead, so headless runs still execute the explorer.
"""

import os
import sys

import matplotlib.pyplot as plt

__all__ = ["explore", "has_frontend"]

STATIC_ENV = "DREAMLIB_STATIC_WIDGETS"


def has_frontend():
    """Whether the kernel talks to a front end that renders widgets.

    True in Colab and in kernels started by a Jupyter server (JupyterLab,
    Notebook, Voila), which set ``JPY_SESSION_NAME``; False for headless
    runners such as nbval, nbconvert and papermill, and whenever
    ``DREAMLIB_STATIC_WIDGETS=1``.
    """
    if os.environ.get(STATIC_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
        return False
    if "google.colab" in sys.modules:
        return True
    return bool(os.environ.get("JPY_SESSION_NAME")) or bool(os.environ.get("VSCODE_PID"))


def explore(update, controls, *, title=None):
    """Show controls and a figure that ``update`` redraws when they change.

    Parameters
    ----------
    update : callable
        ``update(**values)`` draws one matplotlib figure for the given control
        values (it should not call ``plt.show``).
    controls : dict of str -> ipywidgets.ValueWidget
        The controls, by the keyword of ``update`` they set. Their initial
        values are the defaults.
    title : str, optional
        A line of text above the controls.

    Returns
    -------
    ipywidgets.VBox or None
        The explorer (displayed already), or None in a headless run, where the
        figure at the default values is shown instead.
    """
    from IPython.display import display

    if not has_frontend():
        update(**{name: w.value for name, w in controls.items()})
        plt.show()
        return None

    import ipywidgets as widgets

    out = widgets.Output()

    def redraw(**values):
        with out:
            out.clear_output(wait=True)
            update(**values)
            plt.show()

    widgets.interactive_output(redraw, controls)
    children = ([widgets.HTML(f"<b>{title}</b>")] if title else [])
    box = widgets.VBox(children + [widgets.HBox(list(controls.values())), out])
    display(box)
    return box
