"""Ctrl-C and SIGTERM in a build (helpers.pipeline.interrupts)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from helpers.pipeline.interrupts import Terminated, no_interrupt, terminate_as_interrupt


def test_sigterm_inside_the_block_is_an_interrupt_and_the_handler_is_put_back():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated), terminate_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the signal arrives long before
    assert issubclass(Terminated, KeyboardInterrupt)  # cleaned up like Ctrl-C
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_block_inside_another_leaves_the_outer_handler_in_place():
    with terminate_as_interrupt():
        outer = signal.getsignal(signal.SIGTERM)
        with terminate_as_interrupt():
            assert signal.getsignal(signal.SIGTERM) is outer
        assert signal.getsignal(signal.SIGTERM) is outer


def test_ctrl_c_waits_for_the_end_of_the_swap():
    # As in a terminal, even where this test runs with SIGINT ignored (a background job).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    reached: list[str] = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with no_interrupt():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)
                reached.append("both renames")
            time.sleep(5)  # the held Ctrl-C arrives here
    finally:
        signal.signal(signal.SIGINT, previous)
    assert reached == ["both renames"]
