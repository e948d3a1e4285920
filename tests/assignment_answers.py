"""Answers to the graded exercises that must lose their points (used by test_assignments.py).

For every autograded question of every marked-up notebook:

- ``wrong``: plausible mistakes (a sign flipped, a term left out, the wrong axis), each a cell a
  student could have written;
- ``reference``: an answer that calls the dreamlib function the exercise re-implements
  (through an alias, as ``from dreamlib... import ... as ...`` would), which the tests switch off;
- ``reference_is_right``: whether that answer computes the right values when nothing is switched
  off (then the switch alone takes its points; otherwise it is also wrong on its own).

Each answer runs in a namespace holding the notebook's imports (``np``, ``dl``, ``expit``).
"""

ANSWERS = {
    "lca_step": {
        "notebook": "01_bars_sanity_check",
        "wrong": {
            "inhibition sign flipped": """
def lca_step(u, b, G, lam, step):
    a = dl.sparse_coding.soft_threshold(u, lam)
    return u + step * (b - u + a @ G - a)
""",
            "self-inhibition left in (a @ G instead of a @ (G - I))": """
def lca_step(u, b, G, lam, step):
    a = dl.sparse_coding.soft_threshold(u, lam)
    return u + step * (b - u - a @ G)
""",
            "leak -u left out": """
def lca_step(u, b, G, lam, step):
    a = dl.sparse_coding.soft_threshold(u, lam)
    return u + step * (b - a @ G + a)
""",
            "inhibition by the potentials u instead of the activations a": """
def lca_step(u, b, G, lam, step):
    return u + step * (b - u - u @ G + u)
""",
        },
        # No dreamlib function takes potentials u: this one rebuilds atoms and signals with the same
        # G and b and lets lca_dynamics take one step, which is right only from rest (u = 0).
        "reference": """
from dreamlib.sparse_coding import lca_dynamics as run_lca
def lca_step(u, b, G, lam, step):
    D = np.linalg.cholesky(G)              # atoms with D @ D.T = G
    X = np.linalg.solve(D, b.T).T          # signals with X @ D.T = b
    return np.array([run_lca(x, D, lam, n_steps=1, step=step)[0][-1] for x in X])
""",
        "reference_is_right": False,
    },
    "update_dictionary": {
        "notebook": "02_natural_image_dictionary",
        "wrong": {
            "residual sign flipped": """
def update_dictionary(D, X, A, eta):
    D = D - eta * A.T @ (X - A @ D)
    return D / np.linalg.norm(D, axis=1, keepdims=True)
""",
            "atoms not rescaled to unit length": """
def update_dictionary(D, X, A, eta):
    return D + eta * A.T @ (X - A @ D)
""",
            "columns rescaled instead of rows": """
def update_dictionary(D, X, A, eta):
    D = D + eta * A.T @ (X - A @ D)
    return D / np.linalg.norm(D, axis=0, keepdims=True)
""",
            "reconstruction left out (pure Hebbian A.T @ X)": """
def update_dictionary(D, X, A, eta):
    D = D + eta * A.T @ X
    return D / np.linalg.norm(D, axis=1, keepdims=True)
""",
        },
        "reference": """
from dreamlib.sparse_coding import dictionary_update as hebbian_step
def update_dictionary(D, X, A, eta):
    return hebbian_step(D, X, A, eta)
""",
        "reference_is_right": True,
    },
    "neuron_drawing": {
        "notebook": "06_neuron_isolation",
        "wrong": {
            "bias left out": """
def neuron_drawing(G, b, i):
    return expit(G[i])
""",
            "every neuron on (all rows of G summed)": """
def neuron_drawing(G, b, i):
    return expit(G.sum(axis=0) + b)
""",
            "logistic sign flipped": """
def neuron_drawing(G, b, i):
    return expit(-(G[i] + b))
""",
            "no logistic (the logits returned)": """
def neuron_drawing(G, b, i):
    return G[i] + b
""",
        },
        # A machine of the right shape, its generative weights and biases set to G and b.
        "reference": """
from dreamlib.helmholtz import isolated_generations as isolate
def neuron_drawing(G, b, i):
    machine = dl.HelmholtzMachine([G.shape[1], G.shape[0]], n_epochs=1, progress=False, random_state=0)
    machine.fit((np.arange(4 * G.shape[1]).reshape(4, -1) % 2).astype(float))
    machine.generative_weights_[0] = G
    machine.generative_biases_[0] = b
    return isolate(machine)[i]
""",
        "reference_is_right": True,
    },
    "mean_pairwise_correlation": {
        "notebook": "06_neuron_isolation",
        "wrong": {
            "rows not centred (cosine similarity)": """
def mean_pairwise_correlation(images):
    unit = images / np.linalg.norm(images, axis=1, keepdims=True)
    C = unit @ unit.T
    return C[np.triu_indices(len(C), k=1)].mean()
""",
            "diagonal included": """
def mean_pairwise_correlation(images):
    centred = images - images.mean(axis=1, keepdims=True)
    unit = centred / np.linalg.norm(centred, axis=1, keepdims=True)
    return (unit @ unit.T).mean()
""",
            "columns centred instead of rows": """
def mean_pairwise_correlation(images):
    centred = images - images.mean(axis=0, keepdims=True)
    unit = centred / np.linalg.norm(centred, axis=1, keepdims=True)
    C = unit @ unit.T
    return C[np.triu_indices(len(C), k=1)].mean()
""",
            "correlations between pixels (np.corrcoef of the columns)": """
def mean_pairwise_correlation(images):
    C = np.corrcoef(images.T)
    return C[np.triu_indices(len(C), k=1)].mean()
""",
        },
        "reference": """
import dreamlib.metrics as measures
def mean_pairwise_correlation(images):
    return measures.mean_pairwise_correlation(images)
""",
        "reference_is_right": True,
    },
    "wake_delta_rule": {
        "notebook": "03_helmholtz_mnist",
        "wrong": {
            "error sign flipped (prediction - below)": """
def wake_delta_rule(above, below, G, b):
    prediction = 1 / (1 + np.exp(-(above @ G + b)))
    error = prediction - below
    return above.T @ error / len(above), error.mean(axis=0)
""",
            "summed over the minibatch, not averaged": """
def wake_delta_rule(above, below, G, b):
    prediction = 1 / (1 + np.exp(-(above @ G + b)))
    error = below - prediction
    return above.T @ error, error.sum(axis=0)
""",
            "bias left out of the prediction": """
def wake_delta_rule(above, below, G, b):
    prediction = 1 / (1 + np.exp(-(above @ G)))
    error = below - prediction
    return above.T @ error / len(above), error.mean(axis=0)
""",
            "outer product the wrong way round (error.T @ above)": """
def wake_delta_rule(above, below, G, b):
    prediction = 1 / (1 + np.exp(-(above @ G + b)))
    error = below - prediction
    return error.T @ above / len(above), error.mean(axis=0)
""",
        },
        "reference": """
from dreamlib.helmholtz import delta_rule as local_rule
def wake_delta_rule(above, below, G, b):
    return local_rule(above, below, G, b)
""",
        "reference_is_right": True,
    },
}

