"""A save killed with SIGKILL half-way leaves the earlier file loadable, and the next save cleans up.

A subprocess saves a large network over and over, changing one weight
before each save; it is killed the moment its temporary file appears.
The next save of the same file removes the temporary file it left.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

import neurosim as ns

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL") or not hasattr(os, "kill"),
    reason="killing a process mid-write needs os.kill and SIGKILL",
)

SIZES = [100, 400, 100]  # 80,500 parameters: a 2 MB file, a save of about 0.1 s
SAVER = f"""
import sys
import neurosim as ns

net = ns.Network.from_shape({SIZES}, seed=0)
path = sys.argv[1]
net.save(path)
print("saved", flush=True)
count = 0
while True:
    count += 1
    net.synapses[0].weight = float(count)
    net.save(path)
"""
ATTEMPTS = 10


def hidden_files(folder, smallest=0):
    """The names of the hidden files in ``folder`` holding at least ``smallest`` bytes."""
    names = set()
    for entry in os.scandir(folder):
        try:
            if entry.name.startswith(".") and entry.stat().st_size >= smallest:
                names.add(entry.name)
        except FileNotFoundError:  # moved into place between listing and looking
            pass
    return names


def kill_while_writing(path, smallest):
    """Start the saver and SIGKILL it once a temporary file of ``smallest`` bytes or more appears.

    Returns the hidden files left in the folder.
    """
    saver = subprocess.Popen([sys.executable, "-c", SAVER, str(path)], stdout=subprocess.PIPE)
    try:
        assert saver.stdout.readline() == b"saved\n"
        deadline = time.monotonic() + 30
        while not hidden_files(path.parent, smallest):
            assert time.monotonic() < deadline, "the saver wrote no temporary file in 30 s"
        os.kill(saver.pid, signal.SIGKILL)
        saver.wait(timeout=30)
    finally:
        if saver.poll() is None:
            saver.kill()
            saver.wait()
        saver.stdout.close()
    assert saver.returncode == -signal.SIGKILL
    return hidden_files(path.parent)


@pytest.fixture(scope="module")
def unchanged_weights():
    return [s.weight for s in ns.Network.from_shape(SIZES, seed=0).synapses[1:]]


@pytest.mark.parametrize("smallest", [0, 1], ids=["just created", "half written"])
def test_a_save_killed_mid_write_leaves_the_earlier_file_and_the_next_save_removes_its_temporary_file(
    smallest, tmp_path, unchanged_weights
):
    path = tmp_path / "model.json"
    for _ in range(ATTEMPTS):
        left = kill_while_writing(path, smallest)
        saved = ns.load(path)
        # a whole earlier save: the first, or one with the marker weight set to its count
        first = saved.synapses[0].weight
        assert first == ns.Network.from_shape(SIZES, seed=0).synapses[0].weight or float(first).is_integer()
        assert [s.weight for s in saved.synapses[1:]] == unchanged_weights
        # the temporary file the killed process was writing, if any: the saver's
        # first save removed the one an earlier attempt left
        assert len(left) <= 1
        if hidden_files(tmp_path, smallest):
            break
    else:
        pytest.fail(f"no kill landed while a temporary file existed, in {ATTEMPTS} attempts")

    # the next save removes the file the killed process left
    ns.Network.from_shape([2, 3, 1], seed=4).save(path)
    assert repr(ns.load(path)) == "Network(layers=[2, 3, 1], synapses=9, parameters=13)"
    assert hidden_files(tmp_path) == set()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]
