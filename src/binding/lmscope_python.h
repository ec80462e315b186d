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

/* Everything one fit has on the C side.  Python allocates it (zeroed) and
   reads `state` for the counts and the status. */
typedef struct lm_python_run {
    lm_state state;
    lm_problem problem;
    lm_python_context *context;   /* owned: set by lm_python_open, freed by lm_python_close */
    volatile int stop_flag;       /* lm_python_request_stop sets it; the kernels look at it */
} lm_python_run;

/* Read the fit's Python objects from `fit_context` (the address of an
   lmscope._callbacks.FitContext, which must stay alive until the call
   returns) into the typed context, holding a reference to each, and fill
   run->problem.  Returns NULL, or the name of the attribute that was
   missing or of the wrong kind (nothing is then held).  Takes the GIL. */
const char *lm_python_open(lm_python_run *run, void *fit_context, int m, int n, double ftol,
                           double xtol, double gtol, int maxfev, double epsfcn, double factor,
                           int scale_given, int has_dfun, int col_deriv, int jacobian_ready);

/* lm_init and lm_solve in one call, with the GIL policy of python_bridge.c.
   fvec holds f(x0) already.  Returns the final status. */
int lm_python_solve(lm_python_run *run, double *x, double *fvec, double *fjac, double *diag,
                    double *qtf, int *ipvt, double *work);

/* Ask a running fit to stop (from any thread, without the GIL): the
   engine's long kernels look at the flag, as the callbacks do. */
void lm_python_request_stop(lm_python_run *run);

/* Whether a stop watcher is worth its thread: the C work between two
   callbacks of this problem can take long enough to notice (m n^2). */
int lm_python_long_kernels(int m, int n);

/* Drop the references lm_python_open took and free the context; a second
   call does nothing.  Takes the GIL. */
void lm_python_close(lm_python_run *run);

#endif
