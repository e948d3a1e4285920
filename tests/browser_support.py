"""Run notebooks in JupyterLab in headless Chromium (used by ``test_browser.py``).

The recipe is ``../shared/BROWSER.md``: Debian's ``chromium`` driven by the
Python ``playwright`` package (never ``playwright install``: it downloads a
browser), JupyterLab on loopback with a token. Everything here is loopback
only; the notebooks run on copies in a temporary folder, so the repository's
notebooks are never saved with outputs.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = (
    "the real-browser notebook test needs Debian's Chromium and the Python playwright package: "
    "`apt-get install chromium` and `pip install playwright` (never `playwright install`, "
    "which downloads a browser)"
)
#: JupyterLab settings for the test server: no news or update toasts over the cells, and every
#: cell kept in the DOM (no windowed rendering), so explorers below the fold can be found.
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}
#: Explorer boxes carry this class (``dreamlib.widgets.EXPLORER_CLASS``).
EXPLORER = ".dreamlib-explorer"
#: Slider handles: noUiSlider in ipywidgets 8, jQuery UI in ipywidgets 7.
SLIDER_HANDLE = ".noUi-handle, .ui-slider-handle"


def missing_requirements():
    """None when Chromium and playwright are usable, else what is missing and how to install it."""
    missing = []
    if find_chromium() is None:
        missing.append("chromium (not found at " + " or ".join(CHROMIUM_CANDIDATES) + ")")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    if not missing:
        return None
    return "missing " + " and ".join(missing) + "; " + INSTALL_HINT


def find_chromium():
    for path in CHROMIUM_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    found = shutil.which("chromium")
    return found


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """A JupyterLab server on 127.0.0.1 serving ``root_dir``, started and stopped by us."""

    def __init__(self, root_dir, env_overrides=None, startup_timeout=120):
        self.root_dir = Path(root_dir)
        self.port = free_port()
        self.token = os.urandom(16).hex()
        self.base = f"http://127.0.0.1:{self.port}"
        self._tmp = Path(tempfile.mkdtemp(prefix="dreamlib-lab-"))
        settings = self._tmp / "app-settings"
        settings.mkdir()
        (settings / "overrides.json").write_text(json.dumps(LAB_OVERRIDES))
        env = dict(os.environ)
        # The kernels must use the inline backend (the test run sets MPLBACKEND=Agg) and decide
        # for themselves whether a front end is attached.
        for name in ("MPLBACKEND", "JPY_SESSION_NAME", "DREAMLIB_WIDGETS", "DREAMLIB_STATIC_WIDGETS"):
            env.pop(name, None)
        env.update(
            {
                "DREAMLIB_QUICK": "1",
                "DREAMLIB_OFFLINE": "1",
                "JUPYTERLAB_SETTINGS_DIR": str(self._tmp / "user-settings"),
                "JUPYTERLAB_WORKSPACES_DIR": str(self._tmp / "workspaces"),
                "JUPYTER_RUNTIME_DIR": str(self._tmp / "runtime"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(env_overrides or {})
        cmd = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
            f"--port={self.port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.app_settings_dir={settings}",
            # window.jupyterapp: the test reads cells and outputs from JupyterLab's own model.
            "--LabApp.expose_app_in_browser=True",
        ]
        self.log_path = self._tmp / "server.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_ready(startup_timeout)

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.log()
                self.stop()
                raise RuntimeError(f"JupyterLab exited at start:\n{log}")
            try:
                with urllib.request.urlopen(self.api_url("/api/status"), timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        log = self.log()
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{log}")

    def api_url(self, path):
        return f"{self.base}{path}?token={self.token}"

    def lab_url(self, notebook):
        return f"{self.base}/lab/tree/{notebook}?token={self.token}&reset"

    def api(self, path, method="GET"):
        req = urllib.request.Request(self.api_url(path), method=method)
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Stop every kernel session, so notebooks do not compete for the two cores."""
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE")

    def log(self):
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self):
        if self.proc.poll() is None:
            # Only the server we started (and its kernels, in its own process group).
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


# Driving one notebook --------------------------------------------------------------------------

#: The notebook panel on screen.
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

