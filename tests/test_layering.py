"""The packages depend on each other in one direction only, and only on each other's public names.

The layers, from the bottom::

    foundation   errors, validation, activations, losses, initializers, datasets, _text (text helpers)
    core         the object model and its parameter store
    engines      the object and compiled engines, behind one interface
    training     fit, callbacks, optimizers, watches, tasks
    diagnostics, io
    plot
    cli
    demos, benchmarks

An import that runs when a module is imported (at module level, outside
``if TYPE_CHECKING:``) may only reach the same package or a layer below.
An import inside a function may reach higher only where listed in
``LAZY_UPWARD``: the verbs that ``Network`` keeps as thin methods, and the
command line finding demos and benchmarks by name. No module imports a
private (underscore) module or name of another package, except that the
library's packages share ``neurosim._text``. The test reads the source
files with ``ast``; it imports nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {
    "neurosim": ROOT / "neurosim",
    "neurosim.demos": ROOT / "demos",
    "neurosim.benchmarks": ROOT / "benchmarks",
}

#: the modules at the top of the neurosim package that everything builds on, one layer together
FOUNDATION = ("errors", "validation", "activations", "losses", "initializers", "datasets", "_text")
LAYERS: dict[str, int] = {
    "foundation": 0,
    "core": 1,
    "engines": 2,
    "training": 3,
    "diagnostics": 4,
    "io": 4,
    "plot": 5,
    "cli": 6,
    "demos": 7,
    "benchmarks": 7,
}
#: ``import neurosim`` reaches everything its ``__init__`` imports: up to diagnostics and io
FACADE = "neurosim"
FACADE_LAYER = 4

LAZY_UPWARD = {
    ("core", "engines"),  # Network.forward, predict, backward, compile
    ("core", "training"),  # Network.fit, watch, watches
    ("core", "diagnostics"),  # Network.summary, Neuron.explain
    ("core", "io"),  # Network.save
    ("cli", "demos"),  # neurosim demo NAME
    ("cli", "benchmarks"),  # neurosim bench
}


def module_name(path: Path) -> str:
    for prefix, folder in SOURCES.items():
        if path.is_relative_to(folder):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            return ".".join([prefix, *parts])
    raise AssertionError(path)


def package_of(module: str) -> str:
    """``core`` for ``neurosim.core.network``, ``foundation`` for ``neurosim.errors``; else the facade."""
    parts = module.split(".")
    if len(parts) == 1:
        return FACADE
    return "foundation" if parts[1] in FOUNDATION else parts[1]


def imports(tree: ast.Module, module: str) -> list[tuple[str, list[str], bool, int]]:
    """``(imported module, names taken from it, whether it runs at import time, line)`` for each import."""
    found = []

    def visit(node: ast.AST, at_import: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                visit_body(child.orelse, at_import)
                continue
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
                continue
            if isinstance(child, ast.Import):
                found.extend((alias.name, [], at_import, child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = resolve(child, module)
                found.append((base, [alias.name for alias in child.names], at_import, child.lineno))
            visit(child, at_import)

    def visit_body(body: list[ast.stmt], at_import: bool) -> None:
        for statement in body:
            wrapper = ast.Module(body=[statement], type_ignores=[])
            visit(wrapper, at_import)

    visit(tree, True)
    return [item for item in found if item[0] == "neurosim" or item[0].startswith("neurosim.")]


def resolve(node: ast.ImportFrom, module: str) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")[: -node.level]
    return ".".join([*package, node.module] if node.module else package)


def targets(imported: str, names: list[str]) -> list[str]:
    """The modules an import reaches: ``from neurosim import io`` reaches ``neurosim.io``."""
    if imported == "neurosim" and names:
        reached = []
        for name in names:
            candidate = SOURCES["neurosim"] / name
            is_package_or_module = (
                candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists()
            )
            reached.append(f"neurosim.{name}" if is_package_or_module else "neurosim")
        return reached
    return [imported]


def layer_of(module: str) -> int:
    package = package_of(module)
    return FACADE_LAYER if package == FACADE else LAYERS[package]


def all_modules() -> list[tuple[str, Path]]:
    found = []
    for folder in SOURCES.values():
        found += [(module_name(path), path) for path in sorted(folder.rglob("*.py"))]
    return found


MODULES = [(name, path) for name, path in all_modules() if name != "neurosim"]


def test_every_package_has_a_layer():
    assert {package_of(name) for name, _ in MODULES} <= set(LAYERS)


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_imports_follow_the_layers(module, path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own_package, own_layer = package_of(module), layer_of(module)
    problems = []
    for imported, names, at_import, line in imports(tree, module):
        for target in targets(imported, names):
            package = package_of(target)
            if package == own_package:
                continue
            layer = layer_of(target)
            if at_import and layer >= own_layer and not (package == FACADE and own_layer > FACADE_LAYER):
                problems.append(f"line {line}: imports {target} (layer {package}) at import time")
            elif not at_import and layer > own_layer and (own_package, package) not in LAZY_UPWARD:
                problems.append(f"line {line}: imports {target} (layer {package}) inside a function")
    assert not problems, f"{module}:\n" + "\n".join(problems)


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_no_module_imports_another_packages_private_names(module, path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own_package = package_of(module)
    library = LAYERS[own_package] <= LAYERS["cli"]
    problems = []
    for imported, names, _, line in imports(tree, module):
        for target in targets(imported, names):
            private_parts = [part for part in target.split(".")[1:] if part.startswith("_")]
            shared_helper = library and target == "neurosim._text"
            if private_parts and package_of(target) != own_package and not shared_helper:
                problems.append(f"line {line}: imports the private module {target}")
        if package_of(imported) != own_package:
            problems += [
                f"line {line}: imports the private name {name} from {imported}"
                for name in names
                if name.startswith("_") and name != "__version__"
            ]
    assert not problems, f"{module}:\n" + "\n".join(problems)


def test_the_layer_check_sees_a_violation(tmp_path):
    """The checks above can fail: an engine importing training at module level is caught."""
    source = "from neurosim.training.fit import fit\n\ndef f():\n    from neurosim.plot import network\n"
    found = imports(ast.parse(source), "neurosim.engines.example")
    assert [(target, at_import) for target, _, at_import, _ in found] == [
        ("neurosim.training.fit", True),
        ("neurosim.plot", False),
    ]
    assert layer_of("neurosim.training.fit") > layer_of("neurosim.engines.example")
    assert ("engines", "plot") not in LAZY_UPWARD
