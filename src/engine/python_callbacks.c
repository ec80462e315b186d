/*
 * Calling the user's Python functions from the engine; see python_callbacks.h.
 *
 * Each call: take the GIL, hand the user a fresh array holding the point,
 * call the function with the extra arguments, copy the result into the
 * engine's buffer, give the GIL back.  A result that is already a C-contiguous
 * float64 array of the right shape is copied straight from its buffer; any
 * other (a list, float32, a wrong shape) goes through a Python converter,
 * which either makes it such an array or raises an error that says what came
 * back.  An exception (the user's, a converter's, KeyboardInterrupt) is handed
 * to the fit's store_error and the engine is told to stop; Python re-raises
 * it once the engine has returned (lmscope.StopFit only stops the fit).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include "lmscope_engine.h"
#include "python_callbacks.h"

/* Item k of the fit's objects (borrowed). */
static PyObject *object(const lm_python_fit *fit, int k)
{
    return PyTuple_GET_ITEM((PyObject *)fit->objects, k);
}

/* Is a buffer format a native-order C double?  numpy writes "<d" on
   little-endian machines, the struct module "d". */
static int is_native_double(const char *format)
{
    const unsigned short one = 1;
    const int little_endian = *(const unsigned char *)&one == 1;
    if (format == NULL)
        return 0;
    if (format[0] == '@' || format[0] == '=' || (format[0] == '<' && little_endian)
        || (format[0] == '>' && !little_endian))
        format++;
    return format[0] == 'd' && format[1] == '\0';
}

/* The float64 buffer of obj if it is C-contiguous with the given shape
   (cols == 0: one dimension); 0 otherwise, with no Python error set. */
static int get_float64_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t rows, Py_ssize_t cols)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) {
        PyErr_Clear();
        return 0;
    }
    int ndim = cols == 0 ? 1 : 2;
    if (view->ndim == ndim && is_native_double(view->format) && view->shape[0] == rows
        && (ndim == 1 || view->shape[1] == cols))
        return 1;
    PyBuffer_Release(view);
    return 0;
}

/* fn(x, *args) for a fresh copy x of the point; a new reference or NULL. */
static PyObject *call_at_point(lm_python_fit *fit, PyObject *fn, const double *x, int n)
{
    memcpy(fit->x_eval, x, sizeof(double) * (size_t)n);
    PyObject *point = PyObject_CallNoArgs(object(fit, LM_PY_NEW_POINT));
    if (point == NULL)
        return NULL;
    PyObject *args = object(fit, LM_PY_ARGS);
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    PyObject *call_args = PyTuple_New(1 + nargs);
    if (call_args == NULL) {
        Py_DECREF(point);
        return NULL;
    }
    PyTuple_SET_ITEM(call_args, 0, point);              /* steals point */
    for (Py_ssize_t i = 0; i < nargs; i++) {
        PyObject *item = PyTuple_GET_ITEM(args, i);
        Py_INCREF(item);
        PyTuple_SET_ITEM(call_args, i + 1, item);
    }
    PyObject *result = PyObject_Call(fn, call_args, NULL);
    Py_DECREF(call_args);
    return result;
}

/* LM_USER_STOP if the stop event is set, 0 if not, -1 on a Python error. */
static int stop_requested(lm_python_fit *fit)
{
    PyObject *stop_is_set = object(fit, LM_PY_STOP_IS_SET);
    if (stop_is_set == Py_None)
        return 0;
    PyObject *answer = PyObject_CallNoArgs(stop_is_set);
    if (answer == NULL)
        return -1;
    int truth = PyObject_IsTrue(answer);
    Py_DECREF(answer);
    return truth < 0 ? -1 : (truth ? LM_USER_STOP : 0);
}

/* Hand the pending Python exception, traceback attached, to store_error,
   which answers True when the exception asks the fit to stop cleanly
   (lmscope.StopFit): LM_USER_STOP then, else LM_CALLBACK_ERROR. */
