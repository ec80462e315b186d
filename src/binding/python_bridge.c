/*
 * Calling the user's Python functions from the engine; see lmscope_python.h.
 *
 * Each call: hand the user a fresh float64 array holding the point, call
 * the function with the extra arguments, copy the result into the engine's
 * buffer.  A result that is already a C-contiguous float64 array of the
 * right shape is copied straight from its memory; any other (a list,
 * float32, a wrong shape) goes through a Python converter, which either
 * makes it such an array or raises an error that says what came back.  An
 * exception (the user's, a converter's, KeyboardInterrupt) is appended to
 * the context's error list and the engine is told to stop; Python re-raises
 * it once the engine has returned (lmscope.StopFit only stops the fit).
 * Storing it runs no Python code, so a signal cannot land in between and
 * lose it.
 *
 * The GIL, like numpy: a fit whose C work between two callbacks is small
 * (m n^2 up to HOLD_WORK) holds the GIL from its start instead of taking
 * and releasing it around every callback, which costs more than the C work
 * itself; after HOLD_SECONDS it goes back to releasing it between callbacks,
 * so that a long fit never keeps other threads waiting for more than one
 * call of func.  Larger problems release it from the start: their QR
 * factorizations and LM parameter searches run without the GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <string.h>
#include <time.h>
#include "lmscope_engine.h"
#include "lmscope_python.h"

static const double HOLD_WORK = 1.0e6;       /* m n^2 of a problem that keeps the GIL */
static const double HOLD_SECONDS = 1.0e-3;   /* ... for at most this long */
static const double LONG_KERNEL_WORK = 2.0e7;  /* m n^2 worth a stop watcher (~10 ms of QR) */

/* Who holds the GIL while the engine runs. */
enum gil_mode {
    GIL_PER_CALL,     /* nobody: each callback takes it and gives it back (lm_step from Python) */
    GIL_HELD,         /* lm_python_solve took it for the whole fit */
    GIL_SAVED         /* lm_python_solve took it, then released it between callbacks */
};

/* The typed context: what the callbacks need, read once from the
   FitContext by lm_python_open, each a strong reference. */
struct lm_python_context {
    PyObject *func;                 /* func(x, *args) -> residuals */
    PyObject *dfun;                 /* Dfun(x, *args) -> Jacobian, or None */
    PyObject *args;                 /* tuple of extra arguments */
    PyObject *stop_is_set;          /* () -> bool, or None */
    PyObject *residuals_as_float64; /* (values) -> float64 vector of length m, or raises */
    PyObject *jacobian_as_float64;  /* (values) -> C-contiguous float64 (n, m), or raises */
    PyObject *errors;               /* list: an exception from a callback is appended */
    PyObject *stop_fit;             /* lmscope.StopFit: stops the fit, not re-raised */
    int n;
    int col_deriv;                  /* Dfun returns (n, m) instead of (m, n) */
    int jacobian_ready;             /* fjac already holds the Jacobian at x0 */
    enum gil_mode gil;
    PyGILState_STATE gil_state;     /* GIL_PER_CALL: the state of the current callback */
    PyThreadState *thread;          /* GIL_SAVED: the fit's thread while the engine runs */
    double hold_until;              /* GIL_HELD: monotonic seconds */
};

static double monotonic_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + 1.0e-9 * (double)now.tv_nsec;
}

/* The GIL for one callback, and after it. */
static void enter(lm_python_context *c)
{
    if (c->gil == GIL_PER_CALL)
        c->gil_state = PyGILState_Ensure();
    else if (c->gil == GIL_SAVED)
        PyEval_RestoreThread(c->thread);
}

static void leave(lm_python_context *c)
{
    if (c->gil == GIL_PER_CALL) {
        PyGILState_Release(c->gil_state);
    } else if (c->gil == GIL_SAVED) {
        c->thread = PyEval_SaveThread();
    } else if (monotonic_seconds() > c->hold_until) {
        c->gil = GIL_SAVED;
        c->thread = PyEval_SaveThread();
    }
}

/* obj as a C-contiguous float64 array of shape (rows) (cols == 0) or
   (rows, cols), or NULL (no Python error set). */
