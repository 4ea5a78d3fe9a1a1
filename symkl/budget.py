"""Time budgets for SymPy work that may run for ever (integrate, summation, simplify).

Inside the main thread a budget is an interval timer that raises :class:`BudgetExceeded` in the
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
        raise BudgetExceeded(f"time budget exceeded ({seconds:g} s)")

    remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    if remaining and remaining < seconds:  # an outer budget is tighter: let it rule
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expire)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if remaining:  # restore the outer budget's clock
            signal.setitimer(signal.ITIMER_REAL, max(remaining - (time.monotonic() - start), 1e-3))
