"""Interrupts held across a library write (`atomic.interrupts_deferred`): a signal that arrives inside the
block acts only after it, once, through the handler in place before it; the result file is then not written."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest
import xarray as xr

from jobsim.model.outputs import atomic, store


class Caught(Exception):
    pass


@pytest.fixture
def sigterm_raises():
    """SIGTERM raises Caught while the test runs (as the command line's handler raises Terminated)."""
    def handler(signum, frame):
        raise Caught(signum)
    previous = signal.signal(signal.SIGTERM, handler)
    yield handler
    signal.signal(signal.SIGTERM, previous)


def test_a_signal_inside_the_block_acts_after_it_once(sigterm_raises):
    reached_the_end = False
    with pytest.raises(Caught):
        with atomic.interrupts_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)  # two arrivals, one delivery
            assert signal.getsignal(signal.SIGTERM) is not sigterm_raises  # held, not handled
            reached_the_end = True
    assert reached_the_end
    assert signal.getsignal(signal.SIGTERM) is sigterm_raises  # the handler is back
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_inside_the_block_is_a_keyboard_interrupt_after_it():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with atomic.interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            done.append(True)
    assert done == [True]


def test_without_a_signal_the_block_is_plain(sigterm_raises):
    with atomic.interrupts_deferred():
        value = 1 + 1
    assert value == 2 and signal.getsignal(signal.SIGTERM) is sigterm_raises


def test_outside_the_main_thread_nothing_is_changed():
    seen = []

    def body():
        with atomic.interrupts_deferred():
            seen.append(signal.getsignal(signal.SIGINT))
    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert seen == [signal.default_int_handler]


def test_a_result_interrupted_during_its_write_is_not_written(tmp_path, monkeypatch, sigterm_raises):
    ds = xr.Dataset({"x": ("t", np.arange(5.0))})
    written = xr.Dataset.to_netcdf

    def write_then_signal(self, path, *args, **kwargs):  # the signal lands inside the library's write
        os.kill(os.getpid(), signal.SIGTERM)
        return written(self, path, *args, **kwargs)
    monkeypatch.setattr(xr.Dataset, "to_netcdf", write_then_signal)
    out = tmp_path / "result.nc"
    with pytest.raises(Caught):
        store.write_dataset(ds, out)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no temporary file, no lock file
