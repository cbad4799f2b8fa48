"""Saving and loading networks."""

from neurosim.io.json_format import FORMAT_VERSION, load, save

__all__ = ["FORMAT_VERSION", "load", "save"]
