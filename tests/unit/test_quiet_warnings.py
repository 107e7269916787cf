"""Fits that run side by side in threads (a Dask worker's threads, a web server's) ignore the
libraries' warnings while they run, and leave the process's warnings as they found them."""

from __future__ import annotations

import threading
import warnings

from forecast.engine.quiet import quiet_warnings


def _overlapping(say_after_first_left: bool) -> list[warnings.WarningMessage]:
    """Thread A enters, thread B enters, A leaves, then B warns (if told) and leaves."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with quiet_warnings():
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def second() -> None:
        a_in.wait(10)
        with quiet_warnings():
            b_in.set()
            a_out.wait(10)
            if say_after_first_left:
                warnings.warn("a fit's ConvergenceWarning", UserWarning, stacklevel=1)

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        # after both fits: the process's warnings are shown again, as before them
        warnings.warn("the user's own warning", UserWarning, stacklevel=1)
    return list(seen)


def test_a_fit_still_running_in_another_thread_stays_quiet() -> None:
    said = [str(w.message) for w in _overlapping(say_after_first_left=True)]
    assert "a fit's ConvergenceWarning" not in said


def test_overlapping_fits_leave_the_warnings_as_they_were() -> None:
    said = [str(w.message) for w in _overlapping(say_after_first_left=False)]
    assert said == ["the user's own warning"]


def test_filters_set_while_a_fit_ran_stay_when_it_ends() -> None:
    """A server thread fitting across the start of a test: pytest swaps in the test's filter
    list (its config ignores selenium's deprecation noise) while the fit runs, and the fit's end
    must not put back the list it found, which lacks them (46 such warnings were printed in a
    browser-test run)."""
    with warnings.catch_warnings():
        fit = quiet_warnings()
        fit.__enter__()
        with warnings.catch_warnings(record=True) as seen:  # the test's own filter list
            warnings.filterwarnings("ignore", message="selenium noise")
            warnings.filterwarnings("always", message="a user's warning")
            fit.__exit__(None, None, None)
            warnings.warn("selenium noise", DeprecationWarning, stacklevel=1)
            warnings.warn("a user's warning", UserWarning, stacklevel=1)
        assert [str(w.message) for w in seen] == ["a user's warning"]
        assert not any(
            f[0] == "ignore" and f[1] is None and f[2] is Warning for f in warnings.filters
        )
