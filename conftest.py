"""Collecting the library's doctests: modules that need an optional package are left out without it."""

from __future__ import annotations

import importlib.util

#: the modules that import an optional package at the top, with the package each needs
NEEDS = {
    "neurosim/io/torch_bridge.py": "torch",
    "neurosim/io/torch_graph.py": "torch",
    "neurosim/sklearn.py": "sklearn",
}

collect_ignore = [module for module, package in NEEDS.items() if importlib.util.find_spec(package) is None]