static PyArrayObject *float64_array(PyObject *obj, npy_intp rows, npy_intp cols)
{
    if (!PyArray_Check(obj))
        return NULL;
    PyArrayObject *array = (PyArrayObject *)obj;
    int ndim = cols == 0 ? 1 : 2;
    if (PyArray_TYPE(array) != NPY_DOUBLE || !PyArray_ISNOTSWAPPED(array)
        || !PyArray_IS_C_CONTIGUOUS(array) || PyArray_NDIM(array) != ndim
        || PyArray_DIM(array, 0) != rows || (ndim == 2 && PyArray_DIM(array, 1) != cols))
        return NULL;
    return array;
}

/* values converted by the Python converter (a new reference), or NULL. */
static PyObject *converted(PyObject *converter, PyObject *values, npy_intp rows, npy_intp cols)
{
    PyObject *array = PyObject_CallOneArg(converter, values);
    if (array != NULL && float64_array(array, rows, cols) == NULL) {
        Py_DECREF(array);
        PyErr_SetString(PyExc_SystemError, "lmscope: a converter returned an unexpected array");
        return NULL;
    }
    return array;
}

/* fn(x, *args) for a fresh array holding x; a new reference or NULL. */
static PyObject *call_at_point(lm_python_context *c, PyObject *fn, const double *x)
{
    npy_intp n = c->n;
    PyObject *point = PyArray_SimpleNew(1, &n, NPY_DOUBLE);
    if (point == NULL)
        return NULL;
    memcpy(PyArray_DATA((PyArrayObject *)point), x, sizeof(double) * (size_t)n);
    Py_ssize_t nargs = PyTuple_GET_SIZE(c->args);
    PyObject *result;
    if (nargs == 0) {
        result = PyObject_CallOneArg(fn, point);
    } else {
        PyObject *call_args = PyTuple_New(1 + nargs);
        if (call_args == NULL) {
            Py_DECREF(point);
            return NULL;
        }
        Py_INCREF(point);
        PyTuple_SET_ITEM(call_args, 0, point);
        for (Py_ssize_t i = 0; i < nargs; i++) {
            PyObject *item = PyTuple_GET_ITEM(c->args, i);
            Py_INCREF(item);
            PyTuple_SET_ITEM(call_args, i + 1, item);
        }
        result = PyObject_Call(fn, call_args, NULL);
        Py_DECREF(call_args);
    }
    Py_DECREF(point);
    return result;
}

/* LM_USER_STOP if the stop event is set, 0 if not, -1 on a Python error. */
static int stop_requested(lm_python_context *c)
{
    if (c->stop_is_set == Py_None)
        return 0;
    PyObject *answer = PyObject_CallNoArgs(c->stop_is_set);
    if (answer == NULL)
        return -1;
    int truth = PyObject_IsTrue(answer);
    Py_DECREF(answer);
    return truth < 0 ? -1 : (truth ? LM_USER_STOP : 0);
}

/* The pending Python exception, traceback attached, becomes the fit's:
   LM_USER_STOP for lmscope.StopFit (nothing kept), else appended to the
   error list, LM_CALLBACK_ERROR.  C API calls only, no Python code. */
