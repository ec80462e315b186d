"""How a fit ended, in the widget's words: one outcome per `ier`, and for each
a plain sentence on what happened and what to try.

The outcomes are the states the page shows on its root element
(`data-outcome`): `success` for ier 1-4, `failure` for ier 0, 5-8, -1 and -3,
`stopped` for -2, and `error` when the user's code raised.  The sentences
follow notebook 03 ("Why a fit stops"), whose ier table they summarise.
"""

from __future__ import annotations

from dataclasses import dataclass

SUCCESS, FAILURE, STOPPED, ERROR = "success", "failure", "stopped", "error"
IDLE, RUNNING, PAUSED = "idle", "running", "paused"
STATES = (IDLE, RUNNING, PAUSED, SUCCESS, FAILURE, STOPPED, ERROR)

# ier -> (outcome, what happened, what to try)
_BY_IER = {
    1: (
        SUCCESS,
        "Converged: the sum of squares stopped decreasing (ftol test).",
        "Check the residuals and the uncertainties.",
    ),
    2: (
        SUCCESS,
        "Converged: the parameters stopped moving (xtol test).",
        "Check the residuals and the uncertainties.",
    ),
    3: (
        SUCCESS,
        "Converged: both the sum of squares and the parameters settled.",
        "Check the residuals and the uncertainties.",
    ),
    4: (
        SUCCESS,
        "Converged: the gradient is nearly zero (gtol test).",
        "If gtol was large, tighten it or leave it at 0.",
    ),
    0: (
        FAILURE,
        "Nothing was done: a setting is improper.",
        "Read the message: it names the bad setting.",
    ),
    5: (
        FAILURE,
        "Not converged: the fit ran out of function evaluations (maxfev).",
        "Raise maxfev, or find out why it is slow: a poor start, bad scaling, "
        "a singular Jacobian. An analytic Dfun saves n calls per iteration.",
    ),
    6: (
        FAILURE,
        "ftol is too small: no further reduction of the sum of squares is possible.",
        "Use the default tolerances; the result is usually fine, check ‖f‖.",
    ),
    7: (
        FAILURE,
        "xtol is too small: no further improvement of x is possible.",
        "Use the default tolerances; the result is usually fine, check ‖f‖.",
    ),
    8: (
        FAILURE,
        "gtol is too small: f is orthogonal to the Jacobian to machine precision.",
        "Usually a solution: check ‖f‖.",
    ),
    -1: (FAILURE, "The fit ended without a result.", "Read the message."),
    -2: (
        STOPPED,
        "Stopped on request; x is the last accepted point.",
        "Fit again to continue from there, or change a slider.",
    ),
    -3: (
        FAILURE,
        "The residuals or the Jacobian were not finite where the fit went.",
        "Make func finite there: reparametrize (fit log k instead of k) or start elsewhere.",
    ),
}


@dataclass(frozen=True)
class Outcome:
    """How one fit ended, as the page shows it and `w.outcome` returns it."""

    state: str  # success, failure, stopped or error
    fit_id: int
    ier: int | None  # None after an error
    mesg: str  # leastsq's message, or the exception's "Type: text"
    summary: str  # what happened, in plain words
    advice: str  # what to try

    def as_message(self) -> dict:
        return {
            "state": self.state,
            "fit_id": int(self.fit_id),
            "ier": self.ier,
            "mesg": self.mesg,
            "summary": self.summary,
            "advice": self.advice,
        }


def of_ier(fit_id: int, ier: int, mesg: str) -> Outcome:
    state, summary, advice = _BY_IER.get(
        int(ier), (FAILURE, f"The fit ended with an unknown code {ier}.", "Read the message.")
    )
    return Outcome(state, fit_id, int(ier), " ".join(str(mesg).split()), summary, advice)


def of_error(fit_id: int, error: BaseException) -> Outcome:
    where = "func" if not isinstance(error, KeyboardInterrupt) else "the kernel"
    return Outcome(
        ERROR,
        fit_id,
        None,
        f"{type(error).__name__}: {error}",
        f"The fit failed: {where} raised {type(error).__name__}.",
        "Look at the exception (w.error has its traceback), fix the model, then fit again.",
    )
