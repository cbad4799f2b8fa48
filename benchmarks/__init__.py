"""Benchmarks of neurosim's engines; ``neurosim bench`` runs the ``engines`` package."""
