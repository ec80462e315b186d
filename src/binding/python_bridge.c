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
 * The GIL: lm_python_solve takes it once to read the context, then lets
 * it go while the engine computes and takes it back only around each call
 * of func or Dfun, so a fit on one thread never stalls the others for
 * longer than one such call.  Keeping it between the callbacks of a small
 * fit (as numpy does for small arrays) saves about 70 ns per callback, but
 * was measured to starve other threads: cffi releases the GIL around every
 * call into C, and a thread that takes it back at once keeps a waiting
 * thread from ever getting it (a worker running tiny fits in a loop stalled
 * the main thread for 25-90 ms, against 3-6 ms with this policy).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <string.h>
#include "lmscope_engine.h"
#include "lmscope_python.h"

static const double LONG_KERNEL_WORK = 2.0e7;  /* m n^2 worth a stop watcher (~10 ms of QR) */

/* How the callbacks get the GIL. */
enum gil_mode {
    GIL_PER_CALL,     /* PyGILState for each callback (lm_step called from Python) */
    GIL_SAVED         /* lm_python_solve saved the thread state: restore it per callback */
};

/* The typed context: what the callbacks and the engine need, read once
   from the FitContext (open_context), each object a strong reference. */
struct lm_python_context {
    PyObject *func;                 /* func(x, *args) -> residuals */
    PyObject *dfun;                 /* Dfun(x, *args) -> Jacobian, or None */
    PyObject *args;                 /* tuple of extra arguments */
    PyObject *stop_is_set;          /* () -> bool, or None */
    PyObject *residuals_as_float64; /* (values, m) -> float64 vector of length m, or raises */
    PyObject *jacobian_as_float64;  /* (values, m, n, col_deriv) -> C-contiguous (n, m) */
    PyObject *errors;               /* list: an exception from a callback is appended */
    PyObject *stop_fit;             /* lmscope.StopFit: stops the fit, not re-raised */
    PyObject *arrays[6];            /* x, fvec, fjac, qtf, ipvt, work: the engine's buffers */
    PyObject *spare_point;          /* the last point array, unused by the user, or NULL */
    double *x, *fvec, *fjac, *qtf, *work;
    int *ipvt;
    int m, n;
    int col_deriv;                  /* Dfun returns (n, m) instead of (m, n) */
    int jacobian_ready;             /* fjac already holds the Jacobian at x0 */
    enum gil_mode gil;
    PyGILState_STATE gil_state;     /* GIL_PER_CALL: the state of the current callback */
    PyThreadState *thread;          /* GIL_SAVED: the fit's thread while the engine runs */
};

/* The GIL for one callback, and after it. */
static void enter(lm_python_context *c)
{
    if (c->gil == GIL_PER_CALL)
        c->gil_state = PyGILState_Ensure();
    else
        PyEval_RestoreThread(c->thread);
}

