"""The widget's fixed parameters, bounds, errors, default ranges and code,
headless, each against an oracle: leastsq of the reduced model, leastsq and
curve_fit with the same bounds, curve_fit's pcov, and the script run again."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import traitlets as t
from widget_helpers import exp_data, exp_model, make, page, page_update, sent, widgets_made

from lmscope import OptimizeWarning, Trace, batch, curve_fit, leastsq
from lmscope.widget import FitWidget, fit_widget

__all__ = ["sent", "widgets_made"]  # fixtures, used by name


def assert_same(result, expected):
    x, cov_x, info, mesg, ier = result
    ex, ecov, einfo, emesg, eier = expected
    np.testing.assert_array_equal(x, ex)
    assert (ier, mesg, info["nfev"]) == (eier, emesg, einfo["nfev"])
    np.testing.assert_array_equal(info["fvec"], einfo["fvec"])
    np.testing.assert_array_equal(cov_x, ecov)


def decay_residuals(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] - y


# -- fixed parameters ------------------------------------------------------------------


def test_a_fixed_parameter_is_leastsq_of_the_reduced_model(sent, widgets_made):
    t, y = exp_data()
    w = make(widgets_made, decay_residuals, [2.0, 1.0, 0.45], args=(t, y), fixed=["x2"])
    assert w.wait(10)

    def reduced(u):
        return decay_residuals(np.array([u[0], u[1], 0.45]), t, y)

    u, cov_u, info, mesg, ier = leastsq(reduced, [2.0, 1.0], full_output=True)
    x, cov_x, winfo, wmesg, wier = w.result
    np.testing.assert_array_equal(x, [u[0], u[1], 0.45])
    assert (wier, wmesg, winfo["nfev"]) == (ier, mesg, info["nfev"])
    np.testing.assert_array_equal(cov_x[:2, :2], cov_u)
    assert not cov_x[2].any() and not cov_x[:, 2].any()  # a fixed one does not vary
    # The trace is in all three parameters; the fixed one never moves.
    assert w.trace.x.shape[1] == 3 and np.all(w.trace.x_trial[:, 2] == 0.45)
    assert w.summary["fixed"] == [False, False, True] and w.summary["stderr"][2] == 0.0
    assert w.summary["dof"] == t.size - 2


def test_fix_toggled_from_the_page_refits_and_is_checked(sent, widgets_made):
    x, y = exp_data()
    w = make(widgets_made, exp_model, x, y, p0=[2.0, 1.0, 0.4], curve=True)
    assert w.wait(10)
    free_fit = w.result[0].copy()
    page_update(w, {"fixed": [False, True, False]})
    assert w.wait(10)
    assert w.result[0][1] == 1.0 and w.result[0][0] != free_fit[0]
    sent.clear()
    page_update(w, {"fixed": [True, True, True]})
    assert w.fixed == [False, True, False]  # refused: nothing left to fit
    assert any("at least one must stay free" in c["error"] for c, _ in sent.of_type("error"))


def test_fixed_by_index_in_the_curve_form_and_fit_widget(sent, widgets_made):
    x, y = exp_data()
    w = fit_widget(exp_model, [2.0, 1.3, 0.4], xdata=x, ydata=y, fixed=1)
    widgets_made.append(w)
    assert w.wait(10) and w.fixed == [False, True, False]
    assert "reduced_model, x, y, p0=p0[free]," in w.to_code()  # named as here
    with pytest.raises(ValueError, match="fixed names unknown parameter 'q'"):
        FitWidget.curve(exp_model, x, y, p0=[2.0, 1.0, 0.4], fixed=["q"], run=False)


# -- bounds ------------------------------------------------------------------------------


def test_bounds_are_leastsqs_bounds_and_starts_stay_inside(sent, widgets_made):
    x, y = exp_data()
    bounds = ([0.0, 1.5, -np.inf], [np.inf, 3.0, 0.45])  # k and c active at the solution
    w = make(widgets_made, exp_model, x, y, p0=[2.0, 2.0, 0.4], curve=True, bounds=bounds)
    assert w.wait(10)
    with pytest.warns(OptimizeWarning, match="could not be estimated"):  # c at its limit
        popt, pcov, info, mesg, ier = curve_fit(
            exp_model, x, y, p0=[2.0, 2.0, 0.4], bounds=bounds, full_output=True
        )
    np.testing.assert_array_equal(w.result[0], popt)
    assert w.bounds == [[0.0, None], [1.5, 3.0], [None, 0.45]]
    assert w.summary["limited"] == [True, True, True]
    # The slider range is the start's, cut at the limits; the start stays inside them.
    assert w.ranges[1] == [1.5, 3.0]
    w.x0 = [2.0, 5.0, 0.4]
    assert w.x0[1] == 3.0
    page_update(w, {"bounds": [[None, None], [None, None], [0.5, None]]})
    assert w.x0[2] == 0.5  # clamped onto the new lower limit
    assert w.wait(10) and w.result[0][2] >= 0.5


def test_bad_limits_from_the_page_are_refused(sent, widgets_made):
    x, y = exp_data()
    w = make(widgets_made, exp_model, x, y, p0=[2.0, 1.0, 0.4], curve=True, run=False)
    for bad in ([[1.0, 0.0], [None, None], [None, None]], [["1", None]] * 3, [[None]] * 3):
        sent.clear()
        page_update(w, {"bounds": bad})
        assert w.bounds == [[None, None]] * 3
        assert sent.of_type("error")
    w.bounds = [[-np.inf, np.inf], [0.5, np.inf], [None, None]]  # from Python: inf is none
    assert w.bounds == [[None, None], [0.5, None], [None, None]]
    with pytest.raises(t.TraitError, match="upper limit of a must be finite"):
        w.bounds = [[None, -np.inf], [None, None], [None, None]]
    for owned in ({"code": "import os"}, {"summary": {}}, {"runs": []}):
        sent.clear()
        page_update(w, owned)  # the kernel's own: refused, the page's copy restored
        assert any("set by the kernel" in c["error"] for c, _ in sent.of_type("error"))
    with pytest.raises(ValueError, match="outside its bounds"):
        FitWidget.curve(exp_model, x, y, p0=[2.0, 1.0, 0.4], bounds=(0, 0.5), run=False)


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("absolute_sigma", [False, True])
def test_errors_are_curve_fits_pcov(absolute_sigma, sent, widgets_made):
    x, y = exp_data()
    sigma = 0.05 + 0.01 * x
    w = make(
        widgets_made,
        exp_model,
        x,
        y,
        p0=[2.0, 1.0, 0.4],
        sigma=sigma,
        curve=True,
        absolute_sigma=absolute_sigma,
    )
    assert w.wait(10)
    popt, pcov = curve_fit(exp_model, x, y, p0=[2.0, 1.0, 0.4], sigma=sigma,
                           absolute_sigma=absolute_sigma)  # fmt: skip
    s = w.summary
    assert s["scaling"] == ("absolute" if absolute_sigma else "scaled")
    np.testing.assert_array_equal(s["stderr"], np.sqrt(np.diag(pcov)))
    chi2 = float(np.sum(((y - exp_model(x, *popt)) / sigma) ** 2))
    assert s["chi2"] == pytest.approx(chi2, rel=1e-12) and s["dof"] == x.size - 3
    assert s["chi2_dof"] == pytest.approx(chi2 / (x.size - 3), rel=1e-12)
    corr = np.array(s["correlation"])
    d = np.sqrt(np.diag(pcov))
    np.testing.assert_allclose(corr, pcov / np.outer(d, d), rtol=1e-12)
    # The switch changes the table, not the fit.
    w.absolute_sigma = not absolute_sigma
    assert w.summary["scaling"] != s["scaling"]
    np.testing.assert_array_equal(w.result[0], popt)


# -- ranges that respect magnitude -----------------------------------------------------


def test_a_nanosecond_parameter_gets_a_slider_of_its_own_size(sent, widgets_made):
    t = np.linspace(0, 5e-9, 60)
    y = 3.0 * np.exp(-t / 1.2e-9)

    def decay(t, a, tau):
        with np.errstate(divide="ignore", invalid="ignore"):  # the landscape reaches tau = 0
            return a * np.exp(-t / tau)

    w = make(widgets_made, decay, t, y, p0=[2.0, 1e-9], curve=True)
    lo, hi = w.ranges[1]
    step = (hi - lo) / 1000  # SLIDER_STEPS: one arrow key press
    assert 0 <= lo < 1e-9 < hi <= 1e-8
    assert step / 1e-9 <= 0.01  # the smallest step moves tau by at most 1 %
    assert w.wait(10) and w.result[4] in (1, 2, 3, 4)
    assert w.result[0][1] == pytest.approx(1.2e-9, rel=1e-6)


def test_a_positive_range_over_decades_defaults_to_a_log_slider(sent, widgets_made):
    x, y = exp_data()
    w = make(widgets_made, exp_model, x, y, p0=[2.0, 1.0, 0.4], curve=True, run=False,
             ranges={"k": (1e-3, 10.0), "a": (1.0, 3.0), "c": (-1.0, 100.0)})  # fmt: skip
    assert w.logs == [False, True, False]


# -- code to copy ------------------------------------------------------------------------


def test_to_code_with_fixed_and_bounds_repeats_the_fit_bit_for_bit(sent, widgets_made):
    t, counts = exp_data()
    w = FitWidget.curve(
        exp_model, t, counts, p0=[2.0, 1.2, 0.4], fixed=["c"], bounds=([0, 1.0, -1], [5, 2.0, 1])
    )
    widgets_made.append(w)
    assert w.wait(10)
    code = w.to_code()
    # The data are named as they were here, where the widget was made.
    assert "reduced_model, t, counts, p0=p0[free]," in code and "# exp_model: your model" in code
    assert code == w.code
    namespace = {"exp_model": exp_model, "t": t, "counts": counts}
    exec(compile(code, "to_code", "exec"), namespace)
    np.testing.assert_array_equal(namespace["popt"], w.result[0])
    np.testing.assert_array_equal(namespace["infodict"]["fvec"], w.result[2]["fvec"])

    r = make(widgets_made, decay_residuals, [2.0, 1.0, 0.45], args=(t, counts), fixed=[2],
             bounds=([0, 0, -np.inf], [10, 10, np.inf]))  # fmt: skip
    assert r.wait(10)
    namespace = {"decay_residuals": decay_residuals, "args": (t, counts)}
    code = r.to_code()
    if "args = ..." in code:  # the widget could not see the tuple's name here
        code = code.replace("args = ...", "")
    exec(compile(code, "to_code", "exec"), namespace)
    assert_same(tuple(namespace[k] for k in ("x", "cov_x", "infodict", "mesg", "ier")), r.result)


def test_to_code_batch_fits_many_data_sets_as_the_widget_fits_one(sent, widgets_made):
    x, y = exp_data()
    w = FitWidget.curve(exp_model, x, y, p0=[2.0, 1.2, 0.4], fixed=[2])
    widgets_made.append(w)
    assert w.wait(10)
    code = w.to_code(batch=True)
    assert "reduced_model, x, ydata_rows, p0=p0[free]," in code
    rows = np.stack([y, y * 1.1])
    namespace = {"exp_model": exp_model, "x": x, "ydata_rows": rows}
    exec(compile(code, "to_code", "exec"), namespace)
    fit = namespace["fit"]
    np.testing.assert_array_equal(fit.popt[0], w.result[0][:2])
    single = batch.curve_fit(exp_model, x, rows, p0=[2.0, 1.2, 0.4])
    assert single.popt.shape == (2, 3)
    with pytest.raises(ValueError, match="needs the curve form"):
        make(widgets_made, decay_residuals, [2.0, 1.0, 0.4], args=(x, y), run=False).to_code(
            batch=True
        )


# -- runs to compare ----------------------------------------------------------------------


def test_the_run_list_restores_a_runs_start(sent, widgets_made):
    x, y = exp_data()
    w = make(widgets_made, exp_model, x, y, p0=[2.0, 1.0, 0.4], curve=True)
    assert w.wait(10)
    first = w.result
    w.fixed = [False, True, False]
    w.bounds = [[None, None], [None, None], [0.45, None]]
    w.x0 = [1.5, 1.2, 0.5]
    assert w.wait(10)
    assert [r["fit_id"] for r in w.runs][-1] == 1 and w.runs[0]["fixed"] == [False, True, False]
    page(w, {"type": "restore", "fit_id": 1})
    assert w.wait(10)
    assert w.fixed == [False, False, False] and w.bounds == [[None, None]] * 3
    assert w.x0.tolist() == [2.0, 1.0, 0.4]
    np.testing.assert_array_equal(w.result[0], first[0])  # the same fit again
    sent.clear()
    page(w, {"type": "restore", "fit_id": 999})
    assert any("fit 999 is not in the history" in c["error"] for c, _ in sent.of_type("error"))


def exp_jac(x, a, k, c):
    e = np.exp(-k * x)
    return np.column_stack([e, -a * x * e, np.ones_like(x)])


def test_a_fixed_parameter_with_an_analytic_jacobian(sent, widgets_made):
    """The reduced Jacobian is the free columns, in the widget and in its script."""
    x, y = exp_data()
    w = FitWidget.curve(exp_model, x, y, p0=[2.0, 1.2, 0.4], jac=exp_jac, fixed=["a"])
    widgets_made.append(w)
    assert w.wait(10) and w.use_dfun

    def reduced(xdata, k, c):
        return exp_model(xdata, 2.0, k, c)

    def reduced_jac(xdata, k, c):
        return exp_jac(xdata, 2.0, k, c)[:, 1:]

    popt, pcov, info, mesg, ier = curve_fit(
        reduced, x, y, p0=[1.2, 0.4], jac=reduced_jac, full_output=True
    )
    np.testing.assert_array_equal(w.result[0], [2.0, *popt])
    assert w.result[2]["njev"] == info["njev"]
    namespace = {"exp_model": exp_model, "exp_jac": exp_jac, "x": x, "y": y}
    exec(compile(w.to_code(), "to_code", "exec"), namespace)
    np.testing.assert_array_equal(namespace["popt"], w.result[0])


def decoded_columns(content, buffers) -> dict[str, np.ndarray]:
    """A `run_trace` reply's columns, decoded as the page does (little-endian, row-major)."""
    return {
        spec["name"]: np.frombuffer(
            bytes(buffer), dtype="<" + np.dtype(spec["dtype"]).str[1:]
        ).reshape(spec["shape"])
        for spec, buffer in zip(content["columns"], buffers, strict=True)
    }


