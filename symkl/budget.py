"""Time budgets for SymPy work that may run for ever (integrate, summation, simplify).

Budgets count the process's CPU time (an ITIMER_PROF timer), not wall-clock time, so a
derivation's outcome does not depend on how busy the machine is.  Inside the main thread a
budget is an interval timer that raises :class:`BudgetExceeded` in the
running code; SymPy is pure Python, so the exception lands between bytecodes and unwinds cleanly.
Elsewhere (a worker thread) signals are unavailable and the work runs unbounded, which the caller
is told about through :func:`budget_available`.

>>> with time_budget(5):
...     total = sum(range(10))
>>> total
45
"""
from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class BudgetExceeded(BaseException):
    """Raised inside work that ran past its time budget.

    A BaseException, like KeyboardInterrupt, so that SymPy's broad ``except Exception`` handlers
    cannot swallow it; the timer also re-fires every 50 ms until the block is left.
    """


def budget_available() -> bool:
    """Whether a budget can be enforced here (main thread of a POSIX process)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Run the block for at most ``seconds`` (``None``: no limit).

    Nested budgets keep the tighter one.
    """
    if not seconds or not budget_available():
        yield
        return

    def _expire(signum, frame):  # noqa: ARG001 - signal handler signature
        raise BudgetExceeded(f"time budget exceeded ({seconds:g} s of CPU time)")

    remaining, _ = signal.getitimer(signal.ITIMER_PROF)
    if remaining and remaining < seconds:  # an outer budget is tighter: let it rule
        yield
        return
    previous = signal.signal(signal.SIGPROF, _expire)
    start = time.process_time()
    signal.setitimer(signal.ITIMER_PROF, seconds, 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        if remaining:  # restore the outer budget's clock
            signal.setitimer(signal.ITIMER_PROF,
                             max(remaining - (time.process_time() - start), 1e-3))
