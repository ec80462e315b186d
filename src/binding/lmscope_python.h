/*
 * lmscope's CPython bridge: runs the engine (src/engine, pure C) on a
 * Python fit, calling the user's func and Dfun through the CPython API.
 *
 * Why in C: a fit of a cheap function is dominated by the cost of crossing
 * into Python.  Calling func directly (as SciPy's wrapper does) costs a
 * fraction of a cffi callback plus a Python trampoline.
 *
 * This header is also read by the cffi builder (build_engine.py), which
 * drops the preprocessor lines and knows no PyObject: plain declarations.
 * The typed context, which holds the Python objects, is private to
 * python_bridge.c; Python sees only the engine's state and these calls.
 */
#ifndef LMSCOPE_PYTHON_H
#define LMSCOPE_PYTHON_H

#include "lmscope_engine.h"

typedef struct lm_python_context lm_python_context;

/* Returned instead of a status when the fit context is incomplete. */
enum lm_python_error {
    LM_PY_BAD_CONTEXT = -100
};

/* Everything one fit has on the C side.  Python allocates it (zeroed) and
   reads `state` for the counts and the status. */
typedef struct lm_python_run {
    lm_state state;
    lm_problem problem;
    lm_python_context *context;   /* owned while the fit runs; see python_bridge.c */
    const char *rejected;         /* after LM_PY_BAD_CONTEXT: the attribute at fault */
    volatile int stop_flag;       /* lm_python_request_stop sets it; the kernels look at it */
} lm_python_run;

/* A whole fit in one call: read the fit's Python objects and buffers from
   `fit_context` (the address of an lmscope._callbacks.FitContext, alive for
   the call) into a typed context, checking each, then lm_init and lm_solve
   with the GIL policy of python_bridge.c, and let the objects go.  fvec
   holds f(x0) already; with has_dfun and jacobian_ready, fjac holds the
   Jacobian at x0.  Returns the final status, or LM_PY_BAD_CONTEXT with
   run->rejected naming what was missing or of the wrong kind. */
int lm_python_solve(lm_python_run *run, void *fit_context, int m, int n, double ftol,
                    double xtol, double gtol, int maxfev, double epsfcn, double factor,
                    int scale_given, int has_dfun, int col_deriv, int jacobian_ready);

/* The same reading and lm_init, for a caller that then calls lm_step on
   &run->state itself (to watch every trial) and lm_python_close at the end;
   start and recorded as for lm_init. */
int lm_python_start(lm_python_run *run, void *fit_context, int m, int n, double ftol,
                    double xtol, double gtol, int maxfev, double epsfcn, double factor,
                    int scale_given, int has_dfun, int col_deriv, int jacobian_ready,
                    lm_trial_step *start, int *recorded);

/* Drop the references lm_python_start took; a second call (or one after
   lm_python_solve) does nothing. */
void lm_python_close(lm_python_run *run);

/* Ask a running fit to stop (from any thread, without the GIL): the
   engine's long kernels look at the flag, as the callbacks do. */
void lm_python_request_stop(lm_python_run *run);

/* Whether a stop watcher is worth its thread: the C work between two
   callbacks of this problem can take long enough to notice (m n^2). */
int lm_python_long_kernels(int m, int n);

#endif