static void leave(lm_python_context *c)
{
    if (c->gil == GIL_PER_CALL)
        PyGILState_Release(c->gil_state);
    else
        c->thread = PyEval_SaveThread();
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

/* func's result (jacobian == 0) or Dfun's converted by the context's
   converter, which is called with the sizes it needs: a new reference to a
   C-contiguous float64 array of length m or shape (n, m), or NULL. */
static PyObject *converted(const lm_python_context *c, PyObject *values, int jacobian)
{
    PyObject *array =
        jacobian ? PyObject_CallFunction(c->jacobian_as_float64, "Oiii", values, c->m, c->n,
                                         c->col_deriv)
                 : PyObject_CallFunction(c->residuals_as_float64, "Oi", values, c->m);
    npy_intp rows = jacobian ? c->n : c->m, cols = jacobian ? c->m : 0;
    if (array != NULL && float64_array(array, rows, cols) == NULL) {
        Py_DECREF(array);
        PyErr_SetString(PyExc_SystemError, "lmscope: a converter returned an unexpected array");
        return NULL;
    }
    return array;
}

/* Whether the point array handed to the user can be handed out again: it
   is still what the bridge made (a 1-D float64 array of n that owns its
   memory, writeable and C-contiguous) and, after the call, nobody else
   holds it or a weak reference to it, so nobody can see it change. */
static int reusable(PyObject *point, npy_intp n)
{
    PyArrayObject *array = (PyArrayObject *)point;
    const int flags = NPY_ARRAY_OWNDATA | NPY_ARRAY_WRITEABLE | NPY_ARRAY_C_CONTIGUOUS;
    return Py_REFCNT(point) == 1 && ((PyArrayObject_fields *)array)->weakreflist == NULL
           && (PyArray_FLAGS(array) & flags) == flags && PyArray_BASE(array) == NULL
           && PyArray_NDIM(array) == 1 && PyArray_DIM(array, 0) == n
           && PyArray_TYPE(array) == NPY_DOUBLE && PyArray_ISNOTSWAPPED(array);
}

/* Extra arguments passed on the C stack (more go through a tuple). */
#define STACK_ARGS 8

/* fn(x, *args) for an array holding x, fresh unless the one of the last
   call came back unused (making and freeing one costs more than a small
   fit's arithmetic); a new reference or NULL. */
static PyObject *call_at_point(lm_python_context *c, PyObject *fn, const double *x)
{
    npy_intp n = c->n;
    PyObject *point = c->spare_point;
    c->spare_point = NULL;
    if (point == NULL && (point = PyArray_SimpleNew(1, &n, NPY_DOUBLE)) == NULL)
        return NULL;
    memcpy(PyArray_DATA((PyArrayObject *)point), x, sizeof(double) * (size_t)n);
    Py_ssize_t nargs = PyTuple_GET_SIZE(c->args);
    PyObject *result;
    if (nargs < STACK_ARGS) {
        PyObject *stack[1 + STACK_ARGS];
        stack[0] = point;
        for (Py_ssize_t i = 0; i < nargs; i++)
            stack[i + 1] = PyTuple_GET_ITEM(c->args, i);
        result = PyObject_Vectorcall(fn, stack, (size_t)(1 + nargs), NULL);
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
    if (reusable(point, n))
        c->spare_point = point;
    else
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
            PyObject *array = converted(c, result, 0);
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
                PyObject *array = converted(c, result, 1);
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

/* What an attribute of the FitContext must be. */
enum kind { CALLABLE, CALLABLE_OR_NONE, TUPLE, LIST, EXCEPTION_CLASS, FLOAT64, INT };

struct field {
    const char *name;
    enum kind kind;
};

/* In the order of the context's PyObject fields, then its arrays. */
static const struct field FIELDS[] = {
    {"func", CALLABLE}, {"dfun", CALLABLE_OR_NONE}, {"args", TUPLE},
    {"stop_is_set", CALLABLE_OR_NONE}, {"residuals_as_float64", CALLABLE},
    {"jacobian_as_float64", CALLABLE}, {"errors", LIST}, {"stop_fit", EXCEPTION_CLASS},
    {"x", FLOAT64}, {"fvec", FLOAT64}, {"fjac", FLOAT64}, {"qtf", FLOAT64}, {"ipvt", INT},
    {"work", FLOAT64},
};
#define FIELD_COUNT (sizeof FIELDS / sizeof FIELDS[0])
#define OBJECT_COUNT 8

/* The field names as interned strings, made once (under the GIL). */
static PyObject *field_names[FIELD_COUNT];

static int intern_names(void)
{
    if (field_names[FIELD_COUNT - 1] != NULL)
        return 0;
    for (size_t k = 0; k < FIELD_COUNT; k++)
        if (field_names[k] == NULL
            && (field_names[k] = PyUnicode_InternFromString(FIELDS[k].name)) == NULL)
            return -1;
    return 0;
}

/* Whether value is what `kind` asks for; arrays must be writeable, aligned,
   C-contiguous, of the native dtype and hold exactly `size` elements. */
static int is_kind(PyObject *value, enum kind kind, npy_intp size)
{
    switch (kind) {
    case CALLABLE: return PyCallable_Check(value);
    case CALLABLE_OR_NONE: return value == Py_None || PyCallable_Check(value);
    case TUPLE: return PyTuple_Check(value);
    case LIST: return PyList_Check(value);
    case EXCEPTION_CLASS: return PyExceptionClass_Check(value);
    default: break;
    }
    if (!PyArray_Check(value))
        return 0;
    PyArrayObject *array = (PyArrayObject *)value;
    return PyArray_TYPE(array) == (kind == INT ? NPY_INT : NPY_DOUBLE)
           && PyArray_ISNOTSWAPPED(array) && PyArray_ISCARRAY(array)
           && PyArray_SIZE(array) == size;
}

static void drop_references(lm_python_context *c)
{
    PyObject **objects[OBJECT_COUNT] = {
        &c->func, &c->dfun, &c->args, &c->stop_is_set, &c->residuals_as_float64,
        &c->jacobian_as_float64, &c->errors, &c->stop_fit,
    };
    for (int k = 0; k < OBJECT_COUNT; k++)
        Py_CLEAR(*objects[k]);
    for (int k = 0; k < 6; k++)
        Py_CLEAR(c->arrays[k]);
    Py_CLEAR(c->spare_point);
}

/* With the GIL: read the FitContext into a new typed context (run->context)
   and fill run->problem.  NULL, or the name of the attribute at fault. */
static const char *open_context(lm_python_run *run, PyObject *fit_context, int m, int n,
                                double ftol, double xtol, double gtol, int maxfev,
                                double epsfcn, double factor, int scale_given, int has_dfun,
                                int col_deriv, int jacobian_ready)
{
    if (PyArray_API == NULL && _import_array() < 0) {
        PyErr_Clear();
        return "numpy's C API";
    }
    if (intern_names() < 0) {
        PyErr_Clear();
        return "memory for the field names";
    }
    lm_python_context *c = PyMem_RawCalloc(1, sizeof *c);
    if (c == NULL)
        return "memory for the context";
    PyObject **objects[OBJECT_COUNT] = {
        &c->func, &c->dfun, &c->args, &c->stop_is_set, &c->residuals_as_float64,
        &c->jacobian_as_float64, &c->errors, &c->stop_fit,
    };
    const npy_intp sizes[6] = {
        n, m, (npy_intp)m * n, n, n, (npy_intp)lm_work_size(m, n) + n,
    };
    for (size_t k = 0; k < FIELD_COUNT; k++) {
        PyObject *value = PyObject_GetAttr(fit_context, field_names[k]);
        enum kind kind = FIELDS[k].kind;
        if (k == 1 && has_dfun)
            kind = CALLABLE;
        npy_intp size = k >= OBJECT_COUNT ? sizes[k - OBJECT_COUNT] : 0;
        if (value == NULL || !is_kind(value, kind, size)) {
            PyErr_Clear();
            Py_XDECREF(value);
            drop_references(c);
            PyMem_RawFree(c);
            return FIELDS[k].name;
        }
        if (k < OBJECT_COUNT)
            *objects[k] = value;
        else
            c->arrays[k - OBJECT_COUNT] = value;
    }
    c->x = PyArray_DATA((PyArrayObject *)c->arrays[0]);
    c->fvec = PyArray_DATA((PyArrayObject *)c->arrays[1]);
    c->fjac = PyArray_DATA((PyArrayObject *)c->arrays[2]);
    c->qtf = PyArray_DATA((PyArrayObject *)c->arrays[3]);
    c->ipvt = PyArray_DATA((PyArrayObject *)c->arrays[4]);
    c->work = PyArray_DATA((PyArrayObject *)c->arrays[5]);
    c->m = m;
    c->n = n;
    c->col_deriv = col_deriv;
    c->jacobian_ready = has_dfun && jacobian_ready;
    c->gil = GIL_PER_CALL;
    run->context = c;
    run->rejected = NULL;
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

/* With the GIL: let the context's objects go. */
static void close_context(lm_python_run *run)
{
    lm_python_context *c = run->context;
    if (c == NULL)
        return;
    run->context = NULL;
    run->problem.user = NULL;
    drop_references(c);
    PyMem_RawFree(c);
}

/* lm_init on the context's buffers; f(x0) is in fvec already. */
static int init(lm_python_run *run, lm_trial_step *start, int *recorded)
{
    lm_python_context *c = run->context;
    double *diag = c->work + lm_work_size(c->m, c->n);
    return lm_init(&run->state, &run->problem, c->x, c->fvec, c->fjac, diag, c->qtf, c->ipvt,
                   c->work, c->fvec, start, recorded);
}

int lm_python_solve(lm_python_run *run, void *fit_context, int m, int n, double ftol,
                    double xtol, double gtol, int maxfev, double epsfcn, double factor,
                    int scale_given, int has_dfun, int col_deriv, int jacobian_ready)
{
    PyGILState_STATE gil = PyGILState_Ensure();
    run->rejected = open_context(run, fit_context, m, n, ftol, xtol, gtol, maxfev, epsfcn,
                                 factor, scale_given, has_dfun, col_deriv, jacobian_ready);
    if (run->rejected != NULL) {
        PyGILState_Release(gil);
        return LM_PY_BAD_CONTEXT;
    }
    lm_python_context *c = run->context;
    c->gil = GIL_SAVED;
    c->thread = PyEval_SaveThread();
    int recorded;
    int status = init(run, NULL, &recorded);
    if (status == LM_RUNNING)
        status = lm_solve(&run->state);
    PyEval_RestoreThread(c->thread);
    close_context(run);
    PyGILState_Release(gil);
    return status;
}

int lm_python_start(lm_python_run *run, void *fit_context, int m, int n, double ftol,
                    double xtol, double gtol, int maxfev, double epsfcn, double factor,
                    int scale_given, int has_dfun, int col_deriv, int jacobian_ready,
                    lm_trial_step *start, int *recorded)
{
    PyGILState_STATE gil = PyGILState_Ensure();
    run->rejected = open_context(run, fit_context, m, n, ftol, xtol, gtol, maxfev, epsfcn,
                                 factor, scale_given, has_dfun, col_deriv, jacobian_ready);
    PyGILState_Release(gil);
    if (run->rejected != NULL) {
        *recorded = 0;
        return LM_PY_BAD_CONTEXT;
    }
    /* Each lm_step is a call from Python, which releases the GIL around it:
       the callbacks take it themselves. */
    return init(run, start, recorded);
}

void lm_python_close(lm_python_run *run)
{
    if (run->context == NULL)
        return;
    PyGILState_STATE gil = PyGILState_Ensure();
    close_context(run);
    PyGILState_Release(gil);
}

void lm_python_request_stop(lm_python_run *run)
{
    run->stop_flag = 1;
}

int lm_python_long_kernels(int m, int n)
{
    return (double)m * (double)n * (double)n >= LONG_KERNEL_WORK;
}
