"""Save and load arguments, what load refuses to open, and atomic saves that respect the file they replace."""

import errno
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import neurosim as ns
from neurosim.io import atomic, json_format

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files")


@pytest.fixture
def net() -> ns.Network:
    return ns.Network.from_shape([2, 3, 1], activation="tanh", seed=0)


class OsWith:
    """The ``os`` module with some functions replaced."""

    def __init__(self, **replaced: object) -> None:
        self.__dict__.update(replaced)

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)


def weights(net: ns.Network) -> list[float]:
    return [s.weight for s in net.synapses]


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("path", "pattern"),
    [
        (None, r"the path must be a str or os\.PathLike such as 'model\.json'; got NoneType"),
        (3, r"the path must be a str or os\.PathLike .*; got int"),
        (b"net.json", r"the path must be a str or os\.PathLike .*; got bytes"),
        ("", r"the path is empty; expected a file name such as 'model\.json'"),
        ("net\0.json", r"'net\\x00\.json': the path contains a NUL character"),
    ],
    ids=["None", "int", "bytes", "empty", "NUL"],
)
def test_a_path_that_is_not_a_file_name_is_refused_for_save_and_load(
    net, tmp_path, monkeypatch, path, pattern
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ns.ParameterError, match=r"cannot save to\b.*" + pattern):
        net.save(path)
    with pytest.raises(ns.ParameterError, match=r"cannot load\b.*" + pattern):
        ns.load(path)
    assert names(tmp_path) == []


@POSIX
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)

    def hung(signum: int, frame: object) -> None:
        raise AssertionError("load blocked on the FIFO")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(5)
    try:
        with pytest.raises(ns.ModelFileError, match=r"pipe\.json': it is not a regular file"):
            ns.load(fifo)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_is_refused_before_reading():
    with pytest.raises(ns.ModelFileError, match=r"'/dev/zero': it is not a regular file"):
        ns.load("/dev/zero")


def test_a_file_over_the_size_limit_is_refused_with_its_size(net, tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    net.save(path)
    monkeypatch.setattr(json_format, "MAX_FILE_BYTES", path.stat().st_size - 1)
    size = path.stat().st_size
    with pytest.raises(
        ns.ModelFileError, match=rf"the file has {size} bytes, more than the {size - 1} bytes"
    ):
        ns.load(path)


def test_a_folder_is_still_called_a_folder(tmp_path):
    with pytest.raises(ns.ModelFileError, match=r"it is a folder; expected a model file"):
        ns.load(tmp_path)


# --------------------------------------------------------------------------- the temporary file


@pytest.mark.parametrize(
    "name",
    ["n" * 240 + ".json", "a." + "x" * 243, "é" * 122 + ".json"],
    ids=["245-characters", "245-character-extension", "254-bytes-of-utf8"],
)
def test_the_longest_legal_file_names_save_and_load(net, tmp_path, name):
    assert len(os.fsencode(name)) <= 255
    path = tmp_path / name
    net.save(path)
    net.save(path)  # replacing it too
    assert names(tmp_path) == [name]
    assert weights(ns.load(path)) == weights(net)


def test_the_longest_legal_file_name_saves_from_the_largest_process_id(net, tmp_path, monkeypatch):
    name = "é" * 122 + ".json"  # 254 bytes
    monkeypatch.setattr(atomic, "os", OsWith(getpid=lambda: 2**31 - 1))
    net.save(tmp_path / name)
    net.save(tmp_path / name)
    assert names(tmp_path) == [name]
    assert weights(ns.load(tmp_path / name)) == weights(net)


def test_a_temporary_file_that_cannot_be_created_is_a_model_file_error(net, tmp_path, monkeypatch):
    def mkstemp(**kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)
    with pytest.raises(ns.ModelFileError, match=r"cannot save to '.*net\.json': Permission denied"):
        net.save(tmp_path / "net.json")
    assert names(tmp_path) == []


@POSIX
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_a_model_file_error(net, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ns.ModelFileError, match=r"cannot save to '.*net\.json': Permission denied"):
            net.save(folder / "net.json")
    finally:
        folder.chmod(0o700)
    assert names(folder) == []


@pytest.mark.parametrize("failing", ["chmod", "replace"])
def test_the_temporary_file_is_removed_when_a_late_step_fails(net, tmp_path, monkeypatch, failing):
    path = tmp_path / "net.json"
    net.save(path)
    content = path.read_bytes()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(atomic, "os", OsWith(**{failing: fail}))
    net["hidden1"].bias = [1.0, 2.0, 3.0]
    with pytest.raises(ns.ModelFileError, match="Input/output error"):
        net.save(path)
    assert path.read_bytes() == content
    assert names(tmp_path) == ["net.json"]


def test_an_interrupt_while_writing_leaves_the_earlier_file_and_nothing_else(tmp_path):
    path = tmp_path / "notes.txt"
    atomic.write_atomically(path, lambda handle: handle.write("first"))

    def interrupted(handle: object) -> None:
        handle.write("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomically(path, interrupted)
    assert path.read_text() == "first"
    assert names(tmp_path) == ["notes.txt"]


# --------------------------------------------------------------------------- leftovers of killed saves

WRITER = """
import os, sys
from neurosim.io import atomic

def write(handle):
    handle.write("theirs")
    handle.flush()
    print("writing", flush=True)
    if sys.argv[2] == "die":
        os._exit(3)  # no clean-up at all, as after SIGKILL
    sys.stdin.readline()

atomic.write_atomically(sys.argv[1], write)
"""


def start_writer(path: Path, then: str) -> subprocess.Popen:
    """A process writing "theirs" to ``path`` atomically, stopped once its temporary file exists.

    With ``then="die"`` it dies there; with ``then="wait"`` it finishes its
    save when a line arrives on its standard input.
    """
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), then], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert writer.stdout.readline() == b"writing\n"
    return writer


