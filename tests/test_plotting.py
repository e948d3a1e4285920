"""dreamlib.plotting draws what it is asked to, readably: gaps, scales, sizes, colour bars.

Most checks render the figure to pixels (as the inline backend does: PNG, tight bounding box)
and look at the pixels, so a gap that vanishes or a mosaic that is shrunk fails here.
"""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from dreamlib import data, plotting  # noqa: E402

DPI = 90  # the notebooks' figure.dpi (course.setup_notebook)


@pytest.fixture(autouse=True)
def notebook_dpi():
    with plt.rc_context({"figure.dpi": DPI}):
        yield
    plt.close("all")


def render(fig):
    """The RGB pixels the inline backend would show (PNG at the figure's dpi, tight bbox)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
    buffer.seek(0)
    return plt.imread(buffer)[..., :3]


def is_color(pixels, color, tol=0.02):
    return np.all(np.abs(pixels - np.array(color)) < tol, axis=-1)


def crop(mask):
    """The bounding box of the ``True`` pixels."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return (slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1))


def lines_of(mask, axis):
    """Separator lines: runs of rows (axis=1) or columns (axis=0) that are nearly all ``True``,
    within the bounding box of the ``True`` pixels."""
    full = mask[crop(mask)].mean(axis=axis) > 0.9
    return int(np.sum(full[1:] & ~full[:-1]) + full[0])


# --- the gap colour -----------------------------------------------------------------------------


@pytest.mark.parametrize("cmap", ["gray", "gray_r", "RdBu_r", "viridis"])
def test_gap_color_is_far_from_every_colour_of_the_map(cmap):
    colours = plt.get_cmap(cmap)(np.linspace(0, 1, 256))[:, :3]
    distance = np.linalg.norm(colours - np.array(plotting.gap_color(cmap)), axis=1).min()
    assert distance > 0.3


def test_bars_on_the_border_of_a_tile_stay_visible():
    """A white bar in a tile's first row must sit next to a gap that is not white (issue 14)."""
    _, bars = data.bars(1, size=16, random_state=0)
    ax = plotting.show_tiles(bars, ncols=16)
    pixels = render(ax.figure)
    is_gap = is_color(pixels, plotting.gap_color("gray"))
    mosaic = pixels[crop(is_gap)]   # off the white page
    white = is_color(mosaic, (1, 1, 1))
    # the first bar (top row of tile 0) is white; the pixels right above it are the gap colour
    top = np.flatnonzero(white.any(axis=1)).min()
    assert top > 0 and is_color(mosaic[top - 1, white[top]], plotting.gap_color("gray")).all()
    # 2 rows of tiles -> 3 horizontal gap lines; 16 columns -> 17 vertical ones
    assert lines_of(is_gap, axis=1) == 3
    assert lines_of(is_gap, axis=0) == 17


def test_a_large_mosaic_keeps_every_separator():
    """400 atoms of 28x28 in 20 columns: all 21 separator lines each way survive on screen."""
    dictionary, _ = data.natural_dictionary()
    ax = plotting.show_tiles(dictionary, ncols=20)
    is_gap = is_color(render(ax.figure), plotting.gap_color("gray"))
    assert lines_of(is_gap, axis=1) == 21
    assert lines_of(is_gap, axis=0) == 21


def test_figure_is_sized_to_the_mosaic_at_a_whole_zoom():
    images = np.random.default_rng(0).standard_normal((32, 256))
    for zoom in (1, 2, 3):
        ax = plotting.show_tiles(images, ncols=16, zoom=zoom)
        ax.figure.canvas.draw()
        extent = ax.get_window_extent()
        assert extent.width == pytest.approx(zoom * (16 * 17 + 1), abs=0.1)
        assert extent.height == pytest.approx(zoom * (2 * 17 + 1), abs=0.1)
    ax = plotting.show_tiles(images, ncols=16)   # default: as large as fits the notebook's width
    assert ax.get_window_extent().width <= plotting.MAX_WIDTH_PX
    assert ax.get_window_extent().width >= plotting.MAX_WIDTH_PX / 2


def test_a_mosaic_shrunk_into_small_axes_is_smoothed_not_sampled():
    dictionary, _ = data.natural_dictionary()
    fig, ax = plt.subplots(figsize=(2, 2))
    plotting.show_tiles(dictionary, ncols=20, ax=ax)
    assert ax.images[0].get_interpolation() != "nearest"
    fig, ax = plt.subplots(figsize=(8, 8))
    plotting.show_tiles(dictionary[:4], ncols=2, ax=ax)
    assert ax.images[0].get_interpolation() == "nearest"


# --- scaling and colour bars ----------------------------------------------------------------------


def test_per_tile_and_shared_scaling():
    images = np.array([[0.0, 1.0, -2.0, 0.5], [0.0, 0.1, 0.2, 0.0]])
    per_tile = plotting.tile(images, shape=(2, 2), ncols=2, scale="tile")
    shared = plotting.tile(images, shape=(2, 2), ncols=2, scale="shared")
    np.testing.assert_allclose(np.nanmax(np.abs(per_tile[1:3, 1:3])), 1.0)   # each tile to +-1
    np.testing.assert_allclose(np.nanmax(np.abs(per_tile[1:3, 4:6])), 1.0)
    np.testing.assert_allclose(shared[1:3, 4:6], images[1].reshape(2, 2))     # values kept
    ax = plotting.show_tiles(images, shape=(2, 2), scale="shared")
    assert ax.images[0].get_clim() == (-2.0, 2.0)                              # zero mid-grey
    ax = plotting.show_tiles(images, shape=(2, 2), vmin=0, vmax=1)
    assert ax.images[0].get_clim() == (0.0, 1.0)
    unsigned = plotting.tile(images, shape=(2, 2), symmetric=False, scale="tile")
    assert np.nanmin(unsigned[1:3, 1:3]) == 0 and np.nanmax(unsigned[1:3, 1:3]) == 1


