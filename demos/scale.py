"""Train at scale: PyTorch's DistributedDataParallel trains a neurosim network on several processes.

What it teaches: neurosim's own engines compute in one process, but a
network exports to PyTorch (``ns.to_torch``), where DistributedDataParallel
(DDP) trains it on several processes, here on this machine, and with
``torchrun`` on several machines. Every process takes its shard of each
batch and computes the gradient of its shard; the processes average their
gradients before each step, so every copy takes the same step, and the
weights end where one process training on the same batches would have
taken them, to float rounding. The trained network comes back into neurosim
(``ns.from_torch``) to be looked at neuron by neuron. Pictures and the
trained network go into an output folder (``neurosim-output/scale`` unless
``--output`` says otherwise).

Run it with ``neurosim demo scale`` or ``python demos/scale.py``; it needs
PyTorch (``pip install "neurosim-learn[torch]"``). Under ``torchrun`` the
same script is one of the processes torchrun starts, on this machine or on
several (see the train-at-scale guide in the documentation)::

    torchrun --nproc_per_node=2 -m neurosim.demos.scale --fast
"""

from __future__ import annotations

import copy
import gc
import inspect
import os
import pickle
import socket
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

import neurosim as ns
from neurosim.cli.arguments import positive_int
from neurosim.demos._common import (
    add_seed_option,
    demo_parser,
    heading,
    introduce,
    prepare_output,
    save_pictures,
)

if TYPE_CHECKING:
    import torch

SIZES = [2, 16, 16, 1]
#: samples in every global batch, shared among the processes
BATCH_SIZE = 64
LR = 0.1
MOMENTUM = 0.9
EPOCHS, FAST_EPOCHS = 100, 20
PROCESSES = 2
#: the neuron explained once the network is back in neurosim
EXPLAINED = "hidden1[0]"
#: the environment variables torchrun sets in every process it starts
TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
INSTALL = 'pip install "neurosim-learn[torch]"'


class Split(NamedTuple):
    """Data split into points to train on and points to test on."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


class Plan(NamedTuple):
    """How to train: the global batches, as sample indices in the order they are used, and SGD's settings."""

    batches: list[np.ndarray]
    lr: float = LR
    momentum: float = MOMENTUM


def moons_data(seed: int = 0) -> Split:
    """1024 noisy points on two moons: 768 to train on (12 batches of 64), 256 to test on."""
    X, y = ns.datasets.moons(1024, noise=0.2, seed=seed)
    return Split(*ns.datasets.split(X, y, test_fraction=0.25, seed=seed))


def start_network(seed: int = 0) -> ns.Network:
    """Two hidden layers of 16 tanh neurons and one sigmoid output: the chance of class 1."""
    return ns.Network.from_shape(SIZES, activation="tanh", output_activation="sigmoid", seed=seed)


def global_batches(n_samples: int, batch_size: int, epochs: int, seed: int = 0) -> list[np.ndarray]:
    """The batches of ``epochs`` epochs, in order: each epoch a new shuffle of all ``n_samples``.

    Every process computes the same list from the same ``seed``, so no
    process has to send the order to the others.

    Examples
    --------
    >>> batches = global_batches(10, 4, epochs=2)
    >>> [len(batch) for batch in batches]
    [4, 4, 2, 4, 4, 2]
    >>> sorted(np.concatenate(batches[:3]).tolist()) == list(range(10))
    True
    """
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(epochs):
        order = rng.permutation(n_samples)
        batches.extend(order[start : start + batch_size] for start in range(0, n_samples, batch_size))
    return batches


def shard(batch: np.ndarray, rank: int, world_size: int) -> np.ndarray:
    """Process ``rank``'s part of a global ``batch``: consecutive pieces, as equal as they can be.

    Examples
    --------
    >>> [shard(np.arange(7), rank, 3).tolist() for rank in range(3)]
    [[0, 1, 2], [3, 4], [5, 6]]
    """
    return np.array_split(batch, world_size)[rank]


def require_torch() -> None:
    """Stop with a ``MissingDependencyError`` saying how to install PyTorch, if it is not installed."""
    try:
        import torch.distributed
    except ImportError:
        raise ns.MissingDependencyError(
            f"the scale demo trains with PyTorch, which is not installed; install it with: {INSTALL}"
        ) from None
    if not torch.distributed.is_available():
        raise ns.MissingDependencyError("the scale demo needs a PyTorch built with torch.distributed")


def launched_by_torchrun() -> bool:
    """Whether this process is one that ``torchrun`` started: its variables are all in the environment."""
    return all(name in os.environ for name in TORCHRUN_VARIABLES)