ANSWERS["window"] = {
    "notebook": "07_foveated_masking",
    "wrong": {
        "sigma instead of sigma squared": """
def window(shape, center, sigma):
    rows = np.arange(shape[0])[:, None]
    cols = np.arange(shape[1])[None, :]
    return np.exp(-((rows - center[0]) ** 2 + (cols - center[1]) ** 2) / (2 * sigma))
""",
        "the factor 2 left out": """
def window(shape, center, sigma):
    rows = np.arange(shape[0])[:, None]
    cols = np.arange(shape[1])[None, :]
    return np.exp(-((rows - center[0]) ** 2 + (cols - center[1]) ** 2) / sigma**2)
""",
        "rows and columns swapped": """
def window(shape, center, sigma):
    rows = np.arange(shape[0])[:, None]
    cols = np.arange(shape[1])[None, :]
    return np.exp(-((rows - center[1]) ** 2 + (cols - center[0]) ** 2) / (2 * sigma**2))
""",
        "centre rounded to a pixel": """
def window(shape, center, sigma):
    rows = np.arange(shape[0])[:, None]
    cols = np.arange(shape[1])[None, :]
    r, c = np.round(center)
    return np.exp(-((rows - r) ** 2 + (cols - c) ** 2) / (2 * sigma**2))
""",
        "normalised to sum 1 (a probability density) instead of peak 1": """
def window(shape, center, sigma):
    rows = np.arange(shape[0])[:, None]
    cols = np.arange(shape[1])[None, :]
    w = np.exp(-((rows - center[0]) ** 2 + (cols - center[1]) ** 2) / (2 * sigma**2))
    return w / w.sum()
""",
    },
    "reference": """
from dreamlib.masking import gaussian_window as bump
def window(shape, center, sigma):
    return bump(shape, center, sigma).reshape(shape)
""",
    "reference_is_right": True,
}