#: Cells of the notebook on screen, from JupyterLab's own model (``expose_app_in_browser``):
#: type, source, execution count and a summary of the outputs, plus the kernel's status.
JS_NOTEBOOK_STATE = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model) return null;
  const model = panel.content.model;
  const cells = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    const widget = panel.content.widgets[i];
    const prompt = widget && widget.node.querySelector('.jp-InputArea-prompt');
    cells.push({
      type: cell.type,
      source: cell.sharedModel.getSource(),
      execution_count: cell.type === 'code' ? cell.executionCount : null,
      prompt: prompt ? prompt.textContent.trim() : '',
      // Only what the test needs of each output (not the images): type, error, animations.
      outputs: cell.type === 'code' ? cell.outputs.toJSON().map(o => {
        let html = (o.data && o.data['text/html']) || '';
        html = Array.isArray(html) ? html.join('') : html;
        return {output_type: o.output_type, ename: o.ename, evalue: o.evalue,
                animations: html.split('class="anim-slider"').length - 1};
      }) : [],
    });
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return {cells: cells, kernel: kernel ? kernel.status : null,
          kernel_name: panel.sessionContext.kernelDisplayName};
}"""

#: A signature of what an explorer's output area shows: images by their source, plus text.
JS_OUTPUT_SIGNATURE = """(box) => {
  const out = box.querySelector('.widget-output');
  if (!out) return null;
  const imgs = [...out.querySelectorAll('img')].map(i => i.getAttribute('src') || '');
  return JSON.stringify({imgs: imgs, text: out.innerText});
}"""

TRACEBACK_MARK = "Traceback (most recent call last)"


class NotebookRunError(AssertionError):
    pass


def _wait(page, predicate, timeout, what, poll=0.25):
    """Poll ``predicate()`` (Python side) until it returns a true value; fail with ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise NotebookRunError(f"timed out after {timeout:.0f} s waiting for {what}")
        page.wait_for_timeout(int(poll * 1000))


def open_notebook(page, server, relpath, timeout):
    page.goto(server.lab_url(relpath))
    page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=timeout * 1000)

    def kernel_ready():
        if page.query_selector(".jp-Dialog .jp-mod-accept"):  # "Select Kernel": take the default
            page.click(".jp-Dialog .jp-mod-accept")
        state = page.evaluate(JS_NOTEBOOK_STATE)
        return state and state["kernel"] == "idle"

    _wait(page, kernel_ready, timeout, f"a running, idle kernel for {relpath}")


def run_all(page, timeout):
    """Run all cells from the Run menu; wait until every cell ran or one failed, kernel idle."""
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    stable = {"count": 0}

    def finished():
        state = page.evaluate(JS_NOTEBOOK_STATE)
        code = [c for c in state["cells"] if c["type"] == "code"]
        failed = any(o.get("output_type") == "error" for c in code for o in c["outputs"])
        pending = any(c["prompt"] == "[*]:" for c in code)
        done = all(c["execution_count"] is not None for c in code if c["source"].strip())
        if state["kernel"] == "idle" and not pending and (done or failed):
            stable["count"] += 1
        else:
            stable["count"] = 0
        return state if stable["count"] >= 2 else None

    return _wait(page, finished, timeout, "all cells to run (kernel idle, no [*] left)", poll=0.5)


def cell_errors(state):
    """The error outputs of the notebook model, as readable strings."""
    errors = []
    for index, cell in enumerate(state["cells"]):
        for output in cell["outputs"]:
            if output.get("output_type") == "error":
                errors.append(f"cell {index} ({cell['source'][:60]!r}...): "
                              f"{output.get('ename')}: {output.get('evalue')}")
    return errors


def expected_counts(state):
    """Explorers called and animations produced, according to the cells' sources and outputs."""
    calls = sum(
        len(re.findall(r"(?<!def )\bexplore\s*\(", cell["source"]))
        for cell in state["cells"] if cell["type"] == "code"
    )
    animations = sum(output["animations"] for cell in state["cells"] for output in cell["outputs"])
    return calls, animations


#: Controls the test knows how to move, in the order of the explorer's control row.
CONTROL = ".widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-checkbox"


def _move_control(control):
    """Change one control the way a student would (keyboard, menu, click); say what was done."""
    handle = control.locator(SLIDER_HANDLE).first
    if handle.count():
        now, top = handle.get_attribute("aria-valuenow"), handle.get_attribute("aria-valuemax")
        key = "ArrowLeft" if now is not None and now == top else "ArrowRight"
        handle.focus()
        handle.press(key)
        return f"slider {key}"
    select = control.locator("select").first
    if select.count():
        options = select.locator("option")
        current = select.evaluate("s => s.selectedIndex")
        target = (current + 1) % options.count()
        select.select_option(index=target)
        return f"dropdown -> {options.nth(target).inner_text()}"
    toggle = control.locator(".widget-toggle-button:not(.mod-active), input[type='checkbox']").first
    if toggle.count():
        toggle.click()
        return "toggle"
    raise NotebookRunError(f"do not know how to move control {control.evaluate('e => e.className')}")


