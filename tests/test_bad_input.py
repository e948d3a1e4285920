"""The bad-input catalogue: every public entry point refuses bad input with a clear error.

Each entry is (what is wrong, the call, the exception type, the message it must contain). The
message names the argument and says what was expected; none of these may return a silently
wrong result or fail with a NumPy traceback from deep inside. The expected messages, in order:

 1 X with NaN: "X contains NaN or infinity"
 2 X with inf: "X contains NaN or infinity"
 3 X complex: "X must hold real numbers; Complex data not supported"
 4 X of strings: "X must hold real numbers, got dtype <U"
 5 X of objects: "X must hold real numbers: float() argument"
 6 X one-dimensional: "X must be a 2-D array ... Reshape your data"
 7 X with no rows: "X is empty: 0 sample(s)"
 8 X with no columns: "X is empty: 0 feature(s)"
 9 X of the wrong width: "X has 15 features, but HelmholtzMachine is expecting 16"
10 X not binary: "X must be binary (0/1) for units='bernoulli'"
11 X above 1 for Beta: "X must hold values in [0, 1]"
12 X below 0 for spike-and-slab: "X must hold values in [0, 1] ... Negative values"
13 X sparse: "X must be a dense array"
14 one layer: "layer_sizes needs at least two layers"
15 a zero layer: "layer_sizes must hold positive ints"
16 layer_sizes a string: "layer_sizes must be a sequence of ints"
17 a negative layer: "layer_sizes must hold positive ints"
18 unknown units: "units must be one of ('bernoulli', 'beta', 'spike-and-slab')"
19 batch_size 0: "batch_size must be > 0"
20 n_epochs negative: "n_epochs must be >= 0"
21 learning_rate negative: "learning_rate must be > 0"
22 learning_rate a string: "learning_rate must be a number"
23 n_init 0: "n_init must be > 0"
24 n_importance a float: "n_importance must be an int"
25 unknown optimizer: "optimizer must be one of ('adam', 'sgd')"
26 random_state a string: "random_state must be None, an int or a numpy.random.Generator"
27 random_state negative: "random_state must be a non-negative int"
28 progress not a bool: "progress must be True or False"
29 dream before fit: NotFittedError "not fitted yet"
30 dream of 0 samples: "n_samples must be > 0"
31 top of the wrong width: "top must have 3 columns (the top layer)"
32 log_likelihood with 0 samples: "n_samples must be > 0"
33 exact likelihood of a big machine: "more than max_hidden=20 hidden units"
34 visible median: "visible must be one of ('mean', 'sample')"
35 no coder: "coder must be a SparseCoding (fitted or not) or a dictionary"
36 a zero dictionary row: "coder (a dictionary) must have unit-norm rows"
37 non-unit dictionary rows: "coder (a dictionary) must have unit-norm rows"
38 dictionary of the wrong width: "coder has 64 features per atom but X has 10"
39 lam 0: "lam must be > 0"
40 lam negative: "lam must be > 0"
41 lam missing: "lam is required when coder is a dictionary array"
42 machine not a machine: "machine must be a HelmholtzMachine"
43 machine with Bernoulli units: "machine.units must be one of ('spike-and-slab', 'beta')"
44 machine of the wrong visible size: "machine.layer_sizes[0] must be 32"
45 an old keyword: "SparseHelmholtz no longer takes layer_sizes"
46 codes of the wrong shape: "codes must have shape (200, 16)"
47 max_unit 1: "max_unit must be a number in (0, 1)"
48 units outside [0, 1]: "units must hold values in [0, 1]"
49 scales not positive: "scales must be positive"
50 bars p above 1: "p must be a probability in [0, 1]"
51 bars of 0 samples: "n_samples must be > 0"
52 p_bar a string: "p_bar must be a probability in [0, 1]"
53 digit 11: "digits must be integers between 0 and 9"
54 unknown source: "source must be one of ('auto', 'openml', 'bundled')"
55 patches of size 0: "size must be > 0"
56 whiten a 1-D image: "image must be a 2-D array"
57 contrast above 1: "contrast expects pixel values in [0, 1]"
58 negative sigma: "sigma must be > 0"
59 data_range 0: "data_range must be > 0"
60 mse of mismatched shapes: "the two arrays must have the same shape"
61 relative_mse of a constant: "reference is constant"
62 save into a missing folder: "path's folder"
63 save to a directory: "path must name a file"
64 save a dict: "model must be a dreamlib estimator"
65 load a missing file: "does not exist"
66 load a number: "path must be a file path"
67 load a text file: "is not a complete dreamlib model file"
68 SparseCoding.transform before fit: NotFittedError "not fitted yet"
69 SparseCoding.transform of the wrong width: "X has 3 features, but SparseCoding is expecting 4"
70 lca with lam 0: "lam must be > 0"
71 lca with a zero dictionary row: "dictionary must have unit-norm rows"
72 lca with non-unit rows: "dictionary must have unit-norm rows"
73 SparseCoding with lam 0: "lam must be > 0"
"""