def test_compare_sends_a_runs_whole_trace(sent, widgets_made):
    x, y = exp_data()
    w = make(widgets_made, exp_model, x, y, p0=[2.0, 1.0, 0.4], curve=True)
    assert w.wait(10)
    w.x0 = [1.5, 1.2, 0.5]
    assert w.wait(10)
    sent.clear()
    page(w, {"type": "compare", "fit_id": 1})
    [(content, buffers)] = sent.of_type("run_trace")
    assert (content["fit_id"], content["n"]) == (1, 3)
    columns = decoded_columns(content, buffers)
    kept = w.history[0]["trace"]
    assert w.history[0]["fit_id"] == 1 and content["count"] == len(kept) > 1
    for name in ("x", "fnorm", "fnorm_trial", "accepted"):
        np.testing.assert_array_equal(columns[name], getattr(kept, name))
    # The oracle: the same fit run again by leastsq records the same path and norms.
    again = Trace()
    leastsq(lambda p: exp_model(x, *p) - y, [2.0, 1.0, 0.4], trace=again)
    np.testing.assert_array_equal(columns["x"], again.x)
    np.testing.assert_array_equal(columns["fnorm"], again.fnorm)


def test_compare_refuses_a_fit_outside_the_run_list(sent, widgets_made, monkeypatch):
    # The package's `fit_widget` is the function; the module is in sys.modules.
    monkeypatch.setattr(sys.modules["lmscope.widget.fit_widget"], "RUNS_SHOWN", 2)
    x, y = exp_data()
    w = make(widgets_made, exp_model, x, y, p0=[2.0, 1.0, 0.4], curve=True)
    assert w.wait(10)
    for start in ([1.5, 1.2, 0.5], [2.5, 0.8, 0.3]):
        w.x0 = start
        assert w.wait(10)
    # Fit 1 left the run list: its trace is no longer kept, so the history stays small.
    assert [e["trace"] is None for e in w.history] == [True, False, False]
    sent.clear()
    for bad in (1, 999):
        page(w, {"type": "compare", "fit_id": bad})
    errors = [c["error"] for c, _ in sent.of_type("error")]
    assert len(errors) == 2 and all("not in the run list" in e for e in errors)
    assert not sent.of_type("run_trace")
    page(w, {"type": "compare", "fit_id": "2"})
    assert "fit_id must be a positive integer" in sent.of_type("error")[-1][0]["error"]
