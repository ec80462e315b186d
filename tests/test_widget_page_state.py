"""State updates from the page, through the widget's comm handler, as an
attacker would send them: kernel-owned traits are read-only (refused and
restored), every control value is checked, a bad one gets an error reply and
changes nothing, and the widget keeps working."""

from __future__ import annotations

import numpy as np
import pytest
from widget_helpers import command, make, page_update, rosenbrock, sent, widgets_made

from lmscope import leastsq

__all__ = ["sent", "widgets_made"]  # fixtures, used by name

KERNEL_OWNED = [
    {"param_names": ["a", "b", "c", "d", "e", "f", "g", "h"]},
    {"form": "curve"},
    {"data": {"x": [1], "y": ["<img src=x onerror=alert(1)>"], "sigma": None}},
    {"model_x": [0.0, 1.0]},
    {"landscape": {"message": "<b>owned</b>"}},
    {"has_dfun": True},
    {"landscape_on": False},
    {"layout": {"width": "1px"}},
]


def errors(recorder):
    return [c["error"] for c, _ in recorder.of_type("error")]


@pytest.mark.parametrize("update", KERNEL_OWNED, ids=[next(iter(u)) for u in KERNEL_OWNED])
def test_kernel_owned_traits_are_read_only_from_the_page(sent, widgets_made, update):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, landscape=False)
    (name,) = update
    before = getattr(w, name, None)
    page_update(w, update)
    assert getattr(w, name, None) == before
    assert any(f"{name} is set by the kernel" in e for e in errors(sent)), errors(sent)
    # Every later fit and Reset still work (eight names used to break both).
    command(w, "reset")
    w.fit()
    assert w.wait(10) and w.result[4] in (1, 2, 3, 4)


BAD_VALUES = [
    ({"values": [1.0]}, "needs 2 entries"),
    ({"values": ["1", 2.0]}, "must be a number"),
    ({"values": [True, 2.0]}, "must be a number"),
    ({"values": [None, 2.0]}, "must be a number"),
    ({"values": "1,2"}, "must be a list"),
    ({"ranges": [[1.0, 0.0], [0.0, 1.0]]}, "min < max"),
    ({"ranges": [[0.0], [0.0, 1.0]]}, "must be [min, max]"),
    ({"logs": [1, 0]}, "true or false"),
    ({"ftol": "1e-3"}, "must be a number"),
    ({"xtol": None}, "must be a number"),
    ({"factor": 0}, "positive"),
    ({"maxfev": -5}, "maxfev must be in 0.."),
    ({"maxfev": 1.5}, "must be an integer"),
    ({"maxfev": 10**30}, "huge integer"),
    ({"epsfcn": "auto"}, "must be a number"),
    ({"use_dfun": True}, "no Dfun"),
    ({"use_dfun": "yes"}, "true or false"),
    ({"delay": 1e9}, "delay"),
    ({"auto_fit": 1}, "true or false"),
    ({"landscape_params": [0, 0]}, "different"),
    ({"landscape_params": [0, 5]}, "not a parameter index"),
    ({"panels": "<script>"}, "panels must be one of"),
]


@pytest.mark.parametrize("update, says", BAD_VALUES, ids=[repr(u)[:40] for u, _ in BAD_VALUES])
def test_a_bad_value_from_the_page_gets_an_error_reply(sent, widgets_made, update, says):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, landscape=False)
    (name,) = update
    before = getattr(w, name)
    page_update(w, update)
    assert getattr(w, name) == before
    replies = errors(sent)
    assert len(replies) == 1 and says in replies[0], replies
    assert len(replies[0]) < 300
    # The page's copy is put back: the kernel sent its own value again.
    command(w, "reset")
    assert w.wait(10) and w.result[4] in (1, 2, 3, 4)
    np.testing.assert_array_equal(w.result[0], leastsq(rosenbrock, [-1.2, 1.0])[0])


def test_maxfev_from_the_page_then_reset(sent, widgets_made):
    """Regression: maxfev = -5 from the page, then Reset, raised IndexError."""
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, landscape=False)
    page_update(w, {"maxfev": -5})
    page_update(w, {"maxfev": 3})
    assert w.wait(10) and w.maxfev == 3 and w.state == "failure" and w.result[4] == 5
    command(w, "reset")
    assert w.wait(10) and w.maxfev == 0 and w.state == "success"


def test_good_and_bad_fields_in_one_update(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], run=False, auto_fit=False)
    page_update(w, {"ftol": 1e-3, "param_names": ["p"], "xtol": "x"})
    assert w.ftol == 1e-3 and w.xtol == 1.49012e-08 and w.param_names == ["x0", "x1"]
    assert len(errors(sent)) == 2
