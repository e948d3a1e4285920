"""Neuron isolation (helmholtz.isolated_generations) and the distinctness measure
(metrics.mean_pairwise_correlation), against hand-built machines and hand-computed values."""

import itertools

import numpy as np
import pytest
from scipy.special import expit

from dreamlib import metrics
from dreamlib.data import hinton_bars
from dreamlib.helmholtz import HelmholtzMachine, expected_generation, isolated_generations


# ------------------------------------------------------------ the measure
def test_pairwise_correlations_hand_computed():
    # a = [1,0,0], b = [0,1,0], c = [1,1,0]: centred, a.b = -1/3, a.c = b.c = 1/3, |.|^2 = 2/3
    images = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
    expected = np.array([[1.0, -0.5, 0.5], [-0.5, 1.0, 0.5], [0.5, 0.5, 1.0]])
    np.testing.assert_allclose(metrics.pairwise_correlations(images), expected, atol=1e-12)
    assert metrics.mean_pairwise_correlation(images) == pytest.approx(1 / 6)


def test_mean_pairwise_correlation_matches_numpy_and_ignores_brightness_and_contrast():
    rng = np.random.default_rng(0)
    images = rng.random((5, 30))
    C = np.corrcoef(images)
    assert metrics.mean_pairwise_correlation(images) == pytest.approx(
        C[np.triu_indices(5, 1)].mean())
    # the same picture at another brightness and contrast counts as the same picture
    same = np.vstack([images[0], 0.2 + 0.5 * images[0], 3 * images[0]])
    assert metrics.mean_pairwise_correlation(same) == pytest.approx(1.0)


def test_vertical_and_horizontal_bars_are_uncorrelated():
    vertical = np.zeros((4, 4))
    vertical[:, 1] = 1
    horizontal = vertical.T
    other_vertical = np.zeros((4, 4))
    other_vertical[:, 3] = 1
    C = metrics.pairwise_correlations(
        np.array([vertical.ravel(), horizontal.ravel(), other_vertical.ravel()]))
    # one shared pixel of 16 with 4 on in each: cov = 1/16 - 1/16 = 0
    assert C[0, 1] == pytest.approx(0.0, abs=1e-12)
    # disjoint bars: cov = -1/16, var = 3/16, corr = -1/3
    assert C[0, 2] == pytest.approx(-1 / 3)


def test_measure_rejects_bad_input_by_name():
    with pytest.raises(ValueError, match="images"):
        metrics.mean_pairwise_correlation(np.ones(4))
    with pytest.raises(ValueError, match="at least two images"):
        metrics.mean_pairwise_correlation(np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"images \[1\] are constant"):
        metrics.mean_pairwise_correlation([[0.0, 1.0], [0.5, 0.5]])
    with pytest.raises(ValueError, match="NaN"):
        metrics.mean_pairwise_correlation([[0.0, np.nan], [0.0, 1.0]])


# ------------------------------------------------------------ isolation
def _hand_built(sizes, weights, biases):
    """A HelmholtzMachine with the given generative weights (top-down) and biases."""
    hm = HelmholtzMachine(sizes, progress=False, random_state=0)
    hm.initialize(np.vstack([np.zeros(sizes[0]), np.ones(sizes[0])]))  # any binary data
    for level, W in enumerate(weights):
        hm.generative_weights_[level][:] = W
    for level, b in enumerate(biases):
        hm.generative_biases_[level][:] = b
    return hm


def test_two_layer_isolation_is_sigmoid_of_one_weight_row_plus_bias():
    G = np.array([[2.0, 0.0, -2.0], [0.0, 1.0, 0.0], [-1.0, -1.0, 3.0]])
    b = np.array([0.5, -0.5, 0.0])
    hm = _hand_built([3, 3], [G], [b, np.zeros(3)])
    np.testing.assert_allclose(isolated_generations(hm), expit(G + b), rtol=1e-6)
    np.testing.assert_allclose(isolated_generations(hm, units=[2, 0]), expit(G[[2, 0]] + b),
                               rtol=1e-6)
    np.testing.assert_allclose(isolated_generations(hm, units=1), expit(G[[1]] + b), rtol=1e-6)
    # a combination of neurons adds their weight rows; all off leaves the bias
    np.testing.assert_allclose(expected_generation(hm, [[1, 1, 0], [0, 0, 0]]),
                               expit(np.array([G[0] + G[1] + b, b])), rtol=1e-6)


