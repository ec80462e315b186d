/*
 * lmpar: the Levenberg-Marquardt parameter.
 *
 * Moré (1978), sections 2-3 and 5; User Guide for MINPACK-1, routine LMPAR.
 * Given A P = Q R, a diagonal D with no zero entries, b, and delta > 0, find
 * par >= 0 such that the solution x of
 *
 *     (A^T A + par D^T D) x = A^T b
 *
 * either has par = 0 and ||D x|| <= (1 + SIGMA) delta (the Gauss-Newton step
 * fits in the trust region), or par > 0 and
 *
 *     | ||D x|| - delta | <= SIGMA delta.
 *
 * phi(par) = ||D x(par)|| - delta is convex and decreasing; Moré's iteration
 * is Newton's method on 1/phi, safeguarded by bounds parl <= par <= paru
 * that are tightened at each step.  At most MAX_ITERATIONS iterations: the
 * trust region only needs a rough radius.
 *
 *   n      input          order of r
 *   r      input/output   n x n (ldr): upper triangle R on input, unaltered;
 *                         strict lower triangle receives S (see qrsolv)
 *   ipvt   input          n: permutation P (0-based)
 *   diag   input          n: D, no zero entries
 *   qtb    input          n: first n entries of Q^T b
 *   delta  input          trust-region radius, > 0
 *   par    input/output   initial estimate / final parameter
 *   x      output         n: the step (the solution above)
 *   sdiag  output         n: diagonal of S
 *   wa1, wa2  workspace   n each
 *
 * lm_lmpar_stoppable also takes a flag another thread may set (or NULL),
 * looked at inside each solve (see qrsolv): once set, it returns 1 with R
 * intact and par and x unset; 0 when it completes.
 */
#include <float.h>
#include <math.h>
#include "lmscope_engine.h"

#define R(i, j) r[(size_t)(i) + (size_t)(j) * (size_t)ldr]

/* Accept par when ||D x|| is within SIGMA * delta of delta (Moré's sigma). */
static const double SIGMA = 0.1;
/* Restart from PARU_FRACTION * paru when par falls to zero. */
static const double PARU_FRACTION = 0.001;
static const int MAX_ITERATIONS = 10;

/* The larger / smaller of a and b, and the other one when one is NaN (as
   C's fmax and fmin, and the MINPACK that SciPy runs).  When the radius is
   so small that 1/delta overflows, the Newton correction is inf - inf =
   NaN; ignoring it keeps par at its bound and the step finite (zero). */
static double max_d(double a, double b) { return a > b || b != b ? a : b; }
static double min_d(double a, double b) { return a < b || b != b ? a : b; }

int lm_lmpar_stoppable(int n, double *r, int ldr, const int *ipvt, const double *diag,
                       const double *qtb, double delta, double *par, double *x,
                       double *sdiag, double *wa1, double *wa2, const volatile int *stop)
{
    const double dwarf = DBL_MIN;

    /* Gauss-Newton direction; if R is singular, a least-squares solution
       from its leading nonsingular block. */
    int nsing = n;
    for (int j = 0; j < n; j++) {
        wa1[j] = qtb[j];
        if (R(j, j) == 0.0 && nsing == n)
            nsing = j;
        if (nsing < n)
            wa1[j] = 0.0;
    }
    for (int j = nsing - 1; j >= 0; j--) {
        wa1[j] /= R(j, j);
        double temp = wa1[j];
        for (int i = 0; i < j; i++)
            wa1[i] -= R(i, j) * temp;
    }
    for (int j = 0; j < n; j++)
        x[ipvt[j]] = wa1[j];

    int iter = 0;
    for (int j = 0; j < n; j++)
        wa2[j] = diag[j] * x[j];
    double dxnorm = lm_enorm(n, wa2);
    double fp = dxnorm - delta;
    if (fp <= SIGMA * delta) {
        /* The Gauss-Newton step is short enough. */
        *par = 0.0;
        return 0;
    }

    /* Lower bound parl from a Newton step at par = 0 (only when R has full
       rank: otherwise phi'(0) is unbounded and parl stays 0). */
    double parl = 0.0;
    if (nsing >= n) {
        for (int j = 0; j < n; j++) {
            int l = ipvt[j];
            wa1[j] = diag[l] * (wa2[l] / dxnorm);
        }
        for (int j = 0; j < n; j++) {
            double sum = 0.0;
            for (int i = 0; i < j; i++)
                sum += R(i, j) * wa1[i];
            wa1[j] = (wa1[j] - sum) / R(j, j);
        }
        double temp = lm_enorm(n, wa1);
        parl = ((fp / delta) / temp) / temp;
    }

    /* Upper bound paru = ||(R P^T D^-1)^T Q^T b|| / delta. */
    for (int j = 0; j < n; j++) {
        double sum = 0.0;
        for (int i = 0; i <= j; i++)
            sum += R(i, j) * qtb[i];
        wa1[j] = sum / diag[ipvt[j]];
    }
    double gnorm = lm_enorm(n, wa1);
    double paru = gnorm / delta;
    if (paru == 0.0)
        paru = dwarf / min_d(delta, SIGMA);

    /* Start from the caller's estimate, clipped to [parl, paru]. */
    *par = max_d(*par, parl);
    *par = min_d(*par, paru);
    if (*par == 0.0)
        *par = gnorm / dxnorm;

    for (;;) {
        iter++;
        if (*par == 0.0)
            *par = max_d(dwarf, PARU_FRACTION * paru);

        double temp = sqrt(*par);
        for (int j = 0; j < n; j++)
            wa1[j] = temp * diag[j];
        if (lm_qrsolv_stoppable(n, r, ldr, ipvt, wa1, qtb, x, sdiag, wa2, stop))
            return 1;
        for (int j = 0; j < n; j++)
            wa2[j] = diag[j] * x[j];
        dxnorm = lm_enorm(n, wa2);
        temp = fp;
        fp = dxnorm - delta;

        /* Done when phi is small enough, or when parl = 0 and phi has
           stopped increasing from a negative value (no better par exists
           below), or after MAX_ITERATIONS. */
        if (fabs(fp) <= SIGMA * delta
            || (parl == 0.0 && fp <= temp && temp < 0.0)
            || iter == MAX_ITERATIONS)
            break;

        /* Newton correction to par, using S from qrsolv. */
        for (int j = 0; j < n; j++) {
            int l = ipvt[j];
            wa1[j] = diag[l] * (wa2[l] / dxnorm);
        }
        for (int j = 0; j < n; j++) {
            wa1[j] /= sdiag[j];
            temp = wa1[j];
            for (int i = j + 1; i < n; i++)
                wa1[i] -= R(i, j) * temp;
        }
        temp = lm_enorm(n, wa1);
        double parc = ((fp / delta) / temp) / temp;

        if (fp > 0.0)
            parl = max_d(parl, *par);
        if (fp < 0.0)
            paru = min_d(paru, *par);
        *par = max_d(parl, *par + parc);
    }
    return 0;
}

void lm_lmpar(int n, double *r, int ldr, const int *ipvt, const double *diag,
              const double *qtb, double delta, double *par, double *x,
              double *sdiag, double *wa1, double *wa2)
{
    (void)lm_lmpar_stoppable(n, r, ldr, ipvt, diag, qtb, delta, par, x, sdiag, wa1, wa2, NULL);
}