def train_shard(
    module: torch.nn.Module, X: np.ndarray, y: np.ndarray, plan: Plan, rank: int, world_size: int
) -> np.ndarray:
    """Train ``module`` in place with DDP, on shard ``rank`` of each global batch; return each batch's loss.

    The process group must be set up (``torch.distributed``). DDP averages
    the gradients of the ``world_size`` processes, so the loss of a shard is
    its samples' summed binary cross-entropy times ``world_size / len(batch)``:
    the average over the processes is then the gradient of the mean loss over
    the whole global batch, whatever the sizes of the shards. The losses
    returned are each global batch's mean loss, the same in every process.
    """
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    # DDP starts every process from rank 0's weights; the masks never change: no need to resend them
    parallel = DistributedDataParallel(module, **masks_not_resent(DistributedDataParallel))
    optimizer = torch.optim.SGD(parallel.parameters(), lr=plan.lr, momentum=plan.momentum)
    inputs, targets = torch.from_numpy(X), torch.from_numpy(np.asarray(y, dtype=np.float64))
    loss_sums = torch.zeros(len(plan.batches), dtype=torch.float64)
    for step, batch in enumerate(plan.batches):
        mine = torch.from_numpy(shard(batch, rank, world_size))
        optimizer.zero_grad()
        losses = sample_losses(parallel(inputs[mine]), targets[mine])
        (losses.sum() * (world_size / len(batch))).backward()  # DDP averages the gradients here
        optimizer.step()
        loss_sums[step] = losses.sum().detach()
    dist.all_reduce(loss_sums)  # one message at the end rather than one more per step
    sizes = np.array([len(batch) for batch in plan.batches])
    return loss_sums.numpy() / sizes


def masks_not_resent(ddp_class: type) -> dict[str, bool]:
    """DDP's option that stops it sending the module's buffers (its masks) from rank 0 before every step.

    Newer PyTorch calls it ``forward_sync_buffers``, older ``broadcast_buffers``
    (which stops the first sync too: harmless, every process has the same masks).
    """
    if "forward_sync_buffers" in inspect.signature(ddp_class).parameters:
        return {"forward_sync_buffers": False}
    return {"broadcast_buffers": False}


