/*
 * fdjac: forward-difference approximation of the m x n Jacobian of f.
 *
 * User Guide for MINPACK-1, routine FDJAC2.  Column j is
 *     (f(x + h_j e_j) - f(x)) / h_j,   h_j = sqrt(max(epsfcn, eps)) |x_j|
 * (h_j = sqrt(max(epsfcn, eps)) when x_j = 0): epsfcn is the relative
 * error the caller expects in f, and the square root balances truncation
 * against rounding error.
 *
 *   residual, user  input         the function and its user data
 *   m, n            input
 *   x               input/output  n: the point; x[j] is perturbed during the
 *                                 evaluation of column j and restored after
 *   fvec            input         m: f(x)
 *   fjac            output        m x n (ldfjac), column-major
 *   epsfcn          input
 *   wa              workspace     m
 *   nfev            input/output  incremented once per residual call
 *
 * Returns 0, or the negative flag of a residual call that asked to stop
 * (fjac is then partly overwritten).
 */
#include <float.h>
#include <math.h>
#include "lmscope_engine.h"

double lm_difference_step(double epsfcn, double xj)
{
    const double epsmch = DBL_EPSILON;
    const double eps = sqrt(epsfcn > epsmch ? epsfcn : epsmch);
    double h = eps * fabs(xj);
    if (h == 0.0)
        h = eps;
    if (!isfinite(xj + h))
        h = -h;     /* next to DBL_MAX: never hand f an infinite point */
    return h;
}

int lm_fdjac(lm_residual_fn residual, void *user, int m, int n, double *x,
             const double *fvec, double *fjac, int ldfjac, double epsfcn,
             double *wa, int *nfev)
{
    for (int j = 0; j < n; j++) {
        double temp = x[j];
        const double h = lm_difference_step(epsfcn, temp);
        x[j] = temp + h;
        int flag = residual(user, m, n, x, wa, LM_EVAL_JACOBIAN);
        (*nfev)++;
        x[j] = temp;
        if (flag < 0)
            return flag;
        double *column = fjac + (size_t)j * (size_t)ldfjac;
        for (int i = 0; i < m; i++)
            column[i] = (wa[i] - fvec[i]) / h;
    }
    return 0;
}