def test_deeper_isolation_averages_over_the_layer_in_between():
    # top (2) -> middle (2) -> visible (3); the exact E[x | top] sums over the 4 middle states
    G1 = np.array([[1.5, -1.0], [-2.0, 0.5]])
    b1 = np.array([0.2, -0.3])
    G0 = np.array([[3.0, -3.0, 0.0], [-2.0, 2.0, 4.0]])
    b0 = np.array([0.0, -1.0, -2.0])
    hm = _hand_built([3, 2, 2], [G0, G1], [b0, b1, np.zeros(2)])
    exact = []
    for top in np.eye(2):
        p_mid = expit(top @ G1 + b1)
        total = np.zeros(3)
        for h in itertools.product((0.0, 1.0), repeat=2):
            h = np.array(h)
            weight = np.prod(np.where(h == 1, p_mid, 1 - p_mid))
            total += weight * expit(h @ G0 + b0)
        exact.append(total)
    got = isolated_generations(hm, n_samples=40_000, random_state=0)
    np.testing.assert_allclose(got, exact, atol=0.01)
    # seeded: the same numbers again
    np.testing.assert_array_equal(got, isolated_generations(hm, n_samples=40_000, random_state=0))


def test_isolated_beta_units_give_the_beta_mean():
    hm = HelmholtzMachine([2, 2], units="beta", progress=False, random_state=0)
    hm.initialize(np.array([[0.2, 0.8], [0.6, 0.4]]))
    hm.generative_weights_[0][:] = [[1.0, -1.0], [0.0, 2.0]]
    hm.generative_biases_[0][:] = 0.0
    np.testing.assert_allclose(isolated_generations(hm), expit([[1.0, -1.0], [0.0, 2.0]]),
                               rtol=1e-5)


def test_a_machine_trained_on_one_image_generates_that_image_from_every_neuron():
    # the paper's Fig 13 in miniature: no variation in the data, nothing for neurons to split
    image = hinton_bars(1, random_state=3)
    X = np.repeat(image, 200, axis=0)
    hm = HelmholtzMachine([16, 4], n_epochs=5, batch_size=20, progress=False,
                          random_state=0).fit(X)
    generations = isolated_generations(hm)
    assert metrics.mean_pairwise_correlation(generations) > 0.99
    np.testing.assert_array_equal(generations.round(), np.repeat(image, 4, axis=0))


def test_isolation_errors_name_the_argument():
    hm = _hand_built([3, 2], [np.zeros((2, 3))], [np.zeros(3), np.zeros(2)])
    with pytest.raises(ValueError, match="units must be between 0 and 1"):
        isolated_generations(hm, units=[2])
    with pytest.raises(ValueError, match="units"):
        isolated_generations(hm, units=[0.5])
    with pytest.raises(ValueError, match="top must have 2 columns"):
        expected_generation(hm, np.ones((1, 3)))
    with pytest.raises(ValueError, match="top must hold values in"):
        expected_generation(hm, [[2.0, 0.0]])
    with pytest.raises(ValueError, match="n_samples"):
        expected_generation(hm, [[1.0, 0.0]], n_samples=0)
    with pytest.raises(Exception, match="not fitted"):
        isolated_generations(HelmholtzMachine([3, 2]))


def test_top_state_probability_is_the_product_of_the_top_biases():
    hm = _hand_built([3, 3], [np.zeros((3, 3))], [np.zeros(3), np.array([-1.0, 0.5, 2.0])])
    p = expit(np.array([-1.0, 0.5, 2.0]))
    states = np.array(list(itertools.product((0.0, 1.0), repeat=3)))
    expected = np.prod(np.where(states == 1, p, 1 - p), axis=1)
    from dreamlib.helmholtz import top_state_probability
    np.testing.assert_allclose(top_state_probability(hm, states), expected, rtol=1e-6)
    assert top_state_probability(hm, states).sum() == pytest.approx(1.0)
    assert top_state_probability(hm, [1, 0, 1]) == pytest.approx(p[0] * (1 - p[1]) * p[2])
    with pytest.raises(ValueError, match="0/1 states"):
        top_state_probability(hm, [0.5, 0, 1])
