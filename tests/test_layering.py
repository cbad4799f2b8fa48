"""The packages depend on each other in one direction only, and only on each other's public names.

The layers, from the bottom::

    foundation   errors, validation, activations, losses, initializers, datasets, limits, classes,
                 _text (text helpers)
    core         the object model and its parameter store
    engines      the object and compiled engines, behind one interface
    training     fit, callbacks, optimizers, watches, tasks
    diagnostics, io, optim, callbacks (public names of the optimizers and callbacks, which live in training),
                 sklearn (scikit-learn estimators that train a network)
    plot
    cli, playground (the page of ``neurosim playground`` and its server)
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
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {
    "neurosim": ROOT / "neurosim",
    "neurosim.demos": ROOT / "demos",
    "neurosim.benchmarks": ROOT / "benchmarks",
}

#: the modules at the top of the neurosim package that everything builds on, one layer together
FOUNDATION = (
    "errors",
    "validation",
    "activations",
    "losses",
    "initializers",
    "datasets",
    "limits",
    "classes",
    "_text",
)
LAYERS: dict[str, int] = {
    "foundation": 0,
    "core": 1,
    "engines": 2,
    "training": 3,
    "diagnostics": 4,
    "io": 4,
    "optim": 4,
    "callbacks": 4,
    "sklearn": 4,
    "plot": 5,
    "cli": 6,
    "playground": 6,
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
    ("core", "plot"),  # Network._repr_mimebundle_: the picture a notebook shows
    ("cli", "demos"),  # neurosim demo NAME
    ("cli", "benchmarks"),  # neurosim bench
    (FACADE, "plot"),  # ns.plot, loaded on first use because matplotlib takes a while
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


@dataclass
class Import:
    """One import statement (or ``importlib.import_module`` call) in a module."""

    module: str  # the module named, resolved to an absolute name
    names: list[str]  # the names taken from it (``from module import names``)
    at_import: bool  # whether it runs when the importing module is imported
    line: int


def imports(source: str, module: str, is_package: bool = False) -> list[Import]:
    """Every import of a neurosim module in ``source``, the code of ``module``."""
    found: list[Import] = []

    def visit(node: ast.AST, at_import: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for statement in child.orelse:  # the body runs only for type checkers
                    visit(ast.Module(body=[statement], type_ignores=[]), at_import)
                continue
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
                continue
            if isinstance(child, ast.Import):
                found.extend(Import(alias.name, [], at_import, child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                names = [alias.name for alias in child.names]
                found.append(Import(resolve(child, module, is_package), names, at_import, child.lineno))
            elif isinstance(child, ast.Call) and (dynamic := _dynamic_import(child)):
                found.append(Import(dynamic, [], at_import, child.lineno))
            visit(child, at_import)

    visit(ast.parse(source), True)
    return [item for item in found if item.module == "neurosim" or item.module.startswith("neurosim.")]


def _is_type_checking(test: ast.expr) -> bool:
    """Whether an ``if`` tests exactly ``TYPE_CHECKING`` (or ``typing.TYPE_CHECKING``)."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _dynamic_import(call: ast.Call) -> str | None:
    """The module that ``importlib.import_module("...")`` or ``__import__("...")`` names, if written out."""
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
    if name not in ("import_module", "__import__") or not call.args:
        return None
    argument = call.args[0]
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    if (
        isinstance(argument, ast.JoinedStr)
        and argument.values
        and isinstance(argument.values[0], ast.Constant)
    ):
        return str(argument.values[0].value).rstrip(".")  # f"neurosim.demos.{name}" reaches neurosim.demos
    return None


def resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name of a ``from ... import`` (relative ones counted from ``module``)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def targets(item: Import) -> list[str]:
    """The modules an import reaches: ``from neurosim import io`` reaches ``neurosim.io``."""
    if item.module == "neurosim" and item.names:
        reached = []
        for name in item.names:
            candidate = SOURCES["neurosim"] / name
            is_package_or_module = (
                candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists()
            )
            reached.append(f"neurosim.{name}" if is_package_or_module else "neurosim")
        return reached
    return [item.module]


def layer_of(module: str) -> int:
    package = package_of(module)
    return FACADE_LAYER if package == FACADE else LAYERS[package]


