"""Running a piece of work in a second process, where that pays off.

Used for bank-sized work (reading 10,000 question files, linting them):
the machine this runs on often has two cores and the work splits cleanly.
"""

from __future__ import annotations

from typing import Callable


def in_forked_process(function: Callable, *args) -> Callable[[], object] | None:
    """Start ``function(*args)`` in a forked child process and return a
    function that waits for its result (None if the child failed); or
    return None where this process cannot fork.

    The child starts as a copy of this process, so the arguments are not
    copied or pickled; only the result is pickled back."""
    import multiprocessing
    import threading

    # Forking a process that runs other threads can deadlock the child, and
    # a daemonic process (a pool worker) may not start children at all.
    if (
        "fork" not in multiprocessing.get_all_start_methods()
        or threading.active_count() > 1
        or multiprocessing.current_process().daemon
    ):
        return None
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_send_result, args=(sender, function, args), daemon=True)
    child.start()
    sender.close()

    def result():
        try:
            succeeded, value = receiver.recv()
        except EOFError:  # the child died without a word
            succeeded, value = False, None
        finally:
            receiver.close()
            child.join()
        return value if succeeded else None

    return result


def _send_result(sender, function: Callable, args: tuple) -> None:
    try:
        outcome = (True, function(*args))
    except BaseException:  # the parent reruns the work and so raises it itself
        outcome = (False, None)
    sender.send(outcome)
    sender.close()
