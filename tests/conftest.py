"""Plots in the tests render off screen, with matplotlib's Agg backend."""

import matplotlib

matplotlib.use("Agg")
