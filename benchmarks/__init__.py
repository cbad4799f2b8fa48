"""Benchmarks of neurosim's engines; ``neurosim bench`` runs ``engines.py``."""
