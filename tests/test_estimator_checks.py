"""scikit-learn's estimator checks on dreamlib's estimators (SparseCoding's are in test_sparse_coding).

SparseHelmholtz and CodeUnitMap pass the full suite. HelmholtzMachine passes every check that
feeds it data it can model; the others feed values outside [0, 1] (normal samples, 3 * uniform,
values near 100), which its visible units cannot take and which it refuses by design. Each
exclusion is verified to fail for exactly that reason, and the properties those checks test are
tested below on data in [0, 1].
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_estimator

import dreamlib as dl
from dreamlib.data import hinton_bars
from dreamlib.pipeline import CodeUnitMap

OUTSIDE_UNIT_INTERVAL = "feeds values outside [0, 1], which the visible units refuse by design"
HELMHOLTZ_EXCLUDED = {name: OUTSIDE_UNIT_INTERVAL for name in [
    "check_estimators_dtypes",
    "check_fit_score_takes_y",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_pipeline_consistency",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_fit2d_predict1d",
]}


def _results(estimator, expected_failed=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return check_estimator(estimator, expected_failed_checks=expected_failed, on_fail=None)


def _small_machine(**kw):
    return dl.HelmholtzMachine([None, 4], units="beta", n_epochs=2, batch_size=20,
                               progress=False, random_state=0, **kw)


def test_helmholtz_machine_passes_every_check_that_gives_it_valid_data():
    results = _results(_small_machine(), HELMHOLTZ_EXCLUDED)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert failed == []
    for r in results:  # each exclusion fails for the stated reason, and only for it
        if r["status"] == "xfail":
            assert "[0, 1]" in str(r["exception"]), (r["check_name"], r["exception"])
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    assert len(passed) >= 15 and "check_complex_data" in passed


def test_sparse_helmholtz_passes_the_full_suite():
    # an unfitted coder adapts to whatever number of features a check uses
    estimator = dl.SparseHelmholtz(
        dl.SparseCoding(3, n_iter=5, random_state=0),
        dl.HelmholtzMachine([None, 4], units="spike-and-slab", n_epochs=1, batch_size=20,
                            progress=False),
        random_state=0)
    results = _results(estimator)
    assert [r["check_name"] for r in results if r["status"] == "failed"] == []


def test_code_unit_map_passes_the_full_suite():
    results = _results(CodeUnitMap())
    assert [r["check_name"] for r in results if r["status"] == "failed"] == []


# ------------------------------------------------------------ the excluded checks, on valid data
@pytest.fixture(scope="module")
def bars_data():
    return hinton_bars(200, random_state=0)


def test_excluded_properties_hold_on_data_in_the_unit_interval(bars_data):
    X = bars_data
    machine = dl.HelmholtzMachine([None, 5, 2], n_epochs=2, batch_size=20, progress=False,
                                  random_state=3)
    params = machine.get_params()
    fitted = machine.fit(X)
    assert fitted is machine                                      # fit returns self
    assert machine.get_params() == params                         # parameters not overwritten
    again = clone(machine).fit(X)                                 # fit is idempotent
    for a, b in zip(machine.generative_weights_, again.generative_weights_):
        np.testing.assert_array_equal(a, b)
    state = {k: v for k, v in vars(machine).items() if k != "_rng"}
    dreams = machine.dream(10, random_state=1)
    assert vars(machine).keys() - {"_rng"} == state.keys()        # methods leave the state alone
    copy = pickle.loads(pickle.dumps(machine))                    # pickling keeps predictions
    np.testing.assert_array_equal(copy.dream(10, random_state=1), dreams)
    readonly = X.copy()
    readonly.setflags(write=False)                                # read-only and Fortran input
    for data in (readonly, np.asfortranarray(X), X[:1]):          # and a single sample
        clone(machine).fit(data)
    dl.HelmholtzMachine([None, 2], n_epochs=1, progress=False).fit(X[:, :1])  # one feature
    with pytest.raises(ValueError, match="X has 15 features, but HelmholtzMachine is "
                                         "expecting 16 features as input"):
        machine.reconstruct(X[:, :15])
    with pytest.raises(ValueError, match="Reshape your data"):
        machine.reconstruct(X[0])
    # subsets and order: the deterministic recognition pass is row by row
    np.testing.assert_allclose(machine.recognize(X[::-1])[0], machine.recognize(X)[0][::-1],
                               rtol=1e-6)
