"""Long vectors cut down for drawing: the min and the max of each bin.

Two cuts: `decimate_curves` keeps the extreme entries of residual vectors (the
page draws them as they are), `data_band` turns a long data set into a band
(min-max envelope and mean per bin of x), which reads as one data set where a
few thousand kept points read as two rows of dots.

The page draws a few hundred points across a panel, so sending it 500 000
residuals per batch (8 MB) buys nothing.  Binning consecutive entries and
keeping, per bin, where each vector has its min and its max (and its first
non-finite entry) keeps what the eye looks for: a spike stays a spike and a
gap (NaN) stays a gap.  Several vectors drawn together (the residuals at the
accepted and at the trial point) are cut at the same indices, so they stay
comparable point by point.
"""

from __future__ import annotations

import numpy as np

from .drawing import is_drawing


def keep_indices(vectors, points: int) -> np.ndarray:
    """Increasing indices of about `points` entries (at most 1.5 times as many)
    of equally long 1-D `vectors`; all indices when they are that short."""
    m = int(np.size(vectors[0]))
    if m <= points:
        return np.arange(m)
    bins = max(1, points // (2 * len(vectors)))
    width = -(-m // bins)
    rows = -(-m // width)
    pad = rows * width - m
    offsets = np.arange(rows) * width
    keep = []
    for values in vectors:
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        finite = np.isfinite(values)
        low = np.pad(np.where(finite, values, np.inf), (0, pad), constant_values=np.inf)
        high = np.pad(np.where(finite, values, -np.inf), (0, pad), constant_values=-np.inf)
        bad = np.pad(~finite, (0, pad)).reshape(rows, width)
        keep += [
            offsets + low.reshape(rows, width).argmin(axis=1),
            offsets + high.reshape(rows, width).argmax(axis=1),
            (offsets + bad.argmax(axis=1))[bad.any(axis=1)],
        ]
    index = np.unique(np.concatenate(keep))
    return index[index < m]


def decimate_curves(curves: dict, points: int) -> dict:
    """Residual curves (name -> 1-D array) cut at common indices when longer
    than `points`, with those indices as one more curve, `index`.  A curve of
    another length (an empty one, where the function failed) and the series
    of a drawing (drawing.py) are left as they are."""
    m = max((np.size(v) for name, v in curves.items() if not is_drawing(name)), default=0)
    if m <= points:
        return curves
    long = [name for name, v in curves.items() if np.size(v) == m and not is_drawing(name)]
    index = keep_indices([curves[name] for name in long], points)
    out = {name: (np.asarray(v)[index] if name in long else v) for name, v in curves.items()}
    out["index"] = index.astype(np.float64)
    return out


def data_band(x: np.ndarray, y: np.ndarray, bins: int) -> dict:
    """Data too many to draw point by point, as a band: `bins` equal bins over
    the range of x, each with its centre, the lowest, highest and mean y of the
    points in it, and how many points it holds.  An empty bin is None in
    lo/hi/mean (JSON null: a gap in the band), so a gap in x stays a gap."""
    lo_x, hi_x = float(np.min(x)), float(np.max(x))
    width = (hi_x - lo_x) / bins if hi_x > lo_x else 1.0
    which = np.minimum(((x - lo_x) / width).astype(np.int64), bins - 1)
    count = np.bincount(which, minlength=bins)
    total = np.bincount(which, weights=y, minlength=bins)
    low = np.full(bins, np.inf)
    high = np.full(bins, -np.inf)
    np.minimum.at(low, which, y)
    np.maximum.at(high, which, y)
    filled = count > 0

    def column(values):
        return [float(v) if ok else None for v, ok in zip(values, filled, strict=True)]

    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    return {
        "x": [float(v) for v in lo_x + width * (np.arange(bins) + 0.5)],
        "lo": column(low),
        "hi": column(high),
        "mean": column(mean),
        "count": [int(v) for v in count],
        "points": int(x.size),
    }
