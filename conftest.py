"""Collecting the library's doctests: modules that need an optional package are left out without it."""

from __future__ import annotations

import importlib.util

#: the modules that import optional packages at the top, with the packages each needs (space-separated)
NEEDS = {
    "neurosim/io/torch_bridge.py": "torch",
    "neurosim/io/torch_graph.py": "torch",
    "neurosim/io/onnx_export.py": "torch onnx onnxscript",
    "neurosim/sklearn.py": "sklearn",
}

collect_ignore = [
    module
    for module, packages in NEEDS.items()
    if any(importlib.util.find_spec(package) is None for package in packages.split())
]
