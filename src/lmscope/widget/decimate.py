"""Long vectors cut down for drawing: the min and the max of each bin.

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
    another length (an empty one, where the function failed) is left as is."""
    m = max(np.size(v) for v in curves.values())
    if m <= points:
        return curves
    long = [name for name, v in curves.items() if np.size(v) == m]
    index = keep_indices([curves[name] for name in long], points)
    out = {name: (np.asarray(v)[index] if name in long else v) for name, v in curves.items()}
    out["index"] = index.astype(np.float64)
    return out


def decimate_data(x: np.ndarray, y: np.ndarray, sigma, points: int):
    """Data points (x, y, sigma or None) cut to about `points` when there are
    more: sorted by x, binned, keeping the lowest and highest y of each bin."""
    if x.size <= points:
        return x, y, sigma
    order = np.argsort(x, kind="stable")
    order = order[keep_indices([y[order]], points)]
    return x[order], y[order], (None if sigma is None else sigma[order])
