"""Interactive explorers for the notebooks, on core ipywidgets (7.7 and 8.x).

:func:`explore` is the one mechanism every explorer uses: controls on top,
a figure below that is redrawn when a control moves. When no front end can
show widgets (nbval, nbconvert, papermill), the figure is drawn once at the
default values instead, so headless runs still execute the explorer.

Two things keep an explorer responsive (each update well under a second):

- sliders report a new value when released, not at every pixel of a drag
  (``continuous_update=False``), so a drag costs one update, not hundreds;
- :func:`cached` memoises the expensive part of an update function (a
  model fit, an LCA inference), so returning to a value is instant.

Every figure an update draws is shown once and then closed, so nothing is
drawn twice (for example again at the end of the next cell).

Which path runs is decided by :func:`has_frontend`; set the environment
variable ``DREAMLIB_WIDGETS`` to ``static`` or ``live`` to force one.
"""

import functools
import hashlib
import os

import matplotlib.pyplot as plt

from . import _environment
from .course import in_colab

__all__ = ["explore", "Explorer", "has_frontend", "cached", "EXPLORER_CLASS"]

#: ``static``, ``live`` or ``auto`` (default): which explorer path runs (read by ``_environment``).
MODE_ENV = _environment.WIDGETS
#: Older switch, still honoured: ``DREAMLIB_STATIC_WIDGETS=1`` means ``DREAMLIB_WIDGETS=static``.
STATIC_ENV = _environment.STATIC_WIDGETS
#: CSS class of every explorer box (the browser test finds explorers by it).
EXPLORER_CLASS = "dreamlib-explorer"


def has_frontend():
    """Whether the kernel talks to a front end that renders widgets.

    True in Colab, in kernels started by a Jupyter server (JupyterLab,
    Notebook 7, Voila: jupyter_server sets ``JPY_SESSION_NAME`` in the
    environment of every kernel it starts for a notebook) and in VS Code.
    False for headless runners such as nbval, nbconvert and papermill, whose
    kernels have none of these.

    ``DREAMLIB_WIDGETS=static`` (or ``DREAMLIB_STATIC_WIDGETS=1``) forces
    False and ``DREAMLIB_WIDGETS=live`` forces True. The first is useful when
    a headless runner is started from inside a notebook (``!pytest``): its
    kernels inherit ``JPY_SESSION_NAME``.
    """
    mode = _environment.widgets_mode()
    if mode != "auto":
        return mode == "live"
    if in_colab():
        return True
    return bool(os.environ.get("JPY_SESSION_NAME")) or bool(os.environ.get("VSCODE_PID"))


def _draw(update, values):
    """Call ``update(**values)``, display every figure it drew once, and close them.

    Figures left open would be drawn again by the inline backend at the end of
    the next cell, and would pile up over a long slider session.
    """
    from IPython.display import display

    before = set(plt.get_fignums())
    try:
        result = update(**values)
        figures = [plt.figure(num) for num in plt.get_fignums() if num not in before]
        if isinstance(result, plt.Figure) and result not in figures:
            figures.append(result)
        for fig in figures:
            display(fig)
        if result is not None and not isinstance(result, (plt.Figure, plt.Axes)):
            display(result)
    finally:
        for num in plt.get_fignums():
            if num not in before:
                plt.close(num)
    return result