ANSWERS["units_to_codes"] = {
    "notebook": "04_integrated_pipeline",
    "wrong": {
        "channels swapped (negative channels taken as the first k)": """
def units_to_codes(units, scales, max_unit=1 - 1e-9):
    k = units.shape[1] // 2
    magnitude = -np.log1p(-np.minimum(units, max_unit))
    return scales * (magnitude[:, k:] - magnitude[:, :k])
""",
        "scales left out": """
def units_to_codes(units, scales, max_unit=1 - 1e-9):
    k = units.shape[1] // 2
    magnitude = -np.log1p(-np.minimum(units, max_unit))
    return magnitude[:, :k] - magnitude[:, k:]
""",
        "log(v) instead of log(1 - v)": """
def units_to_codes(units, scales, max_unit=1 - 1e-9):
    k = units.shape[1] // 2
    magnitude = -np.log(np.minimum(units, max_unit))
    return scales * (magnitude[:, :k] - magnitude[:, k:])
""",
        "channels added instead of subtracted": """
def units_to_codes(units, scales, max_unit=1 - 1e-9):
    k = units.shape[1] // 2
    magnitude = -np.log1p(-np.minimum(units, max_unit))
    return scales * (magnitude[:, :k] + magnitude[:, k:])
""",
        "no clipping (a unit of 1 gives an infinite code)": """
def units_to_codes(units, scales, max_unit=1 - 1e-9):
    k = units.shape[1] // 2
    magnitude = -np.log1p(-units)
    return scales * (magnitude[:, :k] - magnitude[:, k:])
""",
        "the forward map's formula used backwards (1 - exp(-v) instead of -log(1 - v))": """
def units_to_codes(units, scales, max_unit=1 - 1e-9):
    k = units.shape[1] // 2
    magnitude = 1 - np.exp(-np.minimum(units, max_unit))
    return scales * (magnitude[:, :k] - magnitude[:, k:])
""",
    },
    "reference": """
from dreamlib.pipeline import units_to_codes as decode_units
def units_to_codes(units, scales, max_unit=1 - 1e-9):
    return decode_units(units, scales, max_unit=max_unit)
""",
    "reference_is_right": True,
}

ANSWERS["shrink_weights"] = {
    "notebook": "08_joint_learning",
    "wrong": {
        "the paper's subgradient step (overshoots zero)": """
def shrink_weights(W, t):
    return W - t * np.sign(W)
""",
        "shrinks the magnitude but loses the sign": """
def shrink_weights(W, t):
    return np.maximum(np.abs(W) - t, 0.0)
""",
        "hard threshold (keeps the large weights unshrunk)": """
def shrink_weights(W, t):
    return np.where(np.abs(W) > t, W, 0.0)
""",
        "changes W in place": """
def shrink_weights(W, t):
    W -= np.clip(W, -t, t)
    return W
""",
    },
    "reference": """
from dreamlib.sparse_coding import soft_threshold as shrink
def shrink_weights(W, t):
    return shrink(W, t)
""",
    "reference_is_right": True,
}

ANSWERS["psnr_per_image"] = {
    "notebook": "05_metrics_comparison",
    "wrong": {
        "one PSNR for the whole batch (mean over every pixel)": """
def psnr_per_image(X, X_hat, data_range):
    err = np.mean((X - X_hat) ** 2)
    return np.full(len(X), 10 * np.log10(data_range ** 2 / err))
""",
        "averaged over the images (axis 0) instead of the pixels": """
def psnr_per_image(X, X_hat, data_range):
    err = np.mean((X - X_hat) ** 2, axis=0)
    return 10 * np.log10(data_range ** 2 / err)
""",
        "data range not squared": """
def psnr_per_image(X, X_hat, data_range):
    err = np.mean((X - X_hat) ** 2, axis=1)
    return 10 * np.log10(data_range / err)
""",
        "root-mean-square error in place of the mean squared error": """
def psnr_per_image(X, X_hat, data_range):
    err = np.sqrt(np.mean((X - X_hat) ** 2, axis=1))
    return 10 * np.log10(data_range ** 2 / err)
""",
        "summed over the pixels instead of averaged": """
def psnr_per_image(X, X_hat, data_range):
    err = np.sum((X - X_hat) ** 2, axis=1)
    return 10 * np.log10(data_range ** 2 / err)
""",
        "mean absolute error in place of the mean squared error": """
def psnr_per_image(X, X_hat, data_range):
    err = np.mean(np.abs(X - X_hat), axis=1)
    return 10 * np.log10(data_range ** 2 / err)
""",
    },
    "reference": """
from dreamlib.metrics import psnr as peak_snr
def psnr_per_image(X, X_hat, data_range):
    return peak_snr(X, X_hat, data_range=data_range, axis=1)
""",
    "reference_is_right": True,
}