JS_OUTPUT_CHANGED = """([box, before]) => {
  const out = box.querySelector('.widget-output');
  if (!out) return false;
  const failed = out.innerText.includes('Traceback (most recent call last)');
  if (!out.querySelector('img') && !failed) return false;  // cleared, not yet redrawn
  const imgs = [...out.querySelectorAll('img')].map(i => i.getAttribute('src') || '');
  return JSON.stringify({imgs: imgs, text: out.innerText}) !== before;
}"""


def exercise_explorer(page, box, timeout):
    """Check an explorer renders; move its controls in turn until the figure changes; time it.

    A control whose move leaves the figure as it was (e.g. a setting that only matters in
    another mode) is passed over after ``timeout`` seconds; failing all of them is an error.
    """
    box.scroll_into_view_if_needed()
    _wait(page, lambda: box.locator(".widget-output img").count(), timeout,
          "the explorer's first figure")
    controls = box.locator(CONTROL)
    if not controls.count():
        raise NotebookRunError("explorer shows no control the test can move: "
                               + box.inner_text()[:300])
    tried = []
    for i in range(controls.count()):
        before = box.evaluate(JS_OUTPUT_SIGNATURE)
        start = time.perf_counter()
        action = _move_control(controls.nth(i))
        try:
            page.wait_for_function(JS_OUTPUT_CHANGED, arg=[box.element_handle(), before],
                                   timeout=timeout * 1000, polling="raf")
        except Exception:  # playwright's TimeoutError
            tried.append(action)
            continue
        response = time.perf_counter() - start
        text = box.inner_text()
        if TRACEBACK_MARK in text:
            raise NotebookRunError(f"explorer shows a traceback after '{action}':\n{text[-2000:]}")
        return {"action": action, "control": i, "response_s": round(response, 3),
                "no_effect": tried}
    raise NotebookRunError(
        f"the explorer's figure did not change within {timeout} s after any of: {tried}")


def exercise_animation(page, anim, timeout):
    """Check a to_jshtml animation rendered (its script ran) and that stepping a frame works."""
    anim.scroll_into_view_if_needed()
    img = anim.locator("img[id^='_anim_img']")
    _wait(page, lambda: (img.get_attribute("src") or "").startswith("data:image"), timeout,
          "the animation's first frame (did its script run?)")
    anim.locator("button[title='Pause']").click()
    slider = anim.locator(".anim-slider")
    frame_before, src_before = slider.input_value(), img.get_attribute("src")
    anim.locator("button[title='Next frame']").click()
    _wait(page, lambda: img.get_attribute("src") != src_before, timeout,
          "the next animation frame")
    frames = int(slider.get_attribute("max")) + 1
    return {"frames": frames, "frame_before": int(frame_before),
            "frame_after": int(slider.input_value())}


def screenshot_notebook(page, path, elements=()):
    """Screenshot the whole notebook: grow the viewport to the notebook's height, then restore.

    ``elements`` are (locator, path) pairs shot at the same time, whole (the notebook scrolls
    inside the page, so an element taller than the visible part would be cut otherwise).
    """
    size = page.viewport_size
    height = page.evaluate(
        f"() => {{ const n = document.querySelector('{PANEL} .jp-WindowedPanel-outer');"
        " return n ? n.scrollHeight : 0; }"
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(height + 150, 900), 16000)})
    page.evaluate(f"() => document.querySelectorAll('{PANEL} .jp-WindowedPanel-outer')"
                  ".forEach(n => n.scrollTop = 0)")
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    for locator, element_path in elements:
        locator.screenshot(path=str(element_path))
    page.set_viewport_size(size)


