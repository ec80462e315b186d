"""Comparing lmscope's outputs with SciPy's, output by output."""

import re

import numpy as np

RTOL = 1e-10  # the parity tolerance of the engine issue


def assert_close(ours, theirs, what, rtol=RTOL):
    """Equal within rtol, relative to the larger of the two arrays' magnitudes
    (so that entries that are rounding noise around zero compare sensibly)."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != {theirs.shape}"
    scale = max(np.max(np.abs(theirs), initial=0.0), np.max(np.abs(ours), initial=0.0))
    err = np.max(np.abs(ours - theirs), initial=0.0)
    assert err <= rtol * scale or err == 0.0, (
        f"{what}: max difference {err:.3g} exceeds {rtol:g} x {scale:.3g}"
    )


def assert_same_fit(ours, theirs, rtol=RTOL):
    """Both leastsq(full_output=True) results agree on every output."""
    x, cov_x, info, mesg, ier = ours
    sx, scov, sinfo, smesg, sier = theirs
    assert ier == sier, f"ier {ier} != SciPy's {sier} ({smesg!r})"
    assert list(info) == list(sinfo), "infodict keys differ"
    assert info["nfev"] == sinfo["nfev"]
    if "njev" in sinfo:
        assert info["njev"] == sinfo["njev"]
    assert x.dtype == sx.dtype and x.shape == sx.shape
    assert_close(x, sx, "x", rtol)
    assert_close(info["fvec"], sinfo["fvec"], "fvec", rtol)
    assert_close(info["fjac"], sinfo["fjac"], "fjac", rtol)
    assert_close(info["qtf"], sinfo["qtf"], "qtf", rtol)
    assert info["ipvt"].dtype == sinfo["ipvt"].dtype
    assert np.array_equal(info["ipvt"], sinfo["ipvt"])
    assert (cov_x is None) == (scov is None), f"cov_x {cov_x} vs SciPy's {scov}"
    if cov_x is not None:
        assert_close(cov_x, scov, "cov_x", rtol)


def message_words(mesg: str) -> str:
    """A leastsq message without its numbers and `name=` labels, spacing
    normalised: lmscope prints ftol=1.49012e-08 where SciPy prints
    0.000000, and breaks lines elsewhere; the words must be the same."""
    text = re.sub(r"\b\w+\s*=\s*", "", mesg)
    text = re.sub(r"[-+]?\d[\d.]*(e[-+]?\d+)?", "", text)
    return " ".join(text.split())