def layer_problems(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports of ``module`` that break the layering, one line each."""
    own_package, own_layer = package_of(module), layer_of(module)
    problems = []
    for item in imports(source, module, is_package):
        for target in targets(item):
            package = package_of(target)
            if package == own_package:
                continue
            layer = layer_of(target)
            # the facade re-exports the layers up to its own, so it may import them, and only them
            allowed = layer <= own_layer if own_package == FACADE else layer < own_layer
            if package == FACADE:
                allowed = own_layer > FACADE_LAYER
            if item.at_import and not allowed:
                problems.append(f"line {item.line}: imports {target} (layer {package}) at import time")
            elif not item.at_import and layer > own_layer and (own_package, package) not in LAZY_UPWARD:
                problems.append(f"line {item.line}: imports {target} (layer {package}) inside a function")
    return problems


def private_problems(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports of ``module`` that reach another package's private modules or names."""
    own_package = package_of(module)
    library = own_package == FACADE or LAYERS[own_package] <= LAYERS["cli"]
    problems = []
    for item in imports(source, module, is_package):
        for target in targets(item):
            private = any(part.startswith("_") for part in target.split(".")[1:])
            shared_helper = library and target == "neurosim._text"
            if private and package_of(target) != own_package and not shared_helper:
                problems.append(f"line {item.line}: imports the private module {target}")
        if package_of(item.module) != own_package:
            problems += [
                f"line {item.line}: imports the private name {name} from {item.module}"
                for name in item.names
                if name.startswith("_") and name != "__version__"
            ]
    return problems


def all_modules() -> list[tuple[str, Path]]:
    found = []
    for folder in SOURCES.values():
        found += [(module_name(path), path) for path in sorted(folder.rglob("*.py"))]
    return found


MODULES = all_modules()


def test_every_package_has_a_layer():
    assert {package_of(name) for name, _ in MODULES} <= {*LAYERS, FACADE}
    assert "neurosim" in {name for name, _ in MODULES}  # the facade is checked too


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_imports_follow_the_layers(module, path):
    problems = layer_problems(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    assert not problems, f"{module}:\n" + "\n".join(problems)


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_no_module_imports_another_packages_private_names(module, path):
    problems = private_problems(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
    assert not problems, f"{module}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("module", "is_package", "source"),
    [
        ("neurosim.engines.example", False, "from neurosim.training.fit import fit"),
        ("neurosim.core.example", False, "import neurosim.engines.compiled"),
        ("neurosim.core.example", False, "from neurosim import training"),
        ("neurosim.core.example", False, "if not TYPE_CHECKING:\n    from neurosim.training import fit"),
        (
            "neurosim.core.example",
            False,
            "if TYPE_CHECKING:\n    pass\nelse:\n    from neurosim.io import save",
        ),
        ("neurosim.plot", True, "from ..cli import parser"),
        ("neurosim.engines.base", False, "import importlib\nimportlib.import_module('neurosim.training')"),
        ("neurosim.training.fit", False, "def f():\n    from neurosim.plot import network"),
        ("neurosim.diagnostics.example", False, "from neurosim.io import save"),
        ("neurosim.engines.example", False, "import neurosim"),
        ("neurosim", True, "from neurosim import cli"),
    ],
)
def test_the_layer_check_catches(module, is_package, source):
    assert layer_problems(source, module, is_package)


@pytest.mark.parametrize(
    ("module", "is_package", "source"),
    [
        ("neurosim.training.fit", False, "from neurosim.engines import create\nfrom . import history"),
        ("neurosim.core.network", False, "if TYPE_CHECKING:\n    from neurosim.training import History"),
        ("neurosim.core.network", False, "def fit():\n    from neurosim.training.fit import fit"),
        ("neurosim.core", True, "from .network import Network"),
        ("neurosim.cli.demo", False, "def run(name):\n    importlib.import_module(f'neurosim.demos.{name}')"),
        ("neurosim.plot.boundary", False, "import neurosim as ns"),
        ("neurosim", True, "def __getattr__(name):\n    return importlib.import_module('neurosim.plot')"),
    ],
)
def test_the_layer_check_allows(module, is_package, source):
    assert layer_problems(source, module, is_package) == []


def test_the_private_check_catches_and_allows():
    assert private_problems("from neurosim.cli._data import Data", "neurosim.demos.xor")
    assert private_problems("from neurosim.core.network import _describe", "neurosim.plot.network")
    assert private_problems("from neurosim._text import table", "neurosim.demos.xor")
    assert private_problems("from neurosim.cli._data import Data", "neurosim.cli.train") == []
    assert private_problems("from neurosim._text import table", "neurosim.diagnostics.summary") == []


def test_test_modules_import_their_shared_helpers_by_their_own_name():
    """``from tests.x import ...`` works where the checkout is on the path, but not from a fresh clone."""
    offenders = [
        path.name
        for path in sorted((ROOT / "tests").glob("*.py"))
        if any(
            isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests"
            for node in ast.walk(ast.parse(path.read_text()))
        )
    ]
    assert offenders == [], f"import shared test modules as 'from reference_mlp import ...': {offenders}"
