#!/usr/bin/env bash
# What drawing the figures costs the nbval run (issue 14's budget: at most 1 minute on 2 cores).
#
#   bash benchmarks/figure_cost.sh              # every notebook
#   bash benchmarks/figure_cost.sh notebooks/03_helmholtz_mnist.ipynb
#
# Runs nbval (quick mode, the test configuration) twice over the same notebooks:
#   drawn: as CI does: dl.course.setup_notebook() switches each kernel to the inline backend, every
#          figure is rendered to PNG, and conftest.py counts them (<notebook>::figures);
#   agg:   the same kernels with that switch disabled (an IPython startup file), so matplotlib
#          stays on Agg, plt.show() renders nothing, and the ::figures items fail (expected here).
# The difference is the rendering cost. Then it times tests/test_notebook_figures.py, the
# counter's own test. Prints wall times, their difference and the load; run on an idle machine.
set -uo pipefail
cd "$(dirname "$0")/.."
notebooks=("${@:-notebooks}")
startup=$(mktemp -d)
mkdir -p "$startup/profile_default/startup"
echo 'import dreamlib.course; dreamlib.course._kernel_shell = lambda: None' \
    > "$startup/profile_default/startup/00-no-inline.py"

run() {  # label, extra environment...
    local label=$1; shift
    local start=$(date +%s.%N)
    env "$@" python -m pytest "${notebooks[@]}" -q -p no:randomly >"$startup/$label.log" 2>&1
    local end=$(date +%s.%N)
    echo "$label $(echo "$end - $start" | bc)"
}

echo "load before: $(uptime | sed 's/.*load average: //')"
drawn=$(run drawn IPYTHONDIR="$(mktemp -d)")
agg=$(run agg IPYTHONDIR="$startup")
notebooks=(tests/test_notebook_figures.py)
count=$(run counter-test IPYTHONDIR="$(mktemp -d)")
echo "load after:  $(uptime | sed 's/.*load average: //')"
echo "$drawn s (figures drawn and counted; $(tail -1 "$startup/drawn.log"))"
echo "$agg s (no figures; $(tail -1 "$startup/agg.log"))"
echo "$count s (tests/test_notebook_figures.py)"
echo "rendering cost: $(echo "${drawn#* } - ${agg#* }" | bc) s; with the counter's test: $(echo "${drawn#* } - ${agg#* } + ${count#* }" | bc) s"
rm -rf "$startup"
