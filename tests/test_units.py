"""The visible unit models of dreamlib.helmholtz.units, against closed forms and Monte Carlo.

References: scipy.stats' Beta and Bernoulli densities, the closed-form means, numerical
derivatives of the log-probability, and large samples.
"""

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import expit

from dreamlib.helmholtz.units import (
    BETA_EPS,
    BernoulliUnits,
    BetaUnits,
    SpikeAndSlabUnits,
    make_visible_units,
)

GATE = np.array([-2.0, 0.0, 1.5])
SLAB = np.array([-1.0, 0.5, 2.0])
KAPPA = 4.0


def _spike_and_slab_logits(n=1):
    return np.tile(np.concatenate([GATE, SLAB]), (n, 1))


def test_spike_and_slab_log_prob_is_the_closed_form():
    units = SpikeAndSlabUnits(KAPPA)
    pi, m = expit(GATE), expit(SLAB)
    x = np.array([[0.0, 0.3, 0.9], [0.2, 0.0, 0.0]])
    expected = np.where(
        x > 0,
        np.log(pi) + stats.beta.logpdf(x, KAPPA * m, KAPPA * (1 - m)),
        np.log1p(-pi),
    ).sum(axis=1)
    np.testing.assert_allclose(units.log_prob(x, _spike_and_slab_logits(2)), expected, rtol=1e-10)


def test_spike_and_slab_probability_integrates_to_one():
    # P(x = 0) + the integral of the density over (0, 1), for one unit; the density is taken
    # of values clipped into [BETA_EPS, 1 - BETA_EPS], so the two thin tails are added in closed form
    units = SpikeAndSlabUnits(KAPPA)
    logits = np.array([[GATE[2], SLAB[1]]])
    off = np.exp(units.log_prob(np.zeros((1, 1)), logits))[0]
    inside, _ = integrate.quad(lambda v: np.exp(units.log_prob(np.array([[v]]), logits))[0],
                               BETA_EPS, 1 - BETA_EPS, epsabs=1e-12)
    slab = stats.beta(KAPPA * expit(SLAB[1]), KAPPA * (1 - expit(SLAB[1])))
    tails = expit(GATE[2]) * (slab.cdf(BETA_EPS) + slab.sf(1 - BETA_EPS))
    assert off + inside + tails == pytest.approx(1.0, abs=1e-9)


def test_spike_and_slab_samples_follow_the_model():
    units = SpikeAndSlabUnits(KAPPA)
    rng = np.random.default_rng(0)
    n = 200_000
    x = units.sample(_spike_and_slab_logits(n), rng)
    pi, m = expit(GATE), expit(SLAB)
    assert x.dtype == np.float32 and x.min() >= 0 and x.max() <= 1
    np.testing.assert_allclose((x > 0).mean(axis=0), pi, atol=4 * np.sqrt(0.25 / n))
    np.testing.assert_allclose(x.mean(axis=0), pi * m, atol=0.003)
    np.testing.assert_allclose(units.mean(_spike_and_slab_logits(1))[0], pi * m, rtol=1e-6)
    for j in range(3):
        active = x[:, j][x[:, j] > 0][:5000]
        assert stats.kstest(active, stats.beta(KAPPA * m[j], KAPPA * (1 - m[j])).cdf).pvalue > 1e-3


@pytest.mark.parametrize("units, logits", [
    (BernoulliUnits(), np.tile(SLAB, (1, 1))),
    (SpikeAndSlabUnits(KAPPA), _spike_and_slab_logits()),
])
def test_gradient_is_the_derivative_of_log_prob_where_it_is_exact(units, logits):
    # the Bernoulli delta rule and the spike-and-slab gate's are exact gradients of log p
    x = np.array([[1.0, 0.0, 1.0]]) if isinstance(units, BernoulliUnits) else \
        np.array([[0.0, 0.4, 0.8]])
    grad = units.gradient(x, logits)
    h = 1e-6
    exact = np.zeros(logits.shape[1]) if isinstance(units, BernoulliUnits) else np.zeros(3)
    for j in range(len(exact)):
        step = np.zeros_like(logits)
        step[0, j] = h
        exact[j] = (units.log_prob(x, logits + step) - units.log_prob(x, logits - step))[0] / (2 * h)
    np.testing.assert_allclose(grad[0, : len(exact)], exact, rtol=1e-5, atol=1e-8)


def test_slab_delta_rule_counts_active_units_only():
    units = SpikeAndSlabUnits(KAPPA)
    x = np.array([[0.0, 0.4, 0.8]])
    grad = units.gradient(x, _spike_and_slab_logits())
    np.testing.assert_allclose(grad[0, 3:], [0.0, 0.4 - expit(SLAB[1]), 0.8 - expit(SLAB[2])])


@pytest.mark.parametrize("units", [BernoulliUnits(), BetaUnits("mean", KAPPA),
                                   SpikeAndSlabUnits(KAPPA)])
def test_data_drawn_from_the_units_is_a_fixed_point_of_the_delta_rule(units):
    # learning from the model's own samples changes nothing on average: E[gradient] = 0
    n = 400_000
    logits = np.tile(np.concatenate([GATE, SLAB][: units.n_logits]), (n, 1))
    x = units.sample(logits, np.random.default_rng(1))
    np.testing.assert_allclose(units.gradient(x, logits).mean(axis=0), 0.0, atol=0.004)


def test_paper_beta_is_not_a_fixed_point_its_mean_is_p_over_p_plus_one():
    units = BetaUnits("paper")
    n = 200_000
    logits = np.tile(SLAB, (n, 1))
    x = units.sample(logits, np.random.default_rng(2))
    p = expit(SLAB)
    np.testing.assert_allclose(x.mean(axis=0), p / (p + 1), atol=0.004)
    assert np.all(units.gradient(x, logits).mean(axis=0) < -0.05)  # x falls short of p


def test_beta_log_prob_is_scipys_beta_density():
    units = BetaUnits("mean", KAPPA)
    x = np.array([[0.1, 0.5, 0.95]])
    p = expit(SLAB)
    expected = stats.beta.logpdf(x, KAPPA * p, KAPPA * (1 - p)).sum()
    assert units.log_prob(x, SLAB[None])[0] == pytest.approx(expected, rel=1e-10)


def test_spike_and_slab_initial_bias_fits_the_data():
    X = np.array([[0.0, 0.5], [0.2, 0.0], [0.0, 0.7], [0.0, 0.0]])
    bias = SpikeAndSlabUnits().initial_bias(X)
    np.testing.assert_allclose(expit(bias), [0.25, 0.5, 0.2, 0.6], rtol=1e-6)


def test_units_refuse_values_they_cannot_produce():
    with pytest.raises(ValueError, match="binary"):
        BernoulliUnits().check(np.array([[0.5]]), "X")
    for units in (BetaUnits(), SpikeAndSlabUnits()):
        with pytest.raises(ValueError, match=r"X must hold values in \[0, 1\]"):
            units.check(np.array([[1.5]]), "X")
    with pytest.raises(ValueError, match="units must be one of"):
        make_visible_units("gauss")