def run_notebook(page, server, relpath, artifacts, timeout=600, response_timeout=30):
    """Open ``relpath`` in JupyterLab, run it, exercise its explorers and animations.

    Returns a dict of measurements; raises :class:`NotebookRunError` on any failure.
    """
    name = Path(relpath).stem
    t0 = time.perf_counter()
    open_notebook(page, server, relpath, timeout=120)
    t_open = time.perf_counter()
    state = run_all(page, timeout)
    t_run = time.perf_counter()
    result = {"notebook": relpath, "open_s": round(t_open - t0, 2),
              "run_all_s": round(t_run - t_open, 2)}
    errors = cell_errors(state)
    if errors:
        screenshot_notebook(page, artifacts / f"{name}-error.png")
        raise NotebookRunError(f"{relpath}: cells failed in JupyterLab:\n" + "\n".join(errors))
    calls, n_animations = expected_counts(state)

    explorers = page.locator(f"{PANEL} {EXPLORER}")
    n_explorers = explorers.count()
    result["explorer_calls_in_source"] = calls
    if n_explorers < max(calls, 1):
        screenshot_notebook(page, artifacts / f"{name}-error.png")
        raise NotebookRunError(
            f"{relpath}: {n_explorers} explorer(s) rendered, expected at least {max(calls, 1)} "
            f"({calls} explore(...) call(s) in the source; every notebook has one, see DESIGN.md)")
    result["explorers"] = []
    for i in range(n_explorers):
        box = explorers.nth(i)
        result["explorers"].append(exercise_explorer(page, box, response_timeout))

    animations = page.locator(f"{PANEL} .animation:has(.anim-slider)")
    if animations.count() != n_animations:
        raise NotebookRunError(
            f"{relpath}: {animations.count()} animation(s) rendered, {n_animations} in the outputs")
    result["animations"] = [exercise_animation(page, animations.nth(i), response_timeout)
                            for i in range(n_animations)]

    state = page.evaluate(JS_NOTEBOOK_STATE)
    errors = cell_errors(state)
    if errors:
        raise NotebookRunError(f"{relpath}: errors after interaction:\n" + "\n".join(errors))
    shots = [(explorers.nth(i), artifacts / f"{name}-explorer{i + 1}.png")
             for i in range(n_explorers)]
    shots += [(animations.nth(i), artifacts / f"{name}-animation{i + 1}.png")
              for i in range(n_animations)]
    screenshot_notebook(page, artifacts / f"{name}.png", shots)
    result["total_s"] = round(time.perf_counter() - t0, 2)
    return result


def prepare_copies(notebooks, root):
    """Copy ``notebooks`` (paths) into ``root``/notebooks without outputs, kernel python3."""
    import nbformat

    target = Path(root) / "notebooks"
    target.mkdir(parents=True, exist_ok=True)
    for path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nb.metadata["kernelspec"] = {
            "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        nbformat.write(nb, str(target / Path(path).name))
    return target


# A student's exercise and its Otter check -----------------------------------------------------

JS_CELL_INDEX = """(text) => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    if (cells.get(i).sharedModel.getSource().includes(text)) return i;
  }
  return -1;
}"""

JS_CELL_TEXT = """(i) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cell = panel.content.model.cells.get(i);
  const out = panel.content.widgets[i].node.querySelector('.jp-OutputArea');
  return {source: cell.sharedModel.getSource(), count: cell.executionCount,
          output: out ? out.innerText : ''};
}"""


def _cell_index(page, text):
    index = page.evaluate(JS_CELL_INDEX, text)
    if index < 0:
        raise NotebookRunError(f"no cell contains {text!r}")
    return index


def _wait_ran(page, indices, before, timeout):
    """Wait until each cell in ``indices`` has a new execution count and the kernel is idle."""
    def ran():
        state = page.evaluate(JS_NOTEBOOK_STATE)
        cells = [state["cells"][i] for i in indices]
        return (state["kernel"] == "idle" and all(c["prompt"] != "[*]:" for c in cells)
                and all(c["execution_count"] not in (None, before.get(i)) for i, c in zip(indices, cells)))
    _wait(page, ran, timeout, f"cells {indices} to run", poll=0.3)


def run_cells_containing(page, texts, timeout=120):
    """Run, in order, the cells whose sources contain ``texts`` (as the Run menu would, one by one)."""
    for text in texts:
        index = _cell_index(page, text)
        before = {index: page.evaluate(JS_CELL_TEXT, index)["count"]}
        page.evaluate("(i) => { const p = window.jupyterapp.shell.currentWidget;"
                      " p.content.activeCellIndex = i; p.content.mode = 'command'; }", index)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")
        _wait_ran(page, [index], before, timeout)


def answer_and_check(page, answer_marker, source, timeout=120):
    """Type ``source`` into the answer cell (found by ``answer_marker``), then Shift+Enter twice:
    the answer cell runs, then the ``grader.check`` cell below it. Returns that check's output text."""
    index = _cell_index(page, answer_marker)
    before = {i: page.evaluate(JS_CELL_TEXT, i)["count"] for i in (index, index + 1)}
    if "grader.check" not in page.evaluate(JS_CELL_TEXT, index + 1)["source"]:
        raise NotebookRunError("the cell after the answer cell is not its grader.check cell")
    editor = page.locator(f"{PANEL} .jp-Cell").nth(index).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)  # as pasted: no auto-indent on top of the answer's own
    typed = page.evaluate(JS_CELL_TEXT, index)["source"]
    if typed.strip() != source.strip():
        raise NotebookRunError(f"the answer cell holds {typed!r}, not the typed answer")
    page.keyboard.press("Shift+Enter")   # runs the answer, selects the check cell
    page.keyboard.press("Shift+Enter")   # runs the check
    _wait_ran(page, [index, index + 1], before, timeout)
    return page.evaluate(JS_CELL_TEXT, index + 1)["output"]
