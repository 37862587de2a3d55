"""The hard time limit of a seller's template: it is filled in by a forked child process that
is killed when it runs past ``HARD_SECONDS``.

The sandbox's own checks (sizes, loops, the cooperative clock) stop almost everything between
two operations, but nothing in the process can interrupt one long operation in C (a comparison
of huge nested lists, a regular expression, a hash): neither a signal handler nor a thread gets
to run until it returns. A child process can simply be killed. Forking costs a few
milliseconds, and the child needs nothing from the parent but its memory (the compiled template
and the values): it never touches the database, the session or a socket, writes its answer to
a pipe as JSON and leaves with ``os._exit``, so nothing of the parent is flushed or closed twice.

Where there is no ``fork`` (Windows), the template is filled in in-process, with the
cooperative limits only.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import time
import warnings
from collections.abc import Callable
from typing import Any

from shop.notifications.templating.problems import TemplateProblem

HARD_SECONDS = 3.0  # a child still at work after this long is killed (the cooperative limit is 1 s)
MEMORY_MARGIN = 512 * 1024 * 1024  # bytes a child may allocate on top of what it was born with


def run(function: Callable[..., Any], *args: Any, seconds: float | None = None) -> Any:
    """``function(*args)`` in a child process, killed after ``seconds`` (HARD_SECONDS).

    Its result must be JSON data (text, lists, dicts). A TemplateProblem it raises is raised
    here; running out of time raises TemplateProblem "too_slow"; a child that dies otherwise
    raises TemplateProblem "error"."""
    if not hasattr(os, "fork"):  # pragma: no cover - not on Linux
        return function(*args)
    limit = HARD_SECONDS if seconds is None else seconds
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12 warns about forking a process with threads (the child could find a lock
        # held by a thread that is not there). The child takes no lock of ours, and a child
        # that hangs for any reason is killed at the deadline like a slow template.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; coverage cannot see it
        _child(read_end, write_end, function, args)
    os.close(write_end)
    reaped = False
    try:
        data = _read(read_end, time.monotonic() + limit)
        if data is None:
            raise TemplateProblem("too_slow")
        os.waitpid(pid, 0)
        reaped = True
    finally:
        os.close(read_end)
        if not reaped:
            _kill(pid)
    return _outcome(data)


def _child(read_end: int, write_end: int, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    status = 0
    try:
        # No collection in the child: garbage inherited from the parent (a dropped database
        # connection, say) must not run its finalizer here and close what the parent still uses.
        gc.disable()
        # Only the answer's pipe stays open: a pipe another thread of the parent opened for its
        # own child must not be held open by this one (that child's parent would wait for it).
        os.closerange(3, write_end)
        os.closerange(write_end + 1, _max_fd())
        _limit_memory()
        try:
            answer: dict[str, Any] = {"result": function(*args)}
        except TemplateProblem as problem:
            answer = {
                "problem": {
                    "kind": problem.kind,
                    "line": problem.line,
                    "name": problem.name,
                    "field": problem.field,
                    "data": problem.data,
                }
            }
        except BaseException as error:  # noqa: BLE001  (reported to the parent, like a problem)
            answer = {"error": f"{type(error).__name__}: {error}"[:200]}
        payload = json.dumps(answer, default=str).encode()
        view = memoryview(payload)
        while view:
            written = os.write(write_end, view)
            view = view[written:]
    except BaseException:  # noqa: BLE001
        status = 1
    finally:
        os._exit(status)


def _max_fd() -> int:
    try:
        return min(os.sysconf("SC_OPEN_MAX"), 1 << 20)
    except (ValueError, OSError):  # pragma: no cover
        return 65536


def _limit_memory() -> None:
    """A child may not grow far beyond the parent's size (a template the caps missed)."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
        allowed = pages * os.sysconf("SC_PAGE_SIZE") + MEMORY_MARGIN
        resource.setrlimit(resource.RLIMIT_AS, (allowed, allowed))
    except (ImportError, OSError, ValueError):  # not Linux: the caps and the clock remain
        pass


def _read(fd: int, deadline: float) -> bytes | None:
    """Everything the child writes until it closes the pipe; None past the deadline."""
    chunks: list[bytes] = []
    poller = select.poll()  # not select(): a busy process may have descriptors past 1024
    poller.register(fd, select.POLLIN | select.POLLHUP)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        if not poller.poll(remaining * 1000):
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _outcome(data: bytes) -> Any:
    try:
        answer = json.loads(data)
    except ValueError:
        answer = {}
    if "result" in answer:
        return answer["result"]
    if "problem" in answer:
        found = answer["problem"]
        raise TemplateProblem(
            found["kind"], line=found["line"], name=found["name"], field=found["field"], **found["data"]
        )
    # Killed by the memory limit, or an error outside the template: say so, never hang.
    raise TemplateProblem("error", detail=answer.get("error") or "the template stopped the process")
