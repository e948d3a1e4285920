#!/usr/bin/env bash
# dreamlib over ipywidgets 7.7 (what Google Colab ships), in a separate virtual environment.
#
#   bash benchmarks/check_ipywidgets77.sh            # venv in /tmp/venv77 (reused if present)
#   VENV=/some/where NOTEBOOK_DIR=notebooks bash benchmarks/check_ipywidgets77.sh
#
# 1. Builds the venv: ipywidgets==7.7.*, ipykernel<7 (as in Colab), and this package installed
#    from the checkout (not editable) with its student extra and otter-grader without its
#    dependencies (as the Colab setup cell installs them). Checks pip kept ipywidgets at 7.7.
# 2. Imports dreamlib and runs every notebook twice through nbclient, in quick, offline mode:
#    - static: no front end (DREAMLIB_WIDGETS=static), every explorer draws its default figure;
#    - live:   DREAMLIB_WIDGETS=live, every explorer is built from 7.7 widgets, and a cell added
#              at the end moves each control of each explorer (setting .value, as the front end
#              does) and fails on any error an update raises; it prints each update's time.
# Exits non-zero on any failure. Needs PyPI (or a mirror) for the first run only.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-/tmp/venv77}
NOTEBOOK_DIR=$(realpath "${NOTEBOOK_DIR:-notebooks}")

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
log="$VENV/install.log"
if ! { "$VENV/bin/python" -m pip install -q --upgrade pip &&
       "$VENV/bin/python" -m pip install -q "ipywidgets==7.7.*" "ipykernel<7" nbclient nbformat \
           pandas nbconvert jinja2 pyyaml requests click ".[student]" &&   # Colab has the first ones
       "$VENV/bin/python" -m pip install -q --no-deps "otter-grader>=7,<8"   # as Colab's setup cell does
     } >"$log" 2>&1; then
    cat "$log"; echo "pip install failed (log above, also in $log)" >&2; exit 1
fi
export PATH="$VENV/bin:$PATH"   # the kernel spec runs `python`: it must be the venv's
export DREAMLIB_QUICK=1 DREAMLIB_OFFLINE=1 MPLBACKEND=Agg
unset JPY_SESSION_NAME DREAMLIB_STATIC_WIDGETS || true

cd /   # import the installed package, not the checkout
"$VENV/bin/python" - "$NOTEBOOK_DIR" <<'PY'
import sys, time
from pathlib import Path

import ipywidgets
import nbclient
import nbformat

import dreamlib

assert ipywidgets.__version__.startswith("7.7"), f"pip upgraded ipywidgets to {ipywidgets.__version__}"
print(f"python {sys.version.split()[0]}, ipywidgets {ipywidgets.__version__}, "
      f"dreamlib {dreamlib.__version__ if hasattr(dreamlib, '__version__') else '?'} "
      f"from {Path(dreamlib.__file__).parent}")

CHECK_KERNEL = """
import ipywidgets, sys, dreamlib
assert ipywidgets.__version__.startswith("7.7"), ipywidgets.__version__
print("kernel:", sys.executable, "ipywidgets", ipywidgets.__version__, "dreamlib from", dreamlib.__file__)
"""

# Appended in live mode: move every control of every explorer, as the front end would.
MOVE_CONTROLS = r"""
import time
import ipywidgets
from dreamlib.widgets import EXPLORER_CLASS

_errors = []
_shell = get_ipython()
_show = _shell.showtraceback
def _record(exc_tuple=None, *args, **kwargs):  # ipywidgets.Output reports update errors here
    _errors.append(exc_tuple or sys.exc_info())
    return _show(exc_tuple, *args, **kwargs)
_shell.showtraceback = _record

def _next_value(control):
    if isinstance(control, (ipywidgets.Dropdown, ipywidgets.ToggleButtons, ipywidgets.RadioButtons,
                            ipywidgets.SelectionSlider, ipywidgets.Select)):
        options = list(control.options)
        labels = [o[1] if isinstance(o, tuple) else o for o in options]
        return labels[(labels.index(control.value) + 1) % len(labels)]
    if isinstance(control, (ipywidgets.Checkbox, ipywidgets.ToggleButton)):
        return not control.value
    if hasattr(control, "step") and hasattr(control, "max"):
        up = control.value + control.step
        return up if up <= control.max else control.value - control.step
    raise TypeError(f"do not know how to move {type(control).__name__}")

_boxes = [w for w in list(ipywidgets.Widget.widgets.values())
          if EXPLORER_CLASS in getattr(w, "_dom_classes", ())]
assert _boxes, "no explorer was built in live mode"
for _i, _box in enumerate(_boxes):
    _controls = [c for c in _box.children[-2].children if hasattr(c, "value")]
    for _control in _controls:
        _old = _control.value
        _start = time.perf_counter()
        _control.value = _next_value(_control)
        print(f"explorer {_i + 1}, {type(_control).__name__} {_control.description or ''}"
              f" {_old!r} -> {_control.value!r}: update {time.perf_counter() - _start:.3f} s")
_shell.showtraceback = _show
assert not _errors, f"{len(_errors)} update(s) raised: {[repr(e[1]) for e in _errors]}"
print(f"moved every control of {len(_boxes)} explorer(s) under ipywidgets", ipywidgets.__version__)
"""


def run(path, mode):
    import os
    os.environ["DREAMLIB_WIDGETS"] = mode
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(CHECK_KERNEL))
    if mode == "live":
        nb.cells.append(nbformat.v4.new_code_cell(MOVE_CONTROLS))
    start = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    printed = []
    for index in (0, len(nb.cells) - 1) if mode == "live" else (0,):
        printed += [o.get("text", "") for o in nb.cells[index].outputs if o.get("output_type") == "stream"]
    return seconds, "".join(printed)


notebooks = sorted(Path(sys.argv[1]).glob("*.ipynb"))
if not notebooks:
    sys.exit(f"no notebooks in {sys.argv[1]}")
failed = []
for path in notebooks:
    for mode in ("static", "live"):
        try:
            seconds, printed = run(path, mode)
        except Exception as exc:  # nbclient's CellExecutionError carries the traceback
            failed.append(f"{path.name} [{mode}]")
            print(f"FAIL {path.name} [{mode}]\n{exc}\n")
            continue
        print(f"ok   {path.name} [{mode}] {seconds:.1f} s\n" + "".join(
            f"       {line}\n" for line in printed.splitlines()))
if failed:
    sys.exit("ipywidgets 7.7 check FAILED: " + ", ".join(failed))
print(f"ipywidgets 7.7 check passed: {len(notebooks)} notebook(s), static and live paths")
PY
