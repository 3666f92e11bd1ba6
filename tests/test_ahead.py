"""The next slice read on a helper thread (read/ahead.py): the same items in the same
order, an error raised where its item is taken, no thread for a caller that takes only
the first; and the reader's stderr guard safe from two threads at once."""

from __future__ import annotations

import os
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xcert.read.ahead import made_ahead
from xcert.read.guard import quiet_panics


class Refused(Exception):
    pass


@given(st.lists(st.integers(), max_size=12), st.integers(min_value=0, max_value=14))
def test_the_same_items_in_order_and_an_error_where_its_item_is_taken(items, bad):
    def make(x):
        if x == bad:
            raise Refused(x)
        return x * 2

    out = []
    if bad in items:
        with pytest.raises(Refused) as raised:
            out.extend(made_ahead(items, make))
        assert raised.value.args == (bad,)
        assert out == [x * 2 for x in items[: items.index(bad)]]
    else:
        assert list(made_ahead(items, make)) == [x * 2 for x in items]


def test_the_third_on_is_made_while_the_caller_works_on_the_one_before():
    started: dict[int, threading.Event] = {i: threading.Event() for i in range(5)}
    threads: dict[int, str] = {}

    def make(i):
        threads[i] = threading.current_thread().name
        started[i].set()
        return i

    for i in made_ahead(range(5), make):
        if i >= 1 and i + 1 < 5:  # handed item i: item i + 1 is under way without us
            assert started[i + 1].wait(timeout=10)
    assert threads[0] == threads[1] == threading.current_thread().name
    assert {threads[i] for i in (2, 3, 4)} == {"xcert-read-ahead"}


def test_a_caller_taking_only_the_first_starts_no_thread():
    before = threading.active_count()
    made = []
    items = made_ahead(range(10), lambda i: made.append(i) or i)
    assert next(items) == 0
    items.close()
    assert made == [0] and threading.active_count() == before


def test_a_caller_stopping_early_leaves_the_one_in_the_making_to_finish():
    release = threading.Event()
    finished = threading.Event()

    def make(i):
        if i == 2:
            release.wait(timeout=10)
            finished.set()
        return i

    items = made_ahead(range(5), make)
    assert [next(items), next(items)] == [0, 1]
    items.close()  # item 2 still in the making: closing does not wait for it
    release.set()
    assert finished.wait(timeout=10)


def test_stderr_is_itself_again_after_two_threads_kept_it_quiet_at_once(capfd):
    before = os.fstat(2)

    def quiet(n):
        for k in range(40):
            with quiet_panics():
                os.write(2, f"<{n}.{k}>".encode())

    workers = [threading.Thread(target=quiet, args=(n,)) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    after = os.fstat(2)
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
    os.write(2, b"<end>")
    said = capfd.readouterr().err
    assert said.endswith("<end>")
    assert all(f"<{n}.{k}>" in said for n in range(2) for k in range(40))  # nothing lost