def leave_a_leftover(path: Path) -> tuple[str, int]:
    """The name of the temporary file a process writing ``path`` left when it died, and its ID."""
    before = set(names(path.parent))
    writer = start_writer(path, "die")
    assert writer.wait(timeout=30) == 3
    writer.stdin.close()
    writer.stdout.close()
    (left,) = set(names(path.parent)) - before
    return left, writer.pid


needs_kill = pytest.mark.skipif(os.name != "posix", reason="asking whether a process lives needs POSIX")


@needs_kill
def test_the_next_save_removes_a_temporary_file_left_by_a_process_that_died(net, tmp_path):
    path = tmp_path / "net.json"
    net.save(path)
    left, pid = leave_a_leftover(path)
    assert left.startswith(f".net.json.{pid}-") and left.endswith(".tmp.json")
    assert (tmp_path / left).read_text() == "theirs"
    assert [p.name for p in atomic.leftovers(path)] == [left]
    net.save(path)
    assert names(tmp_path) == ["net.json"]
    assert weights(ns.load(path)) == weights(net)


@needs_kill
def test_only_leftovers_of_the_same_target_on_this_machine_are_removed(net, tmp_path):
    path = tmp_path / "net.json"
    other, _ = leave_a_leftover(tmp_path / "other.json")
    mine, pid = leave_a_leftover(path)
    start, host, rest = mine[: mine.index("-") + 1], mine.split("-")[1][:8], mine.split("-")[1][8:]
    elsewhere = start + f"{int(host, 16) ^ 1:08x}" + rest  # the same process ID, another machine
    (tmp_path / elsewhere).write_text("another machine's")
    (tmp_path / ".net.json.backup").write_text("the user's own")
    (tmp_path / mine.replace(str(pid), "1", 1)).write_text("a live process's")  # process 1 always lives
    untouched = set(names(tmp_path)) - {mine}
    net.save(path)
    assert set(names(tmp_path)) == untouched | {"net.json"}
    assert other in untouched


@needs_kill
def test_the_temporary_file_of_a_save_still_running_is_left_alone(net, tmp_path):
    path = tmp_path / "net.json"
    writer = start_writer(path, "wait")
    try:
        (theirs,) = names(tmp_path)
        assert theirs.startswith(f".net.json.{writer.pid}-")
        assert atomic.leftovers(path) == []
        net.save(path)
        assert names(tmp_path) == sorted([theirs, "net.json"])
        assert weights(ns.load(path)) == weights(net)
        writer.stdin.write(b"go on\n")
        writer.stdin.flush()
        assert writer.wait(timeout=30) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        writer.stdin.close()
        writer.stdout.close()
    assert path.read_text() == "theirs"  # its save finished, over ours
    assert names(tmp_path) == ["net.json"]


def test_without_a_safe_way_to_ask_whether_a_process_lives_leftovers_stay(net, tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    (tmp_path / ".net.json.4194304-00000000.abcdefgh.tmp.json").write_text("left")

    def kill(pid: int, signal: int) -> None:
        raise AssertionError("os.kill ends a process outside POSIX")

    monkeypatch.setattr(atomic, "os", OsWith(name="nt", kill=kill))
    net.save(path)
    assert names(tmp_path) == [".net.json.4194304-00000000.abcdefgh.tmp.json", "net.json"]


# --------------------------------------------------------------------------- what a save replaces


@POSIX
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_replacing_a_file_keeps_its_permissions(net, tmp_path, mode):
    path = tmp_path / "net.json"
    net.save(path)
    path.chmod(mode)
    net.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == mode


@POSIX
def test_saving_through_a_symlink_replaces_the_file_it_points_to(net, tmp_path):
    real = tmp_path / "models" / "net-v1.json"
    real.parent.mkdir()
    ns.Network.from_shape([2, 1], seed=5).save(real)
    link = tmp_path / "current.json"
    link.symlink_to(real)
    net.save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert weights(ns.load(real)) == weights(net)
    assert names(real.parent) == ["net-v1.json"]
    assert names(tmp_path) == ["current.json", "models"]


@POSIX
def test_saving_through_a_dangling_symlink_creates_its_target(net, tmp_path):
    link = tmp_path / "current.json"
    link.symlink_to(tmp_path / "target.json")
    net.save(link)
    assert link.is_symlink()
    assert weights(ns.load(tmp_path / "target.json")) == weights(net)
