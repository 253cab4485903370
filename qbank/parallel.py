"""Running a piece of work in a second process, where that pays off.

Used for bank-sized work (reading 10,000 question files, linting them):
the machine this runs on often has two cores and the work splits cleanly.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Sequence, TypeVar

Result = TypeVar("Result", list, bytes)


def in_forked_process(function: Callable, *args) -> Callable[[], object] | None:
    """Start ``function(*args)`` in a forked child process and return a
    function that waits for its result (None if the child failed); or
    return None where this process cannot fork.

    The child starts as a copy of this process, so the arguments are not
    copied or pickled; only the result is pickled back."""
    import multiprocessing

    if not _can_fork():
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


def produced_in_forked_process(produce: Callable[[int], Iterable], batch: int = 100) -> Iterator:
    """Everything ``produce(0)`` yields, produced by a forked child process
    and received in batches, so this process can work on each value while
    the child makes the next ones.

    ``produce(n)`` must yield the same sequence from its n-th value on:
    where the child cannot be started, or fails, this process produces the
    rest itself (and so raises what the child raised)."""
    import multiprocessing

    if not _can_fork():
        yield from produce(0)
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_send_stream, args=(sender, produce, batch), daemon=True)
    child.start()
    sender.close()
    received, finished = 0, False
    try:
        while True:
            try:
                kind, values = receiver.recv()
            except EOFError:  # the child died without a word
                break
            if kind != "batch":
                finished = kind == "done"
                break
            received += len(values)
            yield from values
    finally:  # also when the caller stops early, or what it does with a value fails
        receiver.close()
        if not finished:
            child.terminate()
        child.join()
    if not finished:
        yield from produce(received)


def _send_stream(sender, produce: Callable[[int], Iterable], batch: int) -> None:
    try:
        values = []
        for value in produce(0):
            values.append(value)
            if len(values) == batch:
                sender.send(("batch", values))
                values = []
        if values:
            sender.send(("batch", values))
        sender.send(("done", None))
    except BaseException:  # the parent produces the rest and so raises it itself
        try:
            sender.send(("failed", None))
        except OSError:  # the parent is gone
            pass
    sender.close()


def _can_fork() -> bool:
    import multiprocessing
    import threading

    # Forking a process that runs other threads can deadlock the child, and
    # a daemonic process (a pool worker) may not start children at all.
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
    )


def _send_result(sender, function: Callable, args: tuple) -> None:
    try:
        outcome = (True, function(*args))
    except BaseException:  # the parent reruns the work and so raises it itself
        outcome = (False, None)
    sender.send(outcome)
    sender.close()


def in_two_parts(function: Callable[[Sequence], Result], items: Sequence, min_items: int,
                 child_share: float = 0.5) -> Result:
    """``function(items)``, computed as ``function(first part) + function(last
    part)`` with the last part in a forked process when there are at least
    ``min_items`` items. ``child_share`` is the last part's share: less than
    half where its result costs the parent time to take in.

    Should the child fail, the parent computes its part itself, so an error
    is raised here as the single-process run would raise it.
    """
    if len(items) < min_items:
        return function(items)
    split = round(len(items) * (1 - child_share))
    last_part = in_forked_process(function, items[split:])
    first = function(items[:split])
    from_child = last_part() if last_part is not None else None
    return first + (from_child if from_child is not None else function(items[split:]))
