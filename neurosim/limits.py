"""Resource limits, checked before anything large is allocated.

Every neuron and synapse of a neurosim network is a Python object, so a
network costs far more memory than its arrays alone: about
``BYTES_PER_NEURON`` bytes per neuron and ``BYTES_PER_SYNAPSE`` bytes per
synapse, plus a few arrays of the network's dtype per parameter. A size that
cannot fit is refused here with a ``ResourceError`` that gives the size and
the memory it would need, instead of ending in a raw ``MemoryError`` or the
operating system killing the process.

Two kinds of check:

* fixed ceilings that hold on every machine: ``MAX_LAYER_SIZE`` neurons per
  layer, ``MAX_PARAMETERS`` parameters per network, ``MAX_SAMPLES`` samples per
  generated data set;
* the memory the request would need against the memory available now
  (``MemAvailable`` in ``/proc/meminfo``, the free pages from ``os.sysconf``
  elsewhere; skipped where neither can be read).

How to call them: pass the size and ``where``, the name of the argument or
place that asked for it (``"sizes[1]"``, ``"layer 'hidden1' in model.json"``),
which starts the message. Check everything a request will allocate *before*
allocating any of it: a model file reader calls ``check_network`` with every
layer size and the parameter count it declares, then builds the network.

Examples
--------
>>> from neurosim import limits
>>> limits.check_layer_size(100, "size")
>>> limits.check_layer_size(10**9, "sizes[1]")
Traceback (most recent call last):
...
neurosim.errors.ResourceError: sizes[1] asks for a layer of 1,000,000,000 neurons; neurosim allows at most
10,000,000 per layer (it would need about 1.03 TB of memory)
>>> limits.check_network([2, 3, 1], 13, "sizes")
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from neurosim.errors import ResourceError

#: Neurons per layer. At ``BYTES_PER_NEURON`` each, a layer this size takes
#: about 5 GB as objects and tens of seconds to build: the most that is still
#: useful to look at neuron by neuron.
MAX_LAYER_SIZE = 10**7

#: Weights and biases per network. At ``BYTES_PER_SYNAPSE`` each, this many
#: synapses take about 50 GB, more than all but the largest workstations hold.
MAX_PARAMETERS = 10**8

#: Samples per generated data set: about 1.6 GB for two features, far more
#: than a fit that runs in minutes goes through.
MAX_SAMPLES = 10**8

#: Epochs per ``fit`` call: at a microsecond each (the fastest an epoch of a
#: tiny network takes) this many run for a quarter of an hour; more is a slip
#: of the keyboard (``2**64``), not a run anyone waits for.
MAX_EPOCHS = 10**9

#: Memory of one neuron: its object and its node in the network's graph (measured: about 470 bytes).
BYTES_PER_NEURON = 500

#: Memory of one synapse: its object and its edge in the graph (measured: about 400 bytes),
#: on top of its arrays.
BYTES_PER_SYNAPSE = 500

#: Arrays of the network's dtype held per parameter: the value, its gradient,
#: the optimizer's velocity and the compiled engine's copy.
ARRAYS_PER_PARAMETER = 4

#: Arrays of the data set's size a generator holds at once while it works
#: (measured: ``moons`` peaks at about 110 bytes per sample of two features, 5 x 3 x 8 = 120).
ARRAYS_PER_SAMPLE = 5

#: Requests smaller than this are never refused for memory: the estimates are
#: rough, and the memory available moves by more than this from moment to moment.
MIN_CHECKED_BYTES = 100 * 10**6

#: Where Linux says how much memory is available (``MemAvailable``, counting reclaimable caches).
MEMINFO = Path("/proc/meminfo")


def available_memory() -> int | None:
    """Bytes of memory available to this process now, or ``None`` where it cannot be read.

    Examples
    --------
    >>> memory = available_memory()
    >>> memory is None or memory > 0
    True
    """
    try:
        for line in MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def network_bytes(n_neurons: int, n_parameters: int, dtype: object = np.float64) -> int:
    """An estimate of the memory a network of this many neurons and parameters takes.

    Examples
    --------
    >>> network_bytes(3, 13)
    8416
    >>> 3 * 500 + 13 * (500 + 4 * 8)
    8416
    """
    per_parameter = BYTES_PER_SYNAPSE + ARRAYS_PER_PARAMETER * np.dtype(dtype).itemsize
    return n_neurons * BYTES_PER_NEURON + n_parameters * per_parameter


def format_bytes(count: float) -> str:
    """A byte count for people, in powers of 1000: ``'1.5 GB'``, ``'512 bytes'``.

    Examples
    --------
    >>> format_bytes(512), format_bytes(1500), format_bytes(5 * 10**11), format_bytes(2e21)
    ('512 bytes', '1.5 kB', '500 GB', '2e+21 bytes')
    """
    if count < 1000:
        return f"{int(count)} bytes"
    if count >= 1e18:  # written from its digits: a Python int this large may not fit in a float
        exponent = len(str(int(count))) - 1
        return f"{int(count) / 10**exponent:.3g}e+{exponent:02d} bytes"
    for unit in ("kB", "MB", "GB", "TB", "PB"):
        count /= 1000
        if count < 1000:
            return f"{count:.3g} {unit}"
    return f"{count * 1e15:.3g} bytes"


def check_memory(nbytes: int, what: str, where: str) -> None:
    """Raise a ``ResourceError`` if ``what`` would need more memory than is available now.

    Does nothing for fewer than ``MIN_CHECKED_BYTES`` bytes, and where the
    available memory cannot be read.

    Examples
    --------
    >>> check_memory(1000, "a small array", "x")
    >>> check_memory(10**30, "a huge array", "x")
    Traceback (most recent call last):
    ...
    neurosim.errors.ResourceError: x asks for a huge array, which would need about 1e+30 bytes of memory; ...
    """
    if nbytes < MIN_CHECKED_BYTES:
        return
    available = available_memory()
    if available is not None and nbytes > available:
        raise ResourceError(
            f"{where} asks for {what}, which would need about {format_bytes(nbytes)} of memory; "
            f"only {format_bytes(available)} is available"
        )


def check_layer_size(size: int, where: str, dtype: object = np.float64) -> None:
    """Refuse a layer of more than ``MAX_LAYER_SIZE`` neurons, or one that would not fit in memory.

    Examples
    --------
    >>> check_layer_size(1000, "size") is None
    True
    >>> check_layer_size(MAX_LAYER_SIZE + 1, "size")
    Traceback (most recent call last):
    ...
    neurosim.errors.ResourceError: size asks for a layer of 10,000,001 neurons; neurosim allows at most ...
    """
    needed = network_bytes(size, size, dtype)
    if size > MAX_LAYER_SIZE:
        raise ResourceError(
            f"{where} asks for a layer of {size:,} neurons; neurosim allows at most {MAX_LAYER_SIZE:,} "
            f"per layer (it would need about {format_bytes(needed)} of memory)"
        )
    check_memory(needed, f"a layer of {size:,} neurons", where)


def check_parameters(count: int, where: str, dtype: object = np.float64, *, existing: int = 0) -> None:
    """Refuse ``count`` new parameters past ``MAX_PARAMETERS`` in all, or more than fit in memory.

    ``existing`` is how many parameters the network already has: they count
    towards the ceiling, but their memory is already taken.

    Examples
    --------
    >>> check_parameters(1000, "sizes", dtype="float32") is None
    True
    >>> check_parameters(10**12, "sizes")
    Traceback (most recent call last):
    ...
    neurosim.errors.ResourceError: sizes asks for 1,000,000,000,000 parameters; neurosim allows at most ...
    >>> check_parameters(10, "connect", existing=MAX_PARAMETERS)
    Traceback (most recent call last):
    ...
    neurosim.errors.ResourceError: connect asks for 10 parameters more than the 100,000,000 the network ...
    """
    needed = network_bytes(0, count, dtype)
    if existing + count > MAX_PARAMETERS:
        more = f" more than the {existing:,} the network has" if existing else ""
        raise ResourceError(
            f"{where} asks for {count:,} parameters{more}; neurosim allows at most {MAX_PARAMETERS:,} per "
            f"network (they would need about {format_bytes(needed)} of memory)"
        )
    check_memory(needed, f"{count:,} parameters", where)


def check_network(sizes: Sequence[int], n_parameters: int, where: str, dtype: object = np.float64) -> None:
    """Check a whole network before building any of it: every layer, the parameters, and memory for all.

    Examples
    --------
    >>> check_network([784, 100, 10], 79_510, "sizes")
    >>> check_network([2, 10**9, 1], 4 * 10**9 + 1, "sizes")
    Traceback (most recent call last):
    ...
    neurosim.errors.ResourceError: sizes[1] asks for a layer of 1,000,000,000 neurons; ...
    """
    for i, size in enumerate(sizes):
        if size > MAX_LAYER_SIZE:
            check_layer_size(size, f"{where}[{i}]", dtype)
    if n_parameters > MAX_PARAMETERS:
        check_parameters(n_parameters, where, dtype)
    needed = network_bytes(sum(sizes), n_parameters, dtype)
    check_memory(needed, f"a network of {sum(sizes):,} neurons and {n_parameters:,} parameters", where)


def check_samples(n_samples: int, n_features: int, where: str, dtype: object = np.float64) -> None:
    """Refuse a data set of more than ``MAX_SAMPLES`` samples, or one that would not fit in memory.

    Examples
    --------
    >>> check_samples(1000, 2, "n_samples")
    >>> check_samples(10**12, 2, "n_samples")
    Traceback (most recent call last):
    ...
    neurosim.errors.ResourceError: n_samples asks for 1,000,000,000,000 samples; neurosim allows at most ...
    """
    needed = n_samples * (n_features + 1) * np.dtype(dtype).itemsize * ARRAYS_PER_SAMPLE
    if n_samples > MAX_SAMPLES:
        raise ResourceError(
            f"{where} asks for {n_samples:,} samples; neurosim allows at most {MAX_SAMPLES:,} per data "
            f"set (they would need about {format_bytes(needed)} of memory)"
        )
    check_memory(needed, f"{n_samples:,} samples of {n_features} features", where)
