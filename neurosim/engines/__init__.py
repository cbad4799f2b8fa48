"""Engines that compute a network's forward and backward passes."""
