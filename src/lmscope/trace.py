"""Trial steps: one `TrialStep` per trial of the Levenberg-Marquardt method,
and the `Trace` that holds a whole fit's steps as columns.

Field names are shared by the C record (`lm_trial_step`), these classes, the
binary stream to the widget and its JavaScript decoder.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

INT_FIELDS = ("iteration", "nfev", "njev")
VECTOR_FIELDS = ("x", "x_trial")
FLOAT_FIELDS = (
    "fnorm",
    "fnorm_trial",
    "pnorm",
    "delta",
    "par",
    "ratio",
    "actred",
    "prered",
    "gnorm",
)
FIELDS = (
    "iteration",
    "nfev",
    "njev",
    "x",
    "x_trial",
    "fnorm",
    "fnorm_trial",
    "pnorm",
    "delta",
    "par",
    "ratio",
    "actred",
    "prered",
    "gnorm",
    "accepted",
)

_DTYPES: dict[str, np.dtype] = {
    **{name: np.dtype("<i4") for name in INT_FIELDS},
    **{name: np.dtype("<f8") for name in VECTOR_FIELDS + FLOAT_FIELDS},
    "accepted": np.dtype("u1"),
}


@dataclass(frozen=True)
class TrialStep:
    """One trial step.  Record 0 of a fit is its starting point; a fit that
    ends at a Jacobian evaluation (gtol met, a non-finite Jacobian, a stop)
    ends with a record that tried no point (x_trial = x, pnorm and ratio NaN,
    accepted False) and carries the final nfev, njev and gnorm.

    iteration: outer iteration (one Jacobian each); 0 for the starting point.
    nfev, njev: evaluations of func and of the Jacobian so far.
    x: the accepted point after this trial; x_trial: the point tried.
    fnorm: ||f(x)||; fnorm_trial: ||f(x_trial)||.
    pnorm: ||D p||, the scaled length of the step.
    delta: trust-region radius after this trial's update.
    par: the Levenberg-Marquardt parameter used for the step.
    ratio: actual over predicted reduction (gain ratio rho);
    actred, prered: the actual and predicted relative reductions.
    gnorm: the scaled gradient norm of the gtol test.
    accepted: whether x moved to x_trial.
    """

    iteration: int
    nfev: int
    njev: int
    x: np.ndarray
    x_trial: np.ndarray
    fnorm: float
    fnorm_trial: float
    pnorm: float
    delta: float
    par: float
    ratio: float
    actred: float
    prered: float
    gnorm: float
    accepted: bool

    @classmethod
    def from_record(cls, rec, x: np.ndarray, x_trial: np.ndarray) -> TrialStep:
        """From the engine's C record; x and x_trial are the arrays its
        pointers fill, copied here."""
        return cls(
            rec.iteration,
            rec.nfev,
            rec.njev,
            x.copy(),
            x_trial.copy(),
            rec.fnorm,
            rec.fnorm_trial,
            rec.pnorm,
            rec.delta,
            rec.par,
            rec.ratio,
            rec.actred,
            rec.prered,
            rec.gnorm,
            bool(rec.accepted),
        )


assert tuple(f.name for f in fields(TrialStep)) == FIELDS


class Trace:
    """Every trial step of one fit, as numpy columns.

    Pass one to a fit (`leastsq(..., trace=t)`): the fit clears it and
    records into it.  Columns are attributes (`t.fnorm`, `t.x` of shape
    (len, n), ...), read-only; iterating gives `TrialStep` records; `t.plot()`
    draws the fit's panels with matplotlib.

    One fit writes a Trace at a time (give each concurrent fit its own).
    While it runs, other threads may read the records below `len(t)`: a
    record is complete before the length counts it, rows are never
    rewritten, and growing the columns copies the complete rows before the
    new arrays replace the old (the widget streams a running fit this way).
    """

    _INITIAL_CAPACITY = 64

    def __init__(self):
        self._n = 0
        self._size = 0
        self._columns: dict[str, np.ndarray] = {}

    # -- recording (called by the fit) -------------------------------------

    def _start(self, n: int) -> None:
        self._n = n
        self._size = 0
        self._columns = {
            name: np.empty(
                (self._INITIAL_CAPACITY, n) if name in VECTOR_FIELDS else self._INITIAL_CAPACITY,
                dtype=_DTYPES[name],
            )
            for name in FIELDS
        }

    def _append(self, rec, x: np.ndarray, x_trial: np.ndarray) -> None:
        if self._size == len(self._columns["fnorm"]):
            # Doubling keeps appends amortised O(1) for fits of any length.
            for name, column in self._columns.items():
                grown = np.empty((2 * len(column),) + column.shape[1:], dtype=column.dtype)
                grown[: self._size] = column[: self._size]
                self._columns[name] = grown
        i = self._size
        columns = self._columns
        for name in INT_FIELDS + FLOAT_FIELDS:
            columns[name][i] = getattr(rec, name)
        columns["accepted"][i] = rec.accepted
        columns["x"][i] = x
        columns["x_trial"][i] = x_trial
        self._size = i + 1

    def append(self, step: TrialStep) -> None:
        """Record one TrialStep made elsewhere: the widget records a fit of
        its free parameters in all n parameters this way.  The first step
        sets n; a fit that is handed this Trace clears it first."""
        x, x_trial = np.asarray(step.x, dtype=np.float64), np.asarray(step.x_trial, np.float64)
        if not self._columns:
            self._start(x.size)
        if x.shape != (self._n,) or x_trial.shape != (self._n,):
            raise ValueError(
                f"append: this Trace records {self._n} parameters, the step has "
                f"x of shape {x.shape} and x_trial of shape {x_trial.shape}"
            )
        self._append(step, x, x_trial)

    # -- reading -----------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of parameters of the fit recorded."""
        return self._n

    def __len__(self) -> int:
        return self._size

    def __getattr__(self, name: str) -> np.ndarray:
        if name not in FIELDS:
            raise AttributeError(
                f"'Trace' has no attribute {name!r}; columns are {', '.join(FIELDS)}"
            )
        column = self.__dict__["_columns"].get(name)
        if column is None:
            column = np.empty((0, self._n) if name in VECTOR_FIELDS else 0, dtype=_DTYPES[name])
        view = column[: self._size]
        view = view.astype(bool) if name == "accepted" else view.view()
        view.flags.writeable = False
        return view

    def __getitem__(self, index):
        """The record at `index` as a TrialStep (a list of them for a slice)."""
        if isinstance(index, slice):
            return [self[i] for i in range(self._size)[index]]
        i = range(self._size)[index]
        c = self._columns
        return TrialStep(
            int(c["iteration"][i]),
            int(c["nfev"][i]),
            int(c["njev"][i]),
            c["x"][i].copy(),
            c["x_trial"][i].copy(),
            *(float(c[name][i]) for name in FLOAT_FIELDS),
            bool(c["accepted"][i]),
        )

    def __iter__(self):
        return (self[i] for i in range(self._size))

    def __repr__(self) -> str:
        if self._size == 0:
            return "Trace(empty)"
        tried = np.isfinite(self.pnorm)  # the start and a closing Jacobian record tried no point
        accepted = int(np.sum(tried & self.accepted))
        return (
            f"Trace({int(tried.sum())} trial steps, {accepted} accepted, n={self._n}, "
            f"fnorm {self.fnorm[0]:.6g} -> {self.fnorm[-1]:.6g})"
        )

    def columns(self) -> dict[str, np.ndarray]:
        """All columns, by field name, of the same length even while a fit
        is still appending (a snapshot: read-only views of the first
        `len(self)` records at the time of the call)."""
        size = self._size
        return {name: getattr(self, name)[:size] for name in FIELDS}

    def chunks(self, start: int = 0, stop: int | None = None):
        """Records start..stop as `({name, dtype, shape} list, buffers)`:
        little-endian binary columns for the widget's stream."""
        stop = self._size if stop is None else min(stop, self._size)
        if not 0 <= start <= stop:
            raise ValueError(
                f"chunks needs 0 <= start <= stop <= {self._size}, got start={start}, stop={stop}"
            )
        header, buffers = [], []
        for name in FIELDS:
            column = getattr(self, name)
            block = np.ascontiguousarray(column[start:stop], dtype=_DTYPES[name])
            header.append({"name": name, "dtype": _DTYPES[name].name, "shape": list(block.shape)})
            buffers.append(memoryview(block.tobytes()))
        return header, buffers

    def plot(self, fig=None, *, names=None):
        """Draw the trace's panels with matplotlib; returns the Figure."""
        from .plotting import plot_trace

        return plot_trace(self, fig=fig, names=names)
