"""dreamlib.widgets without a browser: which path runs, the static figure, the live callbacks
(driven by setting ``.value`` as a front end would), figures closed, and the cache helper.

The browser side (widgets render and respond in JupyterLab) is tests/test_browser.py; the same
code under ipywidgets 7.7 is benchmarks/check_ipywidgets77.sh.
"""

import sys
import types

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from dreamlib import widgets as dw

matplotlib.use("Agg")


@pytest.fixture
def shown(monkeypatch):
    """Everything passed to IPython's display(), in order."""
    import IPython.display

    seen = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: seen.extend(objs))
    return seen


@pytest.fixture
def headless(monkeypatch):
    for name in ("DREAMLIB_WIDGETS", "DREAMLIB_STATIC_WIDGETS", "JPY_SESSION_NAME", "VSCODE_PID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)


@pytest.fixture
def live(monkeypatch, headless):
    monkeypatch.setenv("DREAMLIB_WIDGETS", "live")


@pytest.fixture(autouse=True)
def no_open_figures():
    plt.close("all")
    yield
    plt.close("all")


def recorder():
    calls = []

    def update(lam, kind):
        calls.append((lam, kind))
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, lam])
        ax.set_title(kind)

    return update, calls


def make_controls():
    return {
        "lam": widgets.FloatSlider(value=0.2, min=0.0, max=1.0, step=0.1),
        "kind": widgets.Dropdown(options=["a", "b"], value="a"),
    }


# --- which path -----------------------------------------------------------------------------


def test_headless_runner_has_no_frontend(headless):
    assert dw.has_frontend() is False


def test_jupyter_server_kernel_has_frontend(headless, monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "/course/notebooks/01_bars.ipynb")
    assert dw.has_frontend() is True


def test_colab_has_frontend(headless, monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert dw.has_frontend() is True


@pytest.mark.parametrize("env, value, expected", [
    ("DREAMLIB_WIDGETS", "static", False),
    ("DREAMLIB_STATIC_WIDGETS", "1", False),
])
def test_static_switch_overrides_jupyter_server(headless, monkeypatch, env, value, expected):
    monkeypatch.setenv("JPY_SESSION_NAME", "nb.ipynb")
    monkeypatch.setenv(env, value)
    assert dw.has_frontend() is expected


def test_live_switch_and_bad_value(headless, monkeypatch):
    monkeypatch.setenv("DREAMLIB_WIDGETS", "live")
    assert dw.has_frontend() is True
    monkeypatch.setenv("DREAMLIB_WIDGETS", "sometimes")
    with pytest.raises(ValueError, match="DREAMLIB_WIDGETS"):
        dw.has_frontend()


def test_nbclient_kernel_is_headless(tmp_path, headless):
    """The kernels nbval and nbconvert start (through nbclient) take the static path."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import os, dreamlib.widgets as w\n"
        "print(repr(os.environ.get('JPY_SESSION_NAME')), w.has_frontend())")]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert nb.cells[0].outputs[0]["text"].strip() == "None False"


# --- static path ----------------------------------------------------------------------------


def test_static_path_draws_defaults_once_and_closes(headless, shown):
    update, calls = recorder()
    result = dw.explore(update, make_controls(), title="t")
    assert result is None
    assert calls == [(0.2, "a")]
    figures = [obj for obj in shown if isinstance(obj, plt.Figure)]
    assert len(figures) == 1 and figures[0].axes[0].get_title() == "a"
    assert plt.get_fignums() == []


def test_returned_figure_is_shown_once(headless, shown):
    def update(lam):
        fig = plt.figure()
        fig.gca().plot([lam])
        return fig

    dw.explore(update, {"lam": widgets.FloatSlider(value=0.5)})
    assert len(shown) == 1 and isinstance(shown[0], plt.Figure)
    assert plt.get_fignums() == []


def test_update_error_propagates_headless_and_closes_figures(headless, shown):
    def update(lam):
        plt.figure()
        raise RuntimeError("broken update")

    with pytest.raises(RuntimeError, match="broken update"):
        dw.explore(update, {"lam": widgets.FloatSlider(value=0.5)})
    assert plt.get_fignums() == []


def test_bad_controls_are_refused(headless):
    with pytest.raises(TypeError):
        dw.explore(lambda: None, {})
    with pytest.raises(TypeError, match="lam"):
        dw.explore(lambda lam: None, {"lam": 0.5})


# --- live path (a front end simulated by DREAMLIB_WIDGETS=live) -----------------------------


def test_live_path_redraws_on_control_change(live, shown):
    update, calls = recorder()
    controls = make_controls()
    explorer = dw.explore(update, controls, title="Explorer")
    assert isinstance(explorer, dw.Explorer)
    assert calls == [(0.2, "a")]  # drawn once at the defaults
    controls["lam"].value = 0.7   # what the front end does when the slider moves
    controls["kind"].value = "b"
    assert calls == [(0.2, "a"), (0.7, "a"), (0.7, "b")]
    figures = [obj for obj in shown if isinstance(obj, plt.Figure)]
    assert [f.axes[0].get_title() for f in figures] == ["a", "a", "b"]
    assert plt.get_fignums() == []  # every figure closed after it was shown


def test_live_box_layout_and_debounce(live, shown):
    update, _ = recorder()
    controls = make_controls()
    explorer = dw.explore(update, controls, title="Explorer")
    box = explorer.box
    assert dw.EXPLORER_CLASS in box._dom_classes
    assert box in shown  # displayed by explore itself
    assert isinstance(box.children[0], widgets.HTML) and "Explorer" in box.children[0].value
    assert list(box.children[1].children) == list(controls.values())
    assert box.children[2] is explorer.output
    assert controls["lam"].continuous_update is False


def test_live_continuous_update_can_be_kept(live, shown):
    update, _ = recorder()
    controls = make_controls()
    dw.explore(update, controls, continuous_update=True)
    assert controls["lam"].continuous_update is True


def test_explorer_value_of_cell_is_not_shown_twice(live, shown):
    update, _ = recorder()
    explorer = dw.explore(update, make_controls())
    n = len(shown)
    explorer._ipython_display_()  # what the displayhook does with the cell's value
    assert len(shown) == n


# --- cache helper ---------------------------------------------------------------------------


def test_cached_compares_arrays_by_content():
    calls = []

    @dw.cached
    def codes(X, lam):
        calls.append(lam)
        return X.sum() * lam

    X = np.arange(6.0).reshape(2, 3)
    assert codes(X, 0.5) == codes(X.copy(), 0.5) == 7.5
    assert codes(X + 1, 0.5) == 10.5
    assert codes(X, lam=0.5) == 7.5
    assert len(calls) == 3  # X twice by content, X + 1, and the keyword call
    assert codes.cache_info().hits == 1


def test_cached_evicts_least_recently_used():
    calls = []

    @dw.cached(maxsize=2)
    def square(x):
        calls.append(x)
        return x * x

    for x in [1, 2, 1, 3, 1, 2]:
        square(x)
    assert calls == [1, 2, 3, 2]
    square.cache_clear()
    square(1)
    assert calls[-1] == 1


def test_cached_refuses_unhashable_arguments():
    @dw.cached
    def f(x):
        return x

    with pytest.raises(TypeError, match="cache key"):
        f({1, 2})
    nested = [1, np.array([1.0, 2.0])]
    assert f(nested) is nested  # lists of arrays are fine