static int carry_error(lm_python_context *c)
{
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    int flag = LM_CALLBACK_ERROR;
    if (value != NULL) {
        if (traceback != NULL)
            PyException_SetTraceback(value, traceback);
        if (PyErr_GivenExceptionMatches(value, c->stop_fit))
            flag = LM_USER_STOP;
        else if (PyList_Append(c->errors, value) < 0)
            PyErr_Clear();   /* out of memory: Python reports the lost error */
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    return flag;
}

/* The end of both callbacks: a Python error (flag -1) becomes the fit's. */
static int finish_call(lm_python_context *c, int flag)
{
    if (flag < 0 && flag != LM_USER_STOP)
        flag = carry_error(c);
    leave(c);
    return flag;
}

static int residual(void *user, int m, int n, const double *x, double *fvec, int kind)
{
    lm_python_context *c = user;
    (void)n;
    (void)kind;   /* Python needs only the point */
    enter(c);
    int flag = stop_requested(c);
    if (flag == 0) {
        PyObject *result = call_at_point(c, c->func, x);
        if (result != NULL && float64_array(result, m, 0) == NULL) {
            PyObject *array = converted(c->residuals_as_float64, result, m, 0);
            Py_DECREF(result);
            result = array;
        }
        if (result != NULL) {
            memcpy(fvec, PyArray_DATA((PyArrayObject *)result), sizeof(double) * (size_t)m);
            Py_DECREF(result);
        } else {
            flag = -1;
        }
    }
    return finish_call(c, flag);
}

/* Rows of this many doubles are transposed at a time: the rows read stay in
   the cache while each column gets a whole cache line of writes. */
#define TRANSPOSE_ROWS 8

/* fjac's column j (leading dimension ld) := column j of the C-ordered
   (m, n) array jac. */
static void transpose_into(int m, int n, const double *jac, double *fjac, int ldfjac)
{
    for (int i0 = 0; i0 < m; i0 += TRANSPOSE_ROWS) {
        const int rows = m - i0 < TRANSPOSE_ROWS ? m - i0 : TRANSPOSE_ROWS;
        for (int j = 0; j < n; j++) {
            double *column = fjac + (size_t)j * (size_t)ldfjac + i0;
            const double *entry = jac + (size_t)i0 * (size_t)n + (size_t)j;
            for (int i = 0; i < rows; i++)
                column[i] = entry[(size_t)i * (size_t)n];
        }
    }
}

static int jacobian(void *user, int m, int n, const double *x, double *fjac, int ldfjac)
{
    lm_python_context *c = user;
    enter(c);
    int flag = stop_requested(c);
    if (flag == 0 && c->jacobian_ready) {
        c->jacobian_ready = 0;        /* Python put Dfun(x0) in fjac already */
    } else if (flag == 0) {
        PyObject *result = call_at_point(c, c->dfun, x);
        /* Fast path: what Dfun returns as it is, (m, n), or (n, m) with
           col_deriv; else the converter's (n, m) rows. */
        int transposed = 0;
        if (result != NULL) {
            if (!c->col_deriv && float64_array(result, m, n) != NULL) {
                transposed = 1;
            } else if (!(c->col_deriv && float64_array(result, n, m) != NULL)) {
                PyObject *array = converted(c->jacobian_as_float64, result, n, m);
                Py_DECREF(result);
                result = array;
            }
        }
        if (result != NULL) {
            const double *jac = PyArray_DATA((PyArrayObject *)result);
            if (transposed)
                transpose_into(m, n, jac, fjac, ldfjac);
            else
                for (int j = 0; j < n; j++)
                    memcpy(fjac + (size_t)j * (size_t)ldfjac, jac + (size_t)j * (size_t)m,
                           sizeof(double) * (size_t)m);
            Py_DECREF(result);
        } else {
            flag = -1;
        }
    }
    return finish_call(c, flag);
}

/* Attribute `name` of obj: a callable (or None when may_be_none), a tuple,
   a list or an exception class, as `kind` says.  A new reference or NULL. */
enum kind { CALLABLE, CALLABLE_OR_NONE, TUPLE, LIST, EXCEPTION_CLASS };

static PyObject *read_field(PyObject *obj, const char *name, enum kind kind)
{
    PyObject *value = PyObject_GetAttrString(obj, name);
    if (value == NULL) {
        PyErr_Clear();
        return NULL;
    }
    int ok;
    switch (kind) {
    case CALLABLE: ok = PyCallable_Check(value); break;
    case CALLABLE_OR_NONE: ok = value == Py_None || PyCallable_Check(value); break;
    case TUPLE: ok = PyTuple_Check(value); break;
    case LIST: ok = PyList_Check(value); break;
    default: ok = PyExceptionClass_Check(value); break;
    }
    if (!ok)
        Py_CLEAR(value);
    return value;
}

static void drop_references(lm_python_context *c)
{
    Py_CLEAR(c->func);
    Py_CLEAR(c->dfun);
    Py_CLEAR(c->args);
    Py_CLEAR(c->stop_is_set);
    Py_CLEAR(c->residuals_as_float64);
    Py_CLEAR(c->jacobian_as_float64);
    Py_CLEAR(c->errors);
    Py_CLEAR(c->stop_fit);
}

const char *lm_python_open(lm_python_run *run, void *fit_context, int m, int n, double ftol,
                           double xtol, double gtol, int maxfev, double epsfcn, double factor,
                           int scale_given, int has_dfun, int col_deriv, int jacobian_ready)
{
    PyGILState_STATE gil = PyGILState_Ensure();
    const char *bad = NULL;
    if (PyArray_API == NULL && _import_array() < 0) {
        PyErr_Clear();
        PyGILState_Release(gil);
        return "numpy's C API";
    }
    lm_python_context *c = PyMem_RawCalloc(1, sizeof *c);
    if (c == NULL) {
        PyGILState_Release(gil);
        return "memory for the context";
    }
    PyObject *obj = fit_context;
    struct { PyObject **slot; const char *name; enum kind kind; } fields[] = {
        {&c->func, "func", CALLABLE},
        {&c->dfun, "dfun", has_dfun ? CALLABLE : CALLABLE_OR_NONE},
        {&c->args, "args", TUPLE},
        {&c->stop_is_set, "stop_is_set", CALLABLE_OR_NONE},
        {&c->residuals_as_float64, "residuals_as_float64", CALLABLE},
        {&c->jacobian_as_float64, "jacobian_as_float64", CALLABLE},
        {&c->errors, "errors", LIST},
        {&c->stop_fit, "stop_fit", EXCEPTION_CLASS},
    };
    for (size_t k = 0; k < sizeof fields / sizeof fields[0] && bad == NULL; k++) {
        *fields[k].slot = read_field(obj, fields[k].name, fields[k].kind);
        if (*fields[k].slot == NULL)
            bad = fields[k].name;
    }
    if (bad != NULL) {
        drop_references(c);
        PyMem_RawFree(c);
        PyGILState_Release(gil);
        return bad;
    }
    PyGILState_Release(gil);

    c->n = n;
    c->col_deriv = col_deriv;
    c->jacobian_ready = jacobian_ready;
    c->gil = GIL_PER_CALL;
    run->context = c;
    run->stop_flag = 0;

    lm_problem *problem = &run->problem;
    problem->m = m;
    problem->n = n;
    problem->residual = residual;
    problem->jacobian = has_dfun ? jacobian : NULL;
    problem->user = c;
    problem->ftol = ftol;
    problem->xtol = xtol;
    problem->gtol = gtol;
    problem->maxfev = maxfev;
    problem->epsfcn = epsfcn;
    problem->factor = factor;
    problem->scale_given = scale_given;
    problem->stop_flag = &run->stop_flag;
    return NULL;
}

int lm_python_solve(lm_python_run *run, double *x, double *fvec, double *fjac, double *diag,
                    double *qtf, int *ipvt, double *work)
{
    lm_python_context *c = run->context;
    const lm_problem *p = &run->problem;
    PyGILState_STATE gil = PyGILState_UNLOCKED;
    const int hold = (double)p->m * (double)p->n * (double)p->n <= HOLD_WORK;
    if (hold) {
        gil = PyGILState_Ensure();
        c->gil = GIL_HELD;
        c->hold_until = monotonic_seconds() + HOLD_SECONDS;
    }
    int recorded;
    int status = lm_init(&run->state, p, x, fvec, fjac, diag, qtf, ipvt, work, fvec, NULL,
                         &recorded);
    if (status == LM_RUNNING)
        status = lm_solve(&run->state);
    if (hold) {
        if (c->gil == GIL_SAVED)
            PyEval_RestoreThread(c->thread);
        c->gil = GIL_PER_CALL;
        PyGILState_Release(gil);
    }
    return status;
}

void lm_python_request_stop(lm_python_run *run)
{
    run->stop_flag = 1;
}

int lm_python_long_kernels(int m, int n)
{
    return (double)m * (double)n * (double)n >= LONG_KERNEL_WORK;
}

void lm_python_close(lm_python_run *run)
{
    lm_python_context *c = run->context;
    if (c == NULL)
        return;
    run->context = NULL;
    run->problem.user = NULL;
    PyGILState_STATE gil = PyGILState_Ensure();
    drop_references(c);
    PyGILState_Release(gil);
    PyMem_RawFree(c);
}
