"""What every test of a written picture checks: it is a real picture, not a blank or a sliver."""

from pathlib import Path

import numpy as np
from matplotlib.image import imread


def count_colours(image: np.ndarray) -> int:
    """How many different RGB colours ``image`` (floats in [0, 1]) has."""
    rgb = np.round(image[..., :3] * 255).astype(np.int64)
    return len(np.unique(rgb[..., 0] * 65536 + rgb[..., 1] * 256 + rgb[..., 2]))


def assert_real_picture(path: Path, min_height: int = 200, min_width: int = 300) -> np.ndarray:
    """Check the PNG at ``path`` is at least that large and has more than 20 colours; return its pixels."""
    image = imread(path)
    assert image.shape[0] > min_height and image.shape[1] > min_width, path.name
    assert count_colours(image) > 20, path.name  # a picture, not a blank
    return image