static int carry_error(lm_python_fit *fit)
{
    int flag = LM_CALLBACK_ERROR;
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (value != NULL) {
        if (traceback != NULL)
            PyException_SetTraceback(value, traceback);
        PyObject *store_error = object(fit, LM_PY_STORE_ERROR);
        PyObject *stop = PyObject_CallOneArg(store_error, value);
        if (stop == NULL)
            PyErr_WriteUnraisable(store_error);
        else if (stop == Py_True)
            flag = LM_USER_STOP;
        Py_XDECREF(stop);
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    return flag;
}

/* The end of both callbacks: a Python error (flag -1) becomes the fit's,
   and the GIL goes back. */
static int finish_call(lm_python_fit *fit, int flag, PyGILState_STATE gil)
{
    if (flag < 0 && flag != LM_USER_STOP)
        flag = carry_error(fit);
    PyGILState_Release(gil);
    return flag;
}

/* values converted by the Python converter, then its buffer; NULL on error. */
static PyObject *converted(PyObject *converter, PyObject *values, Py_buffer *view,
                           Py_ssize_t rows, Py_ssize_t cols)
{
    PyObject *array = PyObject_CallOneArg(converter, values);
    if (array == NULL)
        return NULL;
    if (!get_float64_buffer(array, view, rows, cols)) {
        PyErr_SetString(PyExc_SystemError, "lmscope: a converter returned an unexpected array");
        Py_DECREF(array);
        return NULL;
    }
    return array;
}

int lm_python_residual(void *user, int m, int n, const double *x, double *fvec, int kind)
{
    lm_python_fit *fit = user;
    (void)kind;   /* Python needs only the point */
    PyGILState_STATE gil = PyGILState_Ensure();
    int flag = stop_requested(fit);
    if (flag == 0) {
        PyObject *result = call_at_point(fit, object(fit, LM_PY_FUNC), x, n);
        Py_buffer view;
        if (result != NULL && !get_float64_buffer(result, &view, m, 0)) {
            PyObject *array = converted(object(fit, LM_PY_RESIDUALS_AS_FLOAT64), result, &view,
                                        m, 0);
            Py_DECREF(result);
            result = array;
        }
        if (result != NULL) {
            memcpy(fvec, view.buf, sizeof(double) * (size_t)m);
            PyBuffer_Release(&view);
            Py_DECREF(result);
        } else {
            flag = -1;
        }
    }
    return finish_call(fit, flag, gil);
}

int lm_python_jacobian(void *user, int m, int n, const double *x, double *fjac, int ldfjac)
{
    lm_python_fit *fit = user;
    PyGILState_STATE gil = PyGILState_Ensure();
    int flag = stop_requested(fit);
    if (flag == 0 && fit->jacobian_ready) {
        fit->jacobian_ready = 0;        /* Python put Dfun(x0) in fjac already */
    } else if (flag == 0) {
        PyObject *result = call_at_point(fit, object(fit, LM_PY_DFUN), x, n);
        Py_buffer view;
        /* Fast path: what Dfun returns as it is, (m, n), or (n, m) with
           col_deriv; else the converter's (n, m) rows. */
        int transposed = 0;
        if (result != NULL) {
            if (!fit->col_deriv && get_float64_buffer(result, &view, m, n)) {
                transposed = 1;
            } else if (!(fit->col_deriv && get_float64_buffer(result, &view, n, m))) {
                PyObject *array = converted(object(fit, LM_PY_JACOBIAN_AS_FLOAT64), result,
                                            &view, n, m);
                Py_DECREF(result);
                result = array;
            }
        }
        if (result != NULL) {
            const double *jac = view.buf;
            for (int j = 0; j < n; j++) {
                double *column = fjac + (size_t)j * (size_t)ldfjac;
                if (transposed)
                    for (int i = 0; i < m; i++)
                        column[i] = jac[(size_t)i * (size_t)n + (size_t)j];
                else
                    memcpy(column, jac + (size_t)j * (size_t)m, sizeof(double) * (size_t)m);
            }
            PyBuffer_Release(&view);
            Py_DECREF(result);
        } else {
            flag = -1;
        }
    }
    return finish_call(fit, flag, gil);
}

void lm_python_setup(lm_python_run *run, int m, int n, double ftol, double xtol,
                     double gtol, int maxfev, double epsfcn, double factor,
                     int scale_given, void *objects, double *x_eval, int has_dfun,
                     int col_deriv, int jacobian_ready)
{
    lm_python_fit *fit = &run->fit;
    fit->objects = objects;
    fit->x_eval = x_eval;
    fit->col_deriv = col_deriv;
    fit->jacobian_ready = jacobian_ready;

    lm_problem *problem = &run->problem;
    problem->m = m;
    problem->n = n;
    problem->residual = lm_python_residual;
    problem->jacobian = has_dfun ? lm_python_jacobian : NULL;
    problem->user = fit;
    problem->ftol = ftol;
    problem->xtol = xtol;
    problem->gtol = gtol;
    problem->maxfev = maxfev;
    problem->epsfcn = epsfcn;
    problem->factor = factor;
    problem->scale_given = scale_given;
}