def sample_losses(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The binary cross-entropy of each sample, from the sigmoid outputs (one column) and the 0/1 labels."""
    import torch

    return torch.nn.functional.binary_cross_entropy(outputs[:, 0], targets, reduction="none")


def worker(
    rank: int,
    world_size: int,
    port: int,
    module_bytes: bytes,
    X: np.ndarray,
    y: np.ndarray,
    plan: Plan,
    result: str,
) -> None:
    """One process of ``train_in_processes``: join the group, train, and rank 0 writes the result.

    Module level, so that a new (spawned) process can find it by name. The
    module comes as pickled bytes, so each process unpickles its own copy:
    tensors passed as they are would share one memory between all the
    processes and the caller's module, and every process would step it.
    """
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)  # the processes share the CPU cores
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size)
    try:
        module = pickle.loads(module_bytes)
        losses = train_shard(module, X, y, plan, rank, world_size)
        if rank == 0:
            torch.save({"state": module.state_dict(), "losses": torch.from_numpy(losses)}, result)
    finally:
        leave_group()


def leave_group() -> None:
    """Leave the process group, once the parts of DDP that use it are gone.

    DDP's wrapper sits in reference cycles, so it would otherwise linger
    until the interpreter exits, after the group, and abort the process then.
    """
    import torch.distributed as dist

    gc.collect()
    dist.destroy_process_group()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that no one listens on now, for the processes to meet on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def train_in_processes(
    module: torch.nn.Module, X: np.ndarray, y: np.ndarray, plan: Plan, processes: int = PROCESSES
) -> tuple[torch.nn.Module, np.ndarray]:
    """Train a copy of ``module`` with DDP on ``processes`` new processes of this machine (gloo, CPU).

    Returns the trained copy, as rank 0 left it (every rank holds the same
    weights), and each global batch's mean loss. ``module`` is not changed.
    The new processes import the script that calls this, so in a script the
    call must sit under ``if __name__ == "__main__":``.
    """
    import torch
    import torch.multiprocessing

    with tempfile.TemporaryDirectory() as folder:
        result = str(Path(folder) / "trained.pt")
        arguments = (processes, free_port(), pickle.dumps(module), X, y, plan, result)
        torch.multiprocessing.spawn(worker, args=arguments, nprocs=processes, join=True)
        saved = torch.load(result, weights_only=True)
    trained = copy.deepcopy(module)
    trained.load_state_dict(saved["state"])
    return trained, saved["losses"].numpy()


def train_under_torchrun(
    module: torch.nn.Module, X: np.ndarray, y: np.ndarray, plan: Plan
) -> tuple[torch.nn.Module, np.ndarray]:
    """Train ``module`` in place as one of the processes ``torchrun`` started; return it and the losses.

    torchrun sets ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and
    ``MASTER_PORT`` in each process, and ``init_method="env://"`` reads them.
    """
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method="env://")
    try:
        losses = train_shard(module, X, y, plan, dist.get_rank(), dist.get_world_size())
    finally:
        leave_group()
    return module, losses


def train_in_one_process(
    module: torch.nn.Module, X: np.ndarray, y: np.ndarray, plan: Plan
) -> torch.nn.Module:
    """A copy of ``module`` trained on the same global batches by one process, without DDP: the yardstick."""
    import torch

    trained = copy.deepcopy(module)
    optimizer = torch.optim.SGD(trained.parameters(), lr=plan.lr, momentum=plan.momentum)
    inputs, targets = torch.from_numpy(X), torch.from_numpy(np.asarray(y, dtype=np.float64))
    for batch in plan.batches:
        rows = torch.from_numpy(batch)
        optimizer.zero_grad()
        sample_losses(trained(inputs[rows]), targets[rows]).mean().backward()
        optimizer.step()
    return trained


def count(number: int, noun: str) -> str:
    """``number`` and ``noun``, with the noun's plural unless the number is 1.

    Examples
    --------
    >>> count(1, "process"), count(3, "process")
    ('1 process', '3 processes')
    """
    return f"{number} {noun}" if number == 1 else f"{number} {noun}es"


def largest_difference(first: torch.nn.Module, second: torch.nn.Module) -> float:
    """The largest difference between two modules' weights and biases, over all of them."""
    pairs = zip(first.state_dict().values(), second.state_dict().values(), strict=True)
    return max(float((a - b).abs().max()) for a, b in pairs)


def main(argv: Sequence[str] | None = None) -> int:
    """Export a network to PyTorch, train it with DDP, bring it back, and look at it in neurosim."""
    parser = demo_parser("scale", __doc__)
    parser.add_argument(
        "--processes",
        type=positive_int,
        default=PROCESSES,
        metavar="N",
        help=f"processes to train on, at most {BATCH_SIZE} (default: %(default)s; under torchrun, "
        "torchrun's --nproc_per_node and --nnodes decide)",
    )
    add_seed_option(parser, "the data, the starting weights and the order of the batches")
    args = parser.parse_args(argv)
    if args.processes > BATCH_SIZE:
        parser.error(
            f"argument --processes: at most {BATCH_SIZE}, the samples in a batch; got {args.processes}"
        )
    # under torchrun every process trains, and rank 0 alone prints, compares and draws
    rank = int(os.environ["RANK"]) if launched_by_torchrun() else 0
    if rank == 0:
        prepare_output(parser, args.output)
    require_torch()
    epochs = FAST_EPOCHS if args.fast else EPOCHS
    data, start, plan = setting(args.seed, epochs)
    if rank != 0:
        train_under_torchrun(ns.to_torch(start), data.X_train, data.y_train, plan)
        return 0
    introduce(__doc__)
    module = export(start, data, args.seed)
    trained, losses = train(module, data, plan, args.processes)
    print_losses(losses, epochs)
    compare_with_one_process(trained, module, data, plan)
    net = bring_back(trained, data)
    save_pictures(args.output, pictures(net, data))
    path = args.output / "scale.json"
    net.save(path)
    print(f"  {path.name} (the trained network; look inside with: neurosim inspect {path})")
    return 0


def setting(seed: int, epochs: int) -> tuple[Split, ns.Network, Plan]:
    """The data, the starting network and the plan: the same in every process, made from ``seed``."""
    data = moons_data(seed)
    return data, start_network(seed), Plan(global_batches(len(data.X_train), BATCH_SIZE, epochs, seed))


def export(start: ns.Network, data: Split, seed: int) -> torch.nn.Module:
    """``ns.to_torch(start)``, checked against neurosim's own outputs on the test points."""
    import torch

    heading("A neurosim network, exported to PyTorch")
    module = ns.to_torch(start)
    outputs = module(torch.from_numpy(data.X_test)).detach().numpy()
    difference = np.abs(outputs - start.predict(data.X_test)).max()
    count = sum(parameter.numel() for parameter in module.parameters())
    print(f"A {'-'.join(map(str, SIZES))} network (tanh hidden, sigmoid output) from seed {seed}.")
    print(f"ns.to_torch(net) made a {type(module).__name__} with its {count} weights and biases in float64;")
    print(f"its outputs on the {len(data.X_test)} test points differ from neurosim's by {difference:.1e}.")
    return module


def train(
    module: torch.nn.Module, data: Split, plan: Plan, processes: int
) -> tuple[torch.nn.Module, np.ndarray]:
    """Train a copy of ``module`` with DDP: on new processes, or as rank 0 of torchrun's; say how."""
    if launched_by_torchrun():
        processes = int(os.environ["WORLD_SIZE"])
        where = f"the {processes} processes torchrun started, meeting at {os.environ['MASTER_ADDR']}"
    else:
        where = f"{count(processes, 'process')} of this machine, meeting at 127.0.0.1"
    heading(f"Training with DistributedDataParallel on {count(processes, 'process')}")
    sizes = sorted({len(shard(plan.batches[0], rank, processes)) for rank in range(processes)}, reverse=True)
    print(f"{len(plan.batches)} global batches of {BATCH_SIZE} of the {len(data.X_train)} training points;")
    print(f"each process takes its shard of every batch ({' or '.join(map(str, sizes))} points), computes")
    print("the gradient of its shard, and the processes average their gradients (gloo) before")
    print(f"every SGD step (learning rate {plan.lr}, momentum {plan.momentum}): {where}.")
    began = time.perf_counter()
    if launched_by_torchrun():
        trained, losses = train_under_torchrun(copy.deepcopy(module), data.X_train, data.y_train, plan)
        print(f"Trained in {time.perf_counter() - began:.1f} s.")
    else:
        trained, losses = train_in_processes(module, data.X_train, data.y_train, plan, processes)
        print(f"Trained in {time.perf_counter() - began:.1f} s, starting the processes included.")
    return trained, losses


def print_losses(losses: np.ndarray, epochs: int) -> None:
    """The mean loss of a few epochs, from the loss of each global batch (all batches of one size)."""
    per_epoch = losses.reshape(epochs, -1).mean(axis=1)
    epochs = sorted({1, len(per_epoch) // 4, len(per_epoch) // 2, len(per_epoch)} - {0})
    print(
        "mean loss (bce) over the epoch: " + ", ".join(f"epoch {e}: {per_epoch[e - 1]:.4f}" for e in epochs)
    )


def compare_with_one_process(
    trained: torch.nn.Module, module: torch.nn.Module, data: Split, plan: Plan
) -> None:
    """Train ``module`` again in this process alone, on the same batches, and compare the weights."""
    heading("The same batches in one process")
    alone = train_in_one_process(module, data.X_train, data.y_train, plan)
    print("One process, with no DDP, trained the same start on the same global batches.")
    difference = largest_difference(trained, alone)
    print(f"Largest difference between its weights and those DDP trained: {difference:.1e}")
    print("(float rounding at most: split among processes, a batch's gradient is summed in another order).")


def bring_back(trained: torch.nn.Module, data: Split) -> ns.Network:
    """``ns.from_torch(trained)``: its accuracy, and one neuron's arithmetic on a test point."""
    import torch

    heading("Back in neurosim")
    net = ns.from_torch(trained)
    outputs = trained(torch.from_numpy(data.X_test)).detach().numpy()
    difference = np.abs(outputs - net.predict(data.X_test)).max()
    print(f"ns.from_torch(module) gave a network of {len(net.synapses)} synapses; on the test points its")
    print(f"outputs and the torch module's differ by at most {difference:.1e}.")
    train_accuracy, test_accuracy = net.score(data.X_train, data.y_train), net.score(data.X_test, data.y_test)
    print(f"Accuracy: {train_accuracy:.1%} on the training points, {test_accuracy:.1%} on the test points.")
    net.forward(data.X_test[0])
    x0, x1 = data.X_test[0]
    print(f"\nneurosim explains {EXPLAINED} for the first test point ({x0:.3f}, {x1:.3f}):")
    print(net[EXPLAINED].explain())
    return net


def pictures(net: ns.Network, data: Split) -> list[tuple[str, object]]:
    """The trained network's graph, lit by the first test point, and its decision boundary."""
    x0, x1 = data.X_test[0]
    title = f"trained with DDP, back in neurosim: its activations for the test point ({x0:.2f}, {x1:.2f})"
    graph = ns.plot.network(net, x=data.X_test[0], title=title)
    boundary = ns.plot.decision_boundary(net, data.X_test, data.y_test)
    boundary.set_title(
        f"trained with DDP, back in neurosim: {net.score(data.X_test, data.y_test):.1%} of test points"
    )
    return [("network.png", graph), ("decision_boundary.png", boundary)]


if __name__ == "__main__":
    raise SystemExit(main())
