/*
 * The engine's residual and Jacobian callbacks for Python functions (used by
 * the cffi module only; the engine itself knows nothing of Python).
 *
 * Why in C: a fit of a cheap function is dominated by the cost of crossing
 * into Python.  Calling `func` through the CPython API directly (as SciPy's
 * wrapper does) costs a fraction of a cffi callback plus a Python trampoline,
 * which is what makes `leastsq` as fast as SciPy's on small problems.
 *
 * The Python objects come as one tuple, held by the fit's context in Python,
 * which outlives every call: a borrowed reference.  It is a `void *` here
 * because this header is also read by the cffi builder, which knows no
 * PyObject: plain declarations only.
 */
#ifndef LMSCOPE_PYTHON_CALLBACKS_H
#define LMSCOPE_PYTHON_CALLBACKS_H

/* The items of lm_python_fit.objects, by position. */
enum lm_python_object {
    LM_PY_FUNC = 0,             /* func(x, *args) -> residuals */
    LM_PY_DFUN = 1,             /* Dfun(x, *args) -> Jacobian, or None */
    LM_PY_ARGS = 2,             /* tuple of extra arguments */
    LM_PY_NEW_POINT = 3,        /* () -> a fresh float64 array holding x_eval */
    LM_PY_STOP_IS_SET = 4,      /* () -> bool, or None */
    LM_PY_RESIDUALS_AS_FLOAT64 = 5,  /* (values) -> float64 vector of length m, or raises */
    LM_PY_JACOBIAN_AS_FLOAT64 = 6,   /* (values) -> C-contiguous float64 (n, m), or raises */
    LM_PY_STORE_ERROR = 7,      /* (exception) -> True for StopFit (stop cleanly), else
                                   None after keeping it for re-raising */
    LM_PY_OBJECTS = 8
};

typedef struct lm_python_fit {
    void *objects;         /* tuple of LM_PY_OBJECTS items, borrowed */
    double *x_eval;        /* n: where the point is put for new_point */
    int col_deriv;         /* Dfun returns (n, m) instead of (m, n) */
    int jacobian_ready;    /* fjac already holds the Jacobian at x0 */
} lm_python_fit;

/* Everything one fit allocates on the C side, in one piece. */
typedef struct lm_python_run {
    lm_state state;
    lm_problem problem;
    lm_python_fit fit;
} lm_python_run;

/* Fill run's problem and fit for a Python fit: the callbacks below, user
   data pointing at run->fit (one call instead of a dozen field writes from
   Python, which count when func is cheap).  Dfun is used when has_dfun. */
void lm_python_setup(lm_python_run *run, int m, int n, double ftol, double xtol,
                     double gtol, int maxfev, double epsfcn, double factor,
                     int scale_given, void *objects, double *x_eval, int has_dfun,
                     int col_deriv, int jacobian_ready);

/* lm_residual_fn and lm_jacobian_fn for a `user` that is an lm_python_fit.
   They take the GIL for the call and give it back. */
int lm_python_residual(void *user, int m, int n, const double *x, double *fvec, int kind);
int lm_python_jacobian(void *user, int m, int n, const double *x, double *fjac, int ldfjac);

#endif
