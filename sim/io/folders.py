"""Results folders: one writer at a time, files staged where they will live, committed as a set.

A command that writes results into a folder (``OutputFolder``):

1. *claims* it before any work: the path must name a folder or a place where one can be
   made (not a file, not a symbolic link to nothing, not inside a file); the folder is
   created if needed and locked (``fcntl.flock`` on the folder itself), so a second adsim
   process writing there is refused at once instead of mixing its files in; a folder that
   holds another command's results is refused; whatever a dead process left there (a
   stage, a commit cut short) is cleaned up, the cut commit rolled back.
2. writes everything into a *stage*, ``.adsim-stage-<pid>`` inside the folder, so the stage
   is on the folder's own filesystem whatever the folder is (a mount point, a symbolic link
   to one): creating it is also the check that the folder is writable, before any work.
3. *commits* the set of names the command owns, by renames within the folder: the old
   entries move aside into ``.adsim-old-<pid>`` (the completion marker, summary.json or the
   like, first), the new ones move in (the marker last), then the old ones are deleted. A
   journal written before the first rename lets an interrupted commit be rolled back, by
   the failing process itself or, after a crash, by the next command that claims the
   folder, so the folder always holds either the old set or the new one, never a mix.
   Signals are held during the renames.

An interrupted or failed command removes its stage (and the folder, if it made it and it is
still empty), leaving earlier results untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from sim.io.errors import OptionError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: folders are not locked
    fcntl = None  # type: ignore[assignment]

STAGE = ".adsim-stage-"
OLD = ".adsim-old-"
JOURNAL = "commit.json"
LEGACY_STAGE = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>\d+)$")  # before the lock

# The files that say what a folder holds, by the command that writes them.
KINDS = {
    "run": ("summary.json", ".run-chunks"),  # .run-chunks: an interrupted run's kept rows
    "sweep": ("sweep-manifest.json", "sweep.json"),
    "calibration": ("calibration.json", ".calibration-blocks"),
}
COMMANDS = {"run": "adsim run", "sweep": "adsim sweep", "calibration": "adsim calibrate"}
# Written last and removed first: their presence means a complete set.
MARKERS = ("summary.json", "sweep.json", "calibration.json")


# Locks -------------------------------------------------------------------------------------

_HELD: dict[str, list[int]] = {}  # real path -> [fd (or -1: no lock there), depth]


def _forget_locks() -> None:
    """In a forked child: close the inherited lock descriptors (the parent keeps its locks,
    and a child that outlives it does not hold the folder)."""
    for fd, _ in _HELD.values():
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks)


@contextlib.contextmanager
def locked(folder: Path, option: str = "out", shown: str | None = None) -> Iterator[None]:
    """Hold an exclusive lock on an existing folder; refuse if another process holds it.

    Re-entrant within a process (the command line holds the folder while a study writes
    its points into it).
    """
    key = os.path.realpath(folder)
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    fd = -1
    if fcntl is not None:
        fd = os.open(key, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OptionError(
                option,
                shown or str(folder),
                "another adsim command is writing into this folder; wait for it to finish "
                "or choose another folder",
            ) from None
        except OSError:  # a filesystem without locks: go on unlocked
            os.close(fd)
            fd = -1
    _HELD[key] = [fd, 1]
    try:
        yield
    finally:
        del _HELD[key]
        if fd >= 0:
            os.close(fd)  # releases the lock


# Claiming ----------------------------------------------------------------------------------


def claim(path: Path, option: str = "out") -> tuple[Path, bool]:
    """The real folder at ``path`` (symbolic links resolved), made if missing; and whether it
    was made here. Bad paths are ``OptionError``s."""
    text = str(path)
    if not text.strip():
        raise OptionError(option, repr(text), "is empty; expected a folder (`.` for this one)")
    if os.path.islink(path) and not os.path.exists(path):
        raise OptionError(
            option,
            text,
            f"is a symbolic link to {os.readlink(path)}, which does not exist; make that "
            "folder or choose another one",
        )
    if path.exists():
        if not path.is_dir():
            raise OptionError(option, text, "exists and is not a folder; expected a folder")
        return Path(os.path.realpath(path)), False
    for parent in path.absolute().parents:
        if os.path.lexists(parent):
            if not parent.is_dir():
                what = "a symbolic link to nothing" if not parent.exists() else "not a folder"
                raise OptionError(option, text, f"{parent} is {what}; expected a folder")
            break
    try:
        path.mkdir(parents=True)
    except FileExistsError:
        if not path.is_dir():
            raise OptionError(
                option, text, "exists and is not a folder; expected a folder"
            ) from None
        return Path(os.path.realpath(path)), False
    except OSError as exc:
        raise OptionError(option, text, f"cannot make the folder: {exc.strerror}") from None
    return Path(os.path.realpath(path)), True


def check_kind(folder: Path, kind: str, shown: str, option: str = "out") -> None:
    """Refuse a folder that holds the results of another command than ``kind``'s."""
    for other, markers in KINDS.items():
        if other == kind:
            continue
        for marker in markers:
            if os.path.lexists(folder / marker):
                raise OptionError(
                    option,
                    shown,
                    f"holds the results of `{COMMANDS[other]}` ({marker}); choose another folder",
                )


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill would end the process there: assume it lives
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    if not os.path.lexists(path):
        return
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def clean_up(folder: Path, beside: Iterable[Path] = ()) -> list[str]:
    """Roll back commits cut short and remove the stages left in ``folder`` (the caller
    holds its lock, so no other adsim process is writing there); also the stages an older
    adsim left beside the folder (``.NAME.partial-PID``) whose process is gone. The names
    removed."""
    removed = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(OLD):
            roll_back(folder, entry)
            removed.append(entry.name)
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(STAGE):
            _remove(entry)
            removed.append(entry.name)
    for place in {folder, *beside}:
        with contextlib.suppress(OSError):
            for entry in place.parent.iterdir():
                m = LEGACY_STAGE.match(entry.name)
                if m and m["name"] == place.name and not _pid_alive(int(m["pid"])):
                    _remove(entry)
                    removed.append(entry.name)
    return removed


