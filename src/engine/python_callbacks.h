/*
 * Glue between the engine's callbacks and Python (used by the cffi module
 * only; the engine itself knows nothing of Python).
 *
 * The engine hands its callbacks pointers into its own workspace.  Turning
 * each pointer into a numpy array on the Python side costs more than the
 * rest of a call's overhead together, so these adapters copy the point into
 * a fixed buffer that Python wrapped once per fit, call Python with only the
 * fit's handle, and copy f back.  The copies are O(n + m) per call.
 *
 * This header is also read by the cffi builder: plain declarations only.
 */
#ifndef LMSCOPE_PYTHON_CALLBACKS_H
#define LMSCOPE_PYTHON_CALLBACKS_H

typedef struct lm_python_fit {
    void *handle;       /* the fit's Python context (ffi.new_handle) */
    double *x_eval;     /* n: the point Python evaluates at */
    double *f_eval;     /* m: where Python writes f(x_eval) */
    double *jac_eval;   /* m x n column-major: where Python writes the Jacobian */
} lm_python_fit;

/* lm_residual_fn and lm_jacobian_fn for a `user` that is an lm_python_fit. */
int lm_python_residual(void *user, int m, int n, const double *x, double *fvec, int kind);
int lm_python_jacobian(void *user, int m, int n, const double *x, double *fjac, int ldfjac);

#endif