def test_contradictory_scaling_is_refused():
    images = np.ones((2, 4))
    with pytest.raises(ValueError, match="scale='shared'"):
        plotting.show_tiles(images, scale="tile", vmin=0)
    with pytest.raises(ValueError, match="colorbar"):
        plotting.show_tiles(images, colorbar=True)          # atoms, each on its own scale
    with pytest.raises(ValueError, match="scale must be"):
        plotting.tile(images, scale="each")
    with pytest.raises(ValueError, match="colorbar"):
        plotting.image_grid(images, colorbar=True)


def test_colour_bars_show_the_shared_range():
    images = np.random.default_rng(0).random((6, 16))
    ax = plotting.show_tiles(images, vmin=-0.25, vmax=0.25, colorbar=True)
    bar = [a for a in ax.figure.axes if a is not ax]
    assert len(bar) == 1 and bar[0].get_ylim() == pytest.approx((-0.25, 0.25))
    fig = plotting.image_grid(images, ncols=3, vmin=0, vmax=1, colorbar=True)
    assert len(fig.axes) == 7 and fig.axes[-1].get_ylim() == pytest.approx((0, 1))


# --- panels and grids -------------------------------------------------------------------------------


def test_panels_share_one_zoom_and_take_their_own_options():
    X = np.random.default_rng(0).random((8, 784))
    fig = plotting.show_tile_panels(
        {"data": X, "centred": (X - 0.5, {"vmin": -0.5, "vmax": 0.5, "colorbar": True})},
        per_row=1, ncols=8, vmin=0, vmax=1, zoom=2, suptitle="two rows")
    fig.canvas.draw()
    data_ax, centred_ax = (ax for ax in fig.axes if ax.get_title())
    for ax in (data_ax, centred_ax):
        assert ax.get_window_extent().width == pytest.approx(2 * (8 * 29 + 1), abs=0.1)
    assert data_ax.images[0].get_clim() == (0, 1)
    assert centred_ax.images[0].get_clim() == (-0.5, 0.5)
    assert len(fig.axes) == 3                                   # one colour bar, for "centred"
    # the second panel and its title sit below the first: nothing overlaps
    assert centred_ax.get_window_extent().y1 < data_ax.get_window_extent().y0
    with pytest.raises(TypeError, match="unknown option"):
        plotting.show_tile_panels({"x": (X, {"vmni": 0})})


def test_image_grid_leaves_a_gap_between_rows():
    """A 2x8 grid must read as two rows of square images, not as 8 tall ones (issue 14)."""
    images = np.random.default_rng(0).random((16, 784))
    fig = plotting.image_grid(images, ncols=8, size=1.0, suptitle="sixteen")
    fig.canvas.draw()
    boxes = [ax.get_window_extent() for ax in fig.axes]
    assert boxes[0].width == pytest.approx(boxes[0].height, rel=0.01)     # square cells
    row_gap = boxes[0].y0 - boxes[8].y1
    column_gap = boxes[1].x0 - boxes[0].x1
    assert row_gap >= 0.1 * DPI and column_gap >= 0.1 * DPI


def test_image_grid_titles():
    images = np.random.default_rng(0).random((5, 9))
    fig = plotting.image_grid(images, ncols=3, titles=list("abcde"))
    assert len(fig.axes) == 5 and fig.axes[4].get_title() == "e"


def test_tile_places_each_image_in_its_cell():
    images = np.arange(6 * 4, dtype=float).reshape(6, 4) + 1
    mosaic = plotting.tile(images, shape=(2, 2), ncols=3, symmetric=False)
    assert mosaic.shape == (2 * 3 + 1, 3 * 3 + 1)
    np.testing.assert_array_equal(mosaic[1:3, 1:3], images[0].reshape(2, 2))
    np.testing.assert_array_equal(mosaic[4:6, 7:9], images[5].reshape(2, 2))
    assert np.isnan(mosaic[0]).all()
    with pytest.raises(ValueError, match="square"):
        plotting.tile(np.ones((2, 10)))


def test_animation_frames_are_mosaics_and_its_figure_is_closed():
    images = np.random.default_rng(0).random((5, 9))
    n_before = len(plt.get_fignums())
    html = plotting.animation(np.stack([images, 1 - images]), titles=["t=0", "t=1"])
    assert html.data.count("data:image/png") >= 2 and "<script" in html.data
    assert len(plt.get_fignums()) == n_before  # closed, so it is not drawn twice
    with pytest.raises(ValueError, match="one entry per frame"):
        plotting.animation(np.stack([images, images]), titles=["only one"])


def test_tiny_images_are_enlarged_to_a_readable_size_with_thin_gaps():
    """4x4 bar images at 4 screen pixels per pixel would be 16-pixel specks; enlarged 10x their
    gaps would be 10 pixels thick. Each pixel is repeated instead, then the mosaic is zoomed."""
    images = np.random.default_rng(0).random((32, 16))
    ax = plotting.show_tiles(images, ncols=16, vmin=0, vmax=1)
    is_gap = is_color(render(ax.figure), plotting.gap_color("gray"))
    columns = is_gap[crop(is_gap)].mean(axis=0) > 0.9          # the vertical gap lines
    runs = np.split(columns, np.flatnonzero(np.diff(columns.astype(int))) + 1)
    gap_widths = [len(r) for r in runs if r[0]]
    tile_widths = [len(r) for r in runs if not r[0]]
    assert len(tile_widths) == 16 and min(tile_widths) >= plotting.MIN_TILE_PX - 4
    assert max(gap_widths) <= plotting.MAX_ZOOM