# Committing --------------------------------------------------------------------------------


def _step() -> None:
    """Called before every rename of a commit (tests make it fail, to cut a commit short)."""


def roll_back(folder: Path, old: Path) -> None:
    """Undo a commit cut short: put the old entries back and remove the new ones.

    Without a journal the renames had not begun, or had all been done (the journal goes
    once the new set is in place): either way the folder holds a whole set, and ``old``
    only what is left to delete.
    """
    try:
        journal = json.loads((old / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        journal = None
    if isinstance(journal, dict):
        stage = folder / str(journal.get("stage", ""))
        for name in journal.get("new", []):
            if os.path.lexists(old / name):
                _remove(folder / name)  # the new one, if it had moved in
                os.rename(old / name, folder / name)
            elif os.path.lexists(folder / name) and not os.path.lexists(stage / name):
                _remove(folder / name)  # moved in, and nothing of that name before
        for name in journal.get("clear", []):
            if os.path.lexists(old / name) and not os.path.lexists(folder / name):
                os.rename(old / name, folder / name)
        (old / JOURNAL).unlink()
    _remove(old)


def fsync_path(path: Path) -> None:
    """Flush a file's or folder's data to disk, where the filesystem allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sync_tree(root: Path) -> None:
    """Flush the staged files (and their folders) to disk before they are renamed into place."""
    for dirpath, _, files in os.walk(root):
        for f in files:
            fsync_path(Path(dirpath) / f)
        fsync_path(Path(dirpath))


_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Defer Ctrl-C, SIGTERM and SIGHUP until the block is done, then act on the first one
    as its handler would have (a commit's renames are not cut short by a signal)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    saved: dict[int, Any] = {}
    for s in _STOP_SIGNALS:
        previous = signal.getsignal(s)
        if previous is None:  # a handler not set from Python: leave it be
            continue
        saved[s] = previous
        signal.signal(s, lambda signum, frame: got.append(signum))
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
        if got:
            handler = saved[got[0]]
            if callable(handler):
                handler(got[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), got[0])


class OutputFolder:
    """A results folder this process writes: claimed, staged, committed as a set.

    ``kind`` (run, sweep, calibration; None for any) is what the folder may hold; ``owns``
    the top-level names a commit replaces as a set (those the new set lacks are removed).
    """

    def __init__(
        self,
        path: Path | str,
        kind: str | None,
        owns: Iterable[str] = (),
        option: str = "out",
        create: bool = True,
    ) -> None:
        self.requested = Path(path)
        self.shown = str(path)
        self.kind = kind
        self.owns = tuple(owns)
        self.option = option
        self.create = create
        self.folder = self.requested
        self.stage = self.requested
        self.created = False
        self.committed = False
        self._lock: contextlib.AbstractContextManager | None = None

    def __enter__(self) -> OutputFolder:
        try:
            return self._enter()
        except OptionError as exc:
            if exc.option == exc.path:  # the folder is the argument (adsim plot DIR)
                raise OptionError(exc.option, "", exc.message) from None
            raise

    def _enter(self) -> OutputFolder:
        if not self.create and not self.requested.is_dir():
            raise OptionError(self.option, self.shown, "is not a folder")
        self.folder, self.created = claim(self.requested, self.option)
        self._lock = locked(self.folder, self.option, self.shown)
        self._lock.__enter__()
        try:
            self.stage = self.folder / f"{STAGE}{os.getpid()}"
            clean_up(self.folder, [self.requested.absolute()])  # first: a cut commit undone
            if self.kind is not None:
                check_kind(self.folder, self.kind, self.shown, self.option)
            try:
                self.stage.mkdir()
            except OSError as exc:
                raise OptionError(
                    self.option, self.shown, f"cannot write into the folder: {exc.strerror}"
                ) from None
        except BaseException:
            self._release()
            raise
        return self

    def probe(self) -> None:
        """Claim the folder and give it back at once: the checks alone, before some work
        that comes ahead of the writing (a folder made for the probe is removed again)."""
        with self:
            pass

    def path(self, name: str) -> Path:
        """Where to write ``name`` (relative to the folder) until the commit."""
        p = self.stage / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def commit(self) -> list[Path]:
        """Replace the owned set in the folder by the staged one; the files now in place."""
        new = sorted(p.name for p in self.stage.iterdir())
        clear = [n for n in self.owns if n not in new and os.path.lexists(self.folder / n)]
        _sync_tree(self.stage)
        old = self.folder / f"{OLD}{os.getpid()}"
        with signals_held():
            _remove(old)
            old.mkdir()
            _write_journal(old, {"stage": self.stage.name, "new": new, "clear": clear})
            try:
                for name in sorted(new + clear, key=lambda n: n not in MARKERS):
                    if os.path.lexists(self.folder / name):
                        _step()
                        os.rename(self.folder / name, old / name)
                for name in sorted(new, key=lambda n: n in MARKERS):
                    _step()
                    os.rename(self.stage / name, self.folder / name)
                fsync_path(self.folder)
                (old / JOURNAL).unlink()  # the new set is in place
            except BaseException:
                roll_back(self.folder, old)
                raise
            self.committed = True
            _remove(old)
        files: list[Path] = []
        for name in new:
            p = self.folder / name
            files += sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        return files

    def saved(self, otherwise: str) -> str:
        """What an interrupt leaves: the committed set, or ``otherwise``. (A signal that
        comes during the commit is acted on once the commit is done.)"""
        if self.committed:
            return f"the results were complete and are saved in {self.shown}/"
        return otherwise

    def _release(self) -> None:
        if self.stage != self.requested:
            _remove(self.stage)
        if self.created:
            with contextlib.suppress(OSError):
                self.folder.rmdir()  # only if still empty
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._release()


def _write_journal(old: Path, doc: dict) -> None:
    tmp = old / f".{JOURNAL}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, old / JOURNAL)
    fsync_path(old)
