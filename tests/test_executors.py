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

# A child process maps tasks over two workers; task 0 writes the first bytes of a 1 MiB
# result (as when a large result is on its way) and then, by the first argument: "stop"
# sends the parent a stop signal, "half" kills its own worker there (the system's
# out-of-memory killer, say), "between" kills its worker without writing anything. The
# pool's management thread is left reading half a message in the first two. Run in a child
# process, since a hang would also hang this one's exit (the interpreter joins the
# management threads when it exits). It prints how it ended and the workers left.
CHILD = textwrap.dedent(
    """
    import multiprocessing, os, signal, struct, sys, time
    from sim.io.errors import RunFailure
    from sim.montecarlo.executors import ordered_map

    HOW = sys.argv[1]

    def task(i):
        if i == 0:
            if HOW != "between":
                queue = sys._getframe(1).f_locals["result_queue"]  # the worker loop's
                queue._writer._send(struct.pack("!i", 1 << 20) + bytes(1000))
            if HOW == "stop":
                os.kill(os.getppid(), signal.SIGINT)
            else:
                os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)

    if __name__ == "__main__":
        try:
            for _ in ordered_map(task, range(4), 2):
                pass
        except KeyboardInterrupt:
            print("stopped", len(multiprocessing.active_children()), flush=True)
        except RunFailure as exc:
            print(exc, len(multiprocessing.active_children()), flush=True)
    """
)


def _child(tmp_path: Path, how: str, hung: str) -> str:
    """What ``CHILD`` prints when run with ``how``; the test fails with ``hung`` if it does
    not end within 8 s (then it and its workers are killed)."""
    path = tmp_path / "child.py"
    path.write_text(CHILD)
    proc = subprocess.Popen(
        [sys.executable, str(path), how], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
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
    out = _child(tmp_path, "stop", hung="the stopped pool, or the process, never ended")
    assert out == "stopped 0\n"  # and its workers are gone


# A worker that dies on its own, half-way through writing a result or between results,
# fails the run in one line instead of leaving it waiting forever, and leaves no worker.
@pytest.mark.parametrize("when", ["half", "between"])
def test_a_worker_that_dies_fails_the_run_in_one_line(tmp_path: Path, when: str) -> None:
    out = _child(tmp_path, when, hung="the run waited for a dead worker's result")
    assert out.endswith("; the run cannot go on 0\n"), out  # and no worker is left
    if when == "half":  # seen by the check, which says how it died
        assert "killed by SIGKILL" in out
