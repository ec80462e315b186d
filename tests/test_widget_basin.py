"""The widget's basin map (widget/basin.py), headless: progressive levels, a
cell is the widget's own fit from that start, settings reach it, cancelling
and the sliders' priority."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from widget_helpers import (
    Slow,
    exp_data,
    exp_model,
    make,
    move,
    page,
    page_update,
    rosenbrock,
    rosenbrock_jac,
    sent,
    wait_for,
    widgets_made,
)

from lmscope.widget.basin import LEVELS

__all__ = ["sent", "widgets_made"]  # fixtures, used by name


def levels_seen(w) -> list:
    seen: list = []
    w.observe(lambda change: seen.append(change["new"]), names=["basin"])
    return seen


def click_cell(w, cell: int) -> None:
    """The page's click on a cell: a pick of that cell's start (basin.js sends
    the grid values themselves), then the fit auto_fit starts."""
    b = w.basin
    nx = len(b["xi"])
    page(
        w,
        {
            "type": "pick",
            "i": b["i"],
            "j": b["j"],
            "xi": b["xi"][cell % nx],
            "xj": b["xj"][cell // nx],
        },
    )


def assert_cell_is_the_fit(w, cell: int) -> None:
    b = w.basin
    click_cell(w, cell)
    assert w.wait(20)
    x, _cov, info, _mesg, ier = w.result
    assert ier == b["ier"][cell]
    assert info["nfev"] == b["nfev"][cell]
    np.testing.assert_array_equal(x, b["x"][cell])
    converged = ier in (1, 2, 3, 4)
    assert (b["label"][cell] >= 0) == converged


def some_cells(b, count: int = 6) -> list[int]:
    """Cells of every label on the map, the failures too, then spread ones."""
    labels = np.array(b["label"])
    cells = [int(np.flatnonzero(labels == v)[0]) for v in np.unique(labels)]
    cells += np.linspace(0, labels.size - 1, count).astype(int).tolist()
    return sorted(set(cells))


def test_levels_arrive_coarse_first_and_cells_are_the_widgets_fits(sent, widgets_made):
    w = make(widgets_made, exp_model, *exp_data(), p0=[2.0, 1.0, 0.5], curve=True, basin=True)
    seen = levels_seen(w)
    assert w.wait(60, landscape=True)
    sizes = [(len(v["xi"]), len(v["xj"])) for v in seen]
    assert sizes == [(s, s) for s in LEVELS]
    assert [v["final"] for v in seen] == [False] * (len(LEVELS) - 1) + [True]
    b = w.basin
    assert b["method"] == "batch" and b["i"] == 0 and b["j"] == 1
    # The grid spans the sliders' ranges, as the landscape does.
    assert b["xi"][0] == w.ranges[0][0] and b["xj"][-1] == w.ranges[1][1]
    json.dumps(b, allow_nan=False)
    assert not sent.of_type("error")
    for cell in some_cells(b):
        assert_cell_is_the_fit(w, cell)


def test_labels_separate_the_two_minima_of_a_two_peak_model(sent, widgets_made):
    """y = a * exp(-(x - b)^2) fitted to a sum of two peaks: starts near
    either peak reach it, two distinct solutions, the taller one best."""
    x = np.linspace(-6.0, 6.0, 80)
    y = 2.0 * np.exp(-((x + 2.5) ** 2)) + 1.0 * np.exp(-((x - 2.5) ** 2))

    def peak(x, a, b):
        return a * np.exp(-((x - b) ** 2))

    w = make(
        widgets_made, peak, x, y, p0=[1.5, 0.0], curve=True, basin=True, ranges=[(0.5, 3), (-4, 4)]
    )
    assert w.wait(60, landscape=True)
    b = w.basin
    sol = np.array(b["solutions"])
    assert sol.shape[0] >= 2
    assert sol[0, 1] == pytest.approx(-2.5, abs=0.05)  # the taller peak is label 0
    assert any(s[1] == pytest.approx(2.5, abs=0.05) for s in sol[1:])
    nx = len(b["xi"])
    left = [k for k in range(len(b["label"])) if abs(b["xj"][k // nx] + 2.5) < 0.3]
    right = [k for k in range(len(b["label"])) if abs(b["xj"][k // nx] - 2.5) < 0.3]
    assert {b["label"][k] for k in left} == {0}
    assert 0 not in {b["label"][k] for k in right}


def test_residual_form_rows_and_dfun_single_fits(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], basin=True)
    assert w.wait(60, landscape=True)
    assert w.basin["method"] == "rows" and w.basin["final"]
    for cell in some_cells(w.basin, 3):
        assert_cell_is_the_fit(w, cell)
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], Dfun=rosenbrock_jac, basin=True)
    assert w.wait(60, landscape=True)
    assert w.use_dfun and w.basin["method"] == "single fits"
    for cell in some_cells(w.basin, 3):
        assert_cell_is_the_fit(w, cell)


def test_the_widgets_settings_go_into_the_map(sent, widgets_made):
    w = make(widgets_made, exp_model, *exp_data(), p0=[2.0, 1.0, 0.5], curve=True, basin=True)
    assert w.wait(60, landscape=True)
    before = w.basin
    page_update(w, {"maxfev": 12, "factor": 0.5, "xtol": 1e-4, "epsfcn": 1e-9, "gtol": 1e-6})
    # The map of the old settings says at once that it is being recomputed.
    assert before["final"] and w.basin["final"] is False
    assert w.wait(60, landscape=True)
    after = w.basin
    assert after is not before and max(after["nfev"]) <= 12 + 3  # lmdif overshoots by < n+1
    assert 5 in after["ier"] and -1 in after["label"]  # maxfev reached: no convergence
    for cell in some_cells(after):
        assert_cell_is_the_fit(w, cell)
    # Moving a third parameter moves the basins: a new map.
    move(w, 2, 0.9)
    assert w.wait(60, landscape=True)
    assert w.basin is not after and w.basin["final"]
    for cell in some_cells(w.basin, 2):
        assert_cell_is_the_fit(w, cell)


def test_a_cell_click_moves_only_the_start_and_keeps_the_map(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0], basin=True)
    assert w.wait(60, landscape=True)
    b = w.basin
    seen = levels_seen(w)
    click_cell(w, 10)
    assert w.wait(20, landscape=True)
    assert seen == [] and w.basin is b  # x0[i], x0[j] do not enter the map


def test_switching_the_view_off_cancels_and_a_slider_fit_goes_first(sent, widgets_made):
    slow = Slow(rosenbrock, 0.002)
    w = make(widgets_made, slow, [-1.2, 1.0], basin=True, landscape=False)
    assert w.wait(20)
    assert wait_for(lambda: w._basin_runner.busy, 5)
    # A slider move during the map: its fit runs at once, beside the map.
    move(w, 0, -0.5)
    assert w.wait(20)
    assert w.history[-1]["x0"].tolist() == [-0.5, 1.0] and w.state == "success"
    assert w._basin_runner.busy  # the 8x8 map (about 5000 slow calls) is not done
    seen = levels_seen(w)
    page_update(w, {"landscape_view": "cost"})
    assert w.landscape_view == "cost"
    assert w._basin_runner.wait(2.0)  # ends within a call or two of func
    calls = slow.calls
    assert not wait_for(lambda: slow.calls > calls + 2, 0.3)
    assert seen == []


def test_a_new_setting_cancels_the_map_in_progress(sent, widgets_made):
    slow = Slow(rosenbrock, 0.0005)
    w = make(widgets_made, slow, [-1.2, 1.0], basin=True, landscape=False)
    seen = levels_seen(w)
    assert wait_for(lambda: w._basin_runner.busy, 5)
    page_update(w, {"factor": 1.0})
    assert w.wait(120, landscape=True)
    # Every map published is of the current settings: the first job published nothing.
    fit = w.history[-1]
    assert fit["options"]["factor"] == 1.0
    assert all(v["fit_id"] == seen[-1]["fit_id"] for v in seen) and seen[-1]["final"]
    assert_cell_is_the_fit(w, 0)


def test_user_errors_become_a_message_and_page_cannot_write_the_map(sent, widgets_made):
    def broken(x):
        if x[0] > 0.5:
            raise ValueError("no such point")
        return rosenbrock(x)

    w = make(widgets_made, broken, [-1.2, 1.0], basin=True, ranges=[(-2, 2), (-1, 3)])
    assert w.wait(60, landscape=True)
    assert w.basin["message"].startswith("no basin map: ValueError: no such point")
    sent.clear()
    page_update(w, {"basin": {"i": 0}})
    page_update(w, {"landscape_view": "<b>html</b>"})
    errors = [c["error"] for c, _ in sent.of_type("error")]
    assert any("basin is set by the kernel" in e for e in errors)
    assert any("landscape_view must be one of cost, basin" in e for e in errors)
    assert w.landscape_view == "basin"


def test_curve_model_without_parameter_columns_is_fitted_row_by_row(sent, widgets_made):
    def scalar_model(x, a, k, c):
        return float(a) * np.exp(-float(k) * x) + float(c)  # float() of a column fails

    w = make(widgets_made, scalar_model, *exp_data(), p0=[2.0, 1.0, 0.5], curve=True, basin=True)
    assert w.wait(120, landscape=True)
    assert w.basin["method"] == "rows"
    for cell in some_cells(w.basin, 2):
        assert_cell_is_the_fit(w, cell)


def test_no_map_unless_asked(sent, widgets_made):
    w = make(widgets_made, rosenbrock, [-1.2, 1.0])
    assert w.wait(20, landscape=True)
    assert w.landscape_view == "cost" and w.basin == {}
    assert not math.isnan(w.result[0][0])


def js_typedef_properties(name: str) -> set[str]:
    """The @property names of one JSDoc typedef in js/src/types.js."""
    text = (Path(__file__).resolve().parents[1] / "js" / "src" / "types.js").read_text()
    block = re.search(r"@typedef \{object\} " + name + r"\n(.*?)\*/", text, re.S)
    assert block, name
    return set(re.findall(r"@property \{.*?\} \[?(\w+)\]?", block[1]))


def test_basin_trait_and_synced_traits_match_their_js_types(sent, widgets_made):
    w = make(widgets_made, exp_model, *exp_data(), p0=[2.0, 1.0, 0.5], curve=True, basin=True)
    assert w.wait(60, landscape=True)
    assert set(w.basin) == js_typedef_properties("Basin") - {"message"}
    broken = make(widgets_made, lambda x: 1 / 0 * x, [1.0, 2.0], basin=True)
    assert broken.wait(60, landscape=True)
    assert set(broken.basin) == {"i", "j", "message", "fit_id"}
    synced = {name for name in w.trait_names(sync=True) if not name.startswith("_")}
    ours = js_typedef_properties("Traits")
    assert {"basin", "landscape_view"} <= ours
    assert ours <= synced


def test_a_bounded_widgets_map_is_of_its_bounded_fits(sent, widgets_made):
    """With limits the widget fits within them; so does every cell, and the
    grid of starts stays inside them."""
    bounds = ([0.5, 0.2, -np.inf], [3.0, 1.5, np.inf])
    w = make(
        widgets_made, exp_model, *exp_data(), p0=[2.0, 1.0, 0.5], curve=True, basin=True,
        bounds=bounds,
    )  # fmt: skip
    assert w.wait(60, landscape=True)
    b = w.basin
    assert b["final"] and "message" not in b
    assert bounds[0][0] <= min(b["xi"]) and max(b["xi"]) <= bounds[1][0]
    assert bounds[0][1] <= min(b["xj"]) and max(b["xj"]) <= bounds[1][1]
    for cell in some_cells(b):
        assert_cell_is_the_fit(w, cell)
        assert bounds[0][0] <= w.result[0][0] <= bounds[1][0]


def test_no_map_of_other_fits_while_a_parameter_is_fixed(sent, widgets_made):
    w = make(
        widgets_made, exp_model, *exp_data(), p0=[2.0, 1.0, 0.5], curve=True, basin=True,
        fixed=[2],
    )  # fmt: skip
    assert w.wait(60, landscape=True)
    assert "fixed" in w.basin["message"]
    page_update(w, {"fixed": [False, False, False]})
    assert wait_for(lambda: w.basin.get("final") is True, 60)
    assert "message" not in w.basin