import re

import numpy as np
import pytest
import scipy.sparse
from sklearn.exceptions import NotFittedError

import dreamlib as dl
from dreamlib import io, metrics
from dreamlib.data import bars, hinton_bars
from dreamlib.pipeline import CodeUnitMap, codes_to_units, units_to_codes

HM = dl.HelmholtzMachine
SH = dl.SparseHelmholtz
BARS = hinton_bars(40, random_state=0)
X8, TRUE8 = bars(200, size=8, random_state=0)
D8 = dl.sparse_coding.normalize_rows(TRUE8)
GREY = np.clip(BARS * 0.7 + 0.1, 0, 1)


def _fitted_machine():
    return HM([16, 5, 3], n_epochs=1, progress=False, random_state=0).fit(BARS)


def _fitted_sparse():
    return SH(D8, HM([None, 4], units="spike-and-slab", n_epochs=1, progress=False), lam=0.1,
              random_state=0).fit(X8)


def _fit(**params):
    return lambda X=BARS: HM(**{"layer_sizes": [16, 4], "progress": False, **params}).fit(X)


def _dictionary_with(row):
    D = D8.copy()
    D[3] = row
    return D


def _write(path, data):
    path.write_bytes(data)
    return path


# (what is wrong, call, exception, message) -- calls take tmp_path
CATALOGUE = [
    ("X with NaN", lambda t: _fit()(np.where(BARS == 1, np.nan, 0)), ValueError,
     "X contains NaN or infinity"),
    ("X with inf", lambda t: _fit()(np.where(BARS == 1, np.inf, 0)), ValueError,
     "X contains NaN or infinity"),
    ("X complex", lambda t: _fit()(BARS + 0j), ValueError,
     "X must hold real numbers; Complex data not supported"),
    ("X of strings", lambda t: _fit()(BARS.astype(str)), TypeError,
     "X must hold real numbers, got dtype <U"),
    ("X of objects", lambda t: _fit()(np.array([[{}] * 16], dtype=object)), TypeError,
     r"X must hold real numbers: float\(\) argument"),
    ("X one-dimensional", lambda t: _fit()(BARS[0]), ValueError,
     r"X must be a 2-D array .* Reshape your data"),
    ("X with no rows", lambda t: _fit()(BARS[:0]), ValueError, r"X is empty: 0 sample\(s\)"),
    ("X with no columns", lambda t: _fit(layer_sizes=[None, 4])(BARS[:, :0]), ValueError,
     r"X is empty: 0 feature\(s\)"),
    ("X of the wrong width", lambda t: _fit()(BARS[:, :15]), ValueError,
     "X has 15 features, but HelmholtzMachine is expecting 16"),
    ("X not binary", lambda t: _fit()(GREY), ValueError,
     r"X must be binary \(0/1\) for units='bernoulli'"),
    ("X above 1 for Beta", lambda t: _fit(units="beta")(GREY * 2), ValueError,
     r"X must hold values in \[0, 1\]"),
    ("X below 0 for spike-and-slab", lambda t: _fit(units="spike-and-slab")(GREY - 0.5),
     ValueError, r"X must hold values in \[0, 1\].*Negative values"),
    ("X sparse", lambda t: _fit()(scipy.sparse.csr_matrix(BARS)), TypeError,
     "X must be a dense array"),
    ("one layer", lambda t: _fit(layer_sizes=[16])(), ValueError,
     "layer_sizes needs at least two layers"),
    ("a zero layer", lambda t: _fit(layer_sizes=[16, 0])(), ValueError,
     "layer_sizes must hold positive ints"),
    ("layer_sizes a string", lambda t: _fit(layer_sizes="16-8")(), TypeError,
     "layer_sizes must be a sequence of ints"),
    ("a negative layer", lambda t: _fit(layer_sizes=[16, -4])(), ValueError,
     "layer_sizes must hold positive ints"),
    ("unknown units", lambda t: _fit(units="gauss")(), ValueError,
     r"units must be one of \('bernoulli', 'beta', 'spike-and-slab'\)"),
    ("batch_size 0", lambda t: _fit(batch_size=0)(), ValueError, "batch_size must be > 0"),
    ("n_epochs negative", lambda t: _fit(n_epochs=-1)(), ValueError, "n_epochs must be >= 0"),
    ("learning_rate negative", lambda t: _fit(learning_rate=-0.1)(), ValueError,
     "learning_rate must be > 0"),
    ("learning_rate a string", lambda t: _fit(learning_rate="fast")(), TypeError,
     "learning_rate must be a number"),
    ("n_init 0", lambda t: _fit(n_init=0)(), ValueError, "n_init must be > 0"),
    ("n_importance a float", lambda t: _fit(n_importance=2.5)(), TypeError,
     "n_importance must be an int"),
    ("unknown optimizer", lambda t: _fit(optimizer="rmsprop")(), ValueError,
     r"optimizer must be one of \('adam', 'sgd'\)"),
    ("random_state a string", lambda t: _fit(random_state="seed")(), TypeError,
     "random_state must be None, an int or a numpy.random.Generator"),
    ("random_state negative", lambda t: _fit(random_state=-3)(), ValueError,
     "random_state must be a non-negative int"),
    ("progress not a bool", lambda t: _fit(progress="no")(), TypeError,
     "progress must be True or False"),
    ("dream before fit", lambda t: HM([16, 4]).dream(3), NotFittedError, "not fitted yet"),
    ("dream of 0 samples", lambda t: _fitted_machine().dream(0), ValueError,
     "n_samples must be > 0"),
    ("top of the wrong width", lambda t: _fitted_machine().dream(2, top=np.ones(4)), ValueError,
     r"top must have 3 columns \(the top layer\)"),
    ("log_likelihood with 0 samples",
     lambda t: _fitted_machine().log_likelihood(BARS, n_samples=0), ValueError,
     "n_samples must be > 0"),
    ("exact likelihood of a big machine",
     lambda t: HM([16, 30], progress=False).fit(BARS).exact_log_likelihood(BARS), ValueError,
     "more than max_hidden=20 hidden units"),
    ("visible median", lambda t: _fitted_machine().dream(2, visible="median"), ValueError,
     r"visible must be one of \('mean', 'sample'\)"),
    ("no coder", lambda t: SH(machine=HM([None, 4], units="beta")).fit(X8), TypeError,
     r"coder must be a SparseCoding \(fitted or not\) or a dictionary"),
    ("a zero dictionary row", lambda t: SH(_dictionary_with(0.0), lam=0.1).fit(X8), ValueError,
     r"coder \(a dictionary\) must have unit-norm rows"),
    ("non-unit dictionary rows", lambda t: SH(2 * D8, lam=0.1).fit(X8), ValueError,
     r"coder \(a dictionary\) must have unit-norm rows"),
    ("dictionary of the wrong width", lambda t: SH(D8, lam=0.1).fit(X8[:, :10]), ValueError,
     "coder has 64 features per atom but X has 10"),
    ("lam 0", lambda t: SH(D8, lam=0.0).fit(X8), ValueError, "lam must be > 0"),
    ("lam negative", lambda t: SH(D8, lam=-0.1).fit(X8), ValueError, "lam must be > 0"),
    ("lam missing", lambda t: SH(D8).fit(X8), ValueError,
     "lam is required when coder is a dictionary array"),
    ("machine not a machine", lambda t: SH(D8, dl.SparseCoding(), lam=0.1).fit(X8), TypeError,
     "machine must be a HelmholtzMachine"),
    ("machine with Bernoulli units", lambda t: SH(D8, HM([None, 4]), lam=0.1).fit(X8),
     ValueError, r"machine.units must be one of \('spike-and-slab', 'beta'\)"),
    ("machine of the wrong visible size",
     lambda t: SH(D8, HM([64, 4], units="beta"), lam=0.1).fit(X8), ValueError,
     r"machine.layer_sizes\[0\] must be 32"),
    ("an old keyword", lambda t: SH(D8, layer_sizes=[32], lam=0.1), TypeError,
     "SparseHelmholtz no longer takes layer_sizes"),
    ("codes of the wrong shape", lambda t: SH(D8, lam=0.1).fit(X8, codes=np.zeros((200, 3))),
     ValueError, r"codes must have shape \(200, 16\)"),
    ("max_unit 1", lambda t: SH(D8, lam=0.1, max_unit=1.0).fit(X8), ValueError,
     r"max_unit must be a number in \(0, 1\)"),
    ("units outside [0, 1]", lambda t: units_to_codes(np.full((2, 4), 1.5), np.ones(2)),
     ValueError, r"units must hold values in \[0, 1\]"),
    ("scales not positive", lambda t: codes_to_units(np.zeros((1, 2)), np.array([1.0, 0.0])),
     ValueError, "scales must be positive"),
    ("bars p above 1", lambda t: bars(10, p=1.5), ValueError,
     r"p must be a probability in \[0, 1\]"),
    ("bars of 0 samples", lambda t: bars(0), ValueError, "n_samples must be > 0"),
    ("p_bar a string", lambda t: hinton_bars(10, p_bar="0.2"), ValueError,
     r"p_bar must be a probability in \[0, 1\]"),
    ("digit 11", lambda t: dl.data.mnist(digits=[11], source="bundled"), ValueError,
     "digits must be integers between 0 and 9"),
    ("unknown source", lambda t: dl.data.mnist(source="web"), ValueError,
     r"source must be one of \('auto', 'openml', 'bundled'\)"),
    ("patches of size 0", lambda t: dl.data.patches([np.zeros((40, 40))], size=0), ValueError,
     "size must be > 0"),
    ("whiten a 1-D image", lambda t: dl.data.whiten(np.ones(5)), ValueError,
     "image must be a 2-D array"),
    ("contrast above 1", lambda t: dl.data.contrast(np.full((2, 2), 3.0)), ValueError,
     r"contrast expects pixel values in \[0, 1\]"),
    ("negative sigma", lambda t: dl.data.blur(np.ones((4, 4)), sigma=-1.0), ValueError,
     "sigma must be > 0"),
    ("data_range 0", lambda t: metrics.psnr([0.0], [1.0], data_range=0), ValueError,
     "data_range must be > 0"),
    ("mse of mismatched shapes", lambda t: metrics.mse(np.zeros(3), np.zeros(4)), ValueError,
     "the two arrays must have the same shape"),
    ("relative_mse of a constant", lambda t: metrics.relative_mse(np.ones(3), np.zeros(3)),
     ValueError, "reference is constant"),
    ("save into a missing folder", lambda t: io.save(HM(), t / "no" / "m.npz"), ValueError,
     "path's folder"),
    ("save to a directory", lambda t: io.save(HM(), t), ValueError, "path must name a file"),
    ("save a dict", lambda t: io.save({"w": 1}, t / "d.npz"), TypeError,
     "model must be a dreamlib estimator"),
    ("load a missing file", lambda t: io.load(t / "missing.npz"), ValueError, "does not exist"),
    ("load a number", lambda t: io.load(3), TypeError, "path must be a file path"),
    ("load a text file", lambda t: io.load(_write(t / "m.npz", b"not a zip")), ValueError,
     "is not a complete dreamlib model file"),
    ("SparseCoding.transform before fit",
     lambda t: dl.SparseCoding(4).transform(np.ones((2, 4))), NotFittedError, "not fitted yet"),
    ("SparseCoding.transform of the wrong width",
     lambda t: dl.SparseCoding(2, n_iter=5, random_state=0).fit(np.random.default_rng(0)
                                                                 .random((20, 4)))
     .transform(np.ones((2, 3))),
     ValueError, "X has 3 features, but SparseCoding is expecting 4"),
    ("lca with lam 0", lambda t: dl.sparse_coding.lca(X8[:5], D8, 0.0), ValueError,
     "lam must be > 0"),
    ("lca with a zero dictionary row",
     lambda t: dl.sparse_coding.lca(X8[:5], _dictionary_with(0.0), 0.1), ValueError,
     "dictionary must have unit-norm rows"),
    ("lca with non-unit rows", lambda t: dl.sparse_coding.lca(X8[:5], 2 * D8, 0.1), ValueError,
     "dictionary must have unit-norm rows"),
    ("SparseCoding with lam 0", lambda t: dl.SparseCoding(4, lam=0.0).fit(X8), ValueError,
     "lam must be > 0"),
]


def _readable(pattern):
    """A message pattern as a person reads it: '.*' is ' ... ', escapes dropped."""
    return re.sub(r"\\(.)", r"\1", re.sub(r"\s*\.\*\s*", " ... ", pattern))


def _listing(catalogue):
    """The module docstring's list: number, what is wrong, the message the error must contain."""
    lines = []
    for number, (what, _, error, message) in enumerate(catalogue, 1):
        kind = "" if error in (ValueError, TypeError) else f"{error.__name__} "
        lines.append(f"{number:2d} {what}: {kind}\"{_readable(message)}\"")
    return "\n".join(lines)


def test_the_docstring_lists_every_entry_and_its_message():
    assert _listing(CATALOGUE) in __doc__, "regenerate the list: print(_listing(CATALOGUE))"


def test_the_catalogue_is_long_and_its_entries_distinct():
    names = [entry[0] for entry in CATALOGUE]
    assert len(set(names)) == len(names) >= 40


@pytest.mark.parametrize("what, call, error, message", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_bad_input_is_refused_with_a_clear_message(what, call, error, message, tmp_path):
    with pytest.raises(error, match=message):
        call(tmp_path)