def explore(update, controls, *, title=None, continuous_update=False):
    """Show controls and a figure that ``update`` redraws when they change.

    Parameters
    ----------
    update : callable
        ``update(**values)`` draws one matplotlib figure for the given control
        values (it need not call ``plt.show``; the figure is shown and closed
        here). It may instead return a figure, or another displayable object.
        Put its expensive computations behind :func:`cached`.
    controls : dict of str -> ipywidgets.ValueWidget
        The controls (sliders, dropdowns, checkboxes, ...), by the keyword of
        ``update`` they set. Their initial values are the defaults.
    title : str, optional
        A line of text above the controls.
    continuous_update : bool, default=False
        Applied to every control that has this setting (sliders, text
        boxes). False redraws once when a slider is released rather than at
        every step of a drag, so a drag never queues minutes of work.

    Returns
    -------
    Explorer or None
        A handle on the explorer (displayed already; its box carries the CSS
        class ``dreamlib-explorer``), or None in a headless run, where the
        figure at the default values is shown instead.

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> def update(lam):
    ...     plt.plot([0, 1], [0, lam])
    >>> explore(update, {"lam": widgets.FloatSlider(value=0.1, min=0, max=1)})  # doctest: +SKIP
    """
    if not isinstance(controls, dict) or not controls:
        raise TypeError("controls must be a non-empty dict of keyword -> ipywidgets control.")
    for name, control in controls.items():
        if not hasattr(control, "value"):
            raise TypeError(f"control {name!r} has no .value; pass an ipywidgets control.")

    if not has_frontend():
        _draw(update, {name: w.value for name, w in controls.items()})
        return None

    import ipywidgets as widgets
    from IPython.display import display

    for control in controls.values():
        if control.has_trait("continuous_update"):
            control.continuous_update = continuous_update

    out = widgets.Output()

    def redraw(**values):
        with out:
            out.clear_output(wait=True)
            _draw(update, values)

    widgets.interactive_output(redraw, controls)
    children = [widgets.HTML(f"<b>{title}</b>")] if title else []
    controls_box = widgets.HBox(list(controls.values()))
    controls_box.layout.flex_flow = "row wrap"
    box = widgets.VBox(children + [controls_box, out])
    box.add_class(EXPLORER_CLASS)
    display(box)
    return Explorer(box, out, controls, update)


class Explorer:
    """The handle :func:`explore` returns when a front end shows the explorer.

    Attributes
    ----------
    box : ipywidgets.VBox
        Title, controls and output, as displayed.
    output : ipywidgets.Output
        Where the figure is drawn.
    controls : dict of str -> ipywidgets.ValueWidget
    update : callable

    The explorer is displayed by :func:`explore` already, so a notebook may
    end a cell with ``explore(...)`` without it appearing twice: the handle
    shows nothing as the value of that cell. Displayed from a later cell it
    shows the explorer again.
    """

    def __init__(self, box, output, controls, update):
        self.box = box
        self.output = output
        self.controls = controls
        self.update = update
        self._shown_in = _execution_count()

    def _ipython_display_(self):
        if _execution_count() != self._shown_in:
            from IPython.display import display

            display(self.box)

    def __repr__(self):
        return f"<dreamlib explorer of {getattr(self.update, '__name__', 'update')}({', '.join(self.controls)})>"


def _execution_count():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return getattr(shell, "execution_count", None)


def _key(value):
    """A hashable, content-based stand-in for an argument (arrays by their bytes)."""
    if hasattr(value, "__array__") and not isinstance(value, (str, bytes)):
        import numpy as np

        array = np.ascontiguousarray(value)
        digest = hashlib.blake2b(array.tobytes(), digest_size=16).hexdigest()
        return ("ndarray", array.shape, array.dtype.str, digest)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__,) + tuple(_key(v) for v in value)
    if isinstance(value, dict):
        return ("dict",) + tuple(sorted((k, _key(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        raise TypeError(
            f"cached: cannot use an argument of type {type(value).__name__} as a cache key."
        ) from None
    return value


def cached(func=None, *, maxsize=64):
    """Memoise an expensive function of the explorer's control values.

    Like :func:`functools.lru_cache`, but NumPy arrays (and lists, tuples and
    dicts of them) are accepted as arguments and compared by content. Results
    are returned as stored, so do not modify them in place.

    Parameters
    ----------
    func : callable
    maxsize : int, default=64
        How many results to keep (least recently used are dropped).

    Examples
    --------
    >>> calls = []
    >>> @cached
    ... def slow_square(x):
    ...     calls.append(x)
    ...     return x * x
    >>> slow_square(3), slow_square(3), len(calls)
    (9, 9, 1)
    """
    if func is None:
        return functools.partial(cached, maxsize=maxsize)

    store = {}

    @functools.lru_cache(maxsize=maxsize)
    def by_key(key):
        args, kwargs = store.pop(key)
        return func(*args, **kwargs)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        key = (_key(args), _key(kwargs))
        store[key] = (args, kwargs)
        try:
            return by_key(key)
        finally:
            store.pop(key, None)

    wrapper.cache_info = by_key.cache_info
    wrapper.cache_clear = by_key.cache_clear
    return wrapper
