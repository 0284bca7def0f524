"""A pool of worker processes stopped at any moment ends, and so does the process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="needs fork and POSIX signals"
)

# A worker writes the first bytes of a 1 MiB result and is then stopped with the rest, as
# happens when a stop comes while a large result is on its way: the pool's management
# thread is left reading half a message. Run in a child process, since a hang would also
# hang this one's exit (the interpreter joins the management threads when it exits).
HALF_A_RESULT = textwrap.dedent(
    """
    import multiprocessing, os, signal, struct, sys, time
    from sim.montecarlo.executors import ordered_map

    def task(i):
        if i == 0:
            queue = sys._getframe(1).f_locals["result_queue"]  # the worker loop's
            queue._writer._send(struct.pack("!i", 1 << 20) + bytes(1000))
            os.kill(os.getppid(), signal.SIGINT)
        time.sleep(60)

    if __name__ == "__main__":
        try:
            for _ in ordered_map(task, range(4), 2):
                pass
        except KeyboardInterrupt:
            print("stopped", len(multiprocessing.active_children()), flush=True)
    """
)


def _child(tmp_path: Path, script: str, *args: str, hung: str) -> str:
    """What a child process running ``script`` prints; the test fails with ``hung`` if it
    does not end within 8 s (then it and its workers are killed)."""
    path = tmp_path / "child.py"
    path.write_text(script)
    proc = subprocess.Popen(
        [sys.executable, str(path), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=8)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(hung)
    assert proc.returncode == 0, err
    return out


def test_a_pool_stopped_with_half_a_result_in_its_pipe_ends(tmp_path: Path) -> None:
    out = _child(tmp_path, HALF_A_RESULT, hung="the stopped pool, or the process, never ended")
    assert out == "stopped 0\n"  # and its workers are gone


# A worker dies on its own (the system's out-of-memory killer, say): half-way through
# writing a result, or between results. The run fails in one line instead of waiting
# forever for the rest of the result, and leaves no worker behind.
WORKER_DIES = textwrap.dedent(
    """
    import multiprocessing, os, signal, struct, sys, time
    from sim.io.errors import RunFailure
    from sim.montecarlo.executors import ordered_map

    HALF = sys.argv[1] == "half"

    def task(i):
        if i == 0:
            if HALF:
                queue = sys._getframe(1).f_locals["result_queue"]  # the worker loop's
                queue._writer._send(struct.pack("!i", 1 << 20) + bytes(1000))
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)

    if __name__ == "__main__":
        try:
            for _ in ordered_map(task, range(4), 2):
                pass
        except RunFailure as exc:
            print(exc, len(multiprocessing.active_children()), flush=True)
    """
)


@pytest.mark.parametrize("when", ["half", "between"])
def test_a_worker_that_dies_fails_the_run_in_one_line(tmp_path: Path, when: str) -> None:
    out = _child(tmp_path, WORKER_DIES, when, hung="the run waited for a dead worker's result")
    assert out.endswith("; the run cannot go on 0\n"), out  # and no worker is left
    if when == "half":  # seen by the check, which says how it died
        assert "killed by SIGKILL" in out
