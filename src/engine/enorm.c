/*
 * enorm: the Euclidean norm of a vector, free of overflow and underflow.
 *
 * User Guide for MINPACK-1 (Moré, Garbow, Hillstrom 1980), routine ENORM.
 *
 *   n   input   length of x
 *   x   input   n components
 *
 * Why not sqrt(sum x_i^2): squaring a component above ~1e154 overflows and
 * one below ~1e-154 underflows to zero.  The components are split into
 * three classes by magnitude.  Intermediate ones are summed directly; large
 * and small ones are summed after scaling by the largest seen in their class,
 * the scale being updated on the fly.  The class limits are MINPACK's, which
 * keep the three sums exact enough for any n and are part of why results
 * agree bit for bit with other MINPACK builds.
 */
#include <math.h>
#include "lmscope_engine.h"

/* Below RDWARF a square may underflow; above RGIANT / n a sum of n squares
   may overflow (MINPACK's constants). */
static const double RDWARF = 3.834e-20;
static const double RGIANT = 1.304e19;

double lm_enorm(int n, const double *x)
{
    double s1 = 0.0, s2 = 0.0, s3 = 0.0;
    double x1max = 0.0, x3max = 0.0;
    const double agiant = RGIANT / (double)n;

    for (int i = 0; i < n; i++) {
        double xabs = fabs(x[i]);
        if (xabs > RDWARF && xabs < agiant) {
            s2 += xabs * xabs;
        } else if (xabs <= RDWARF) {
            if (xabs > x3max) {
                double r = x3max / xabs;
                s3 = 1.0 + s3 * (r * r);
                x3max = xabs;
            } else if (xabs != 0.0) {
                double r = xabs / x3max;
                s3 += r * r;
            }
        } else {
            /* Large, or NaN: NaN lands here and propagates to the result,
               which is what the callers' finiteness checks rely on. */
            if (xabs > x1max) {
                double r = x1max / xabs;
                s1 = 1.0 + s1 * (r * r);
                x1max = xabs;
            } else {
                double r = xabs / x1max;
                s1 += r * r;
            }
        }
    }

    if (s1 != 0.0)
        return x1max * sqrt(s1 + (s2 / x1max) / x1max);
    if (s2 == 0.0)
        return x3max * sqrt(s3);
    if (s2 >= x3max)
        return sqrt(s2 * (1.0 + (x3max / s2) * (x3max * s3)));
    return sqrt(x3max * ((s2 / x3max) + (x3max * s3)));
}

/* Columns whose norms share one pass over the rows. */
#define NORM_BLOCK 4

/* For `lanes` columns c[0..lanes-1] of m entries: each one's sum of squares
   in row order (sums), its smallest nonzero magnitude (lo, infinity when
   none) and its largest (hi).  Called with a constant `lanes`, so that each
   width compiles to its own loop. */
static inline void sums_of_squares(int m, const double *const *c, int lanes, double *sums,
                                   double *lo, double *hi)
{
    double s[NORM_BLOCK] = {0.0, 0.0, 0.0, 0.0};
    double l[NORM_BLOCK] = {INFINITY, INFINITY, INFINITY, INFINITY};
    double h[NORM_BLOCK] = {0.0, 0.0, 0.0, 0.0};
    for (int i = 0; i < m; i++) {
        for (int b = 0; b < lanes; b++) {
            const double x = fabs(c[b][i]);
            s[b] += x * x;
            /* Zeros add nothing in lm_enorm either: not counted as small. */
            l[b] = x < l[b] && x != 0.0 ? x : l[b];
            h[b] = x > h[b] ? x : h[b];
        }
    }
    for (int b = 0; b < lanes; b++) {
        sums[b] = s[b];
        lo[b] = l[b];
        hi[b] = h[b];
    }
}

/*
 * lm_column_norms: norms[k] = lm_enorm(m, column k of a) for the n columns
 * of a (column-major, leading dimension lda), the same bits, several
 * columns per pass over the rows.  Returns 1 when every norm is finite,
 * which holds when every entry is finite, unless a norm exceeds DBL_MAX.
 *
 * Why: a norm is a chain of dependent additions, one per entry; with
 * NORM_BLOCK chains side by side the additions overlap (a tall Jacobian's
 * norms were a tenth of its fit).  Each column's sum of squares is still
 * formed in row order, as lm_enorm forms it when every nonzero entry is of
 * intermediate size (between RDWARF and RGIANT / m), which the column's
 * smallest nonzero and largest magnitude tell; a column where one is not
 * (tiny, huge, infinite, or NaN, which makes its sum NaN) goes through
 * lm_enorm, and so does a last single column, which gains nothing.
 */
int lm_column_norms(int m, int n, const double *a, int lda, double *norms)
{
    const double agiant = RGIANT / (double)m;
    int finite = 1;
    for (int k0 = 0; k0 < n; k0 += NORM_BLOCK) {
        const int count = n - k0 < NORM_BLOCK ? n - k0 : NORM_BLOCK;
        const double *column[NORM_BLOCK];
        for (int b = 0; b < count; b++)
            column[b] = a + (size_t)(k0 + b) * (size_t)lda;
        double sums[NORM_BLOCK] = {0.0}, lo[NORM_BLOCK] = {0.0}, hi[NORM_BLOCK] = {0.0};
        switch (count) {
        case 4: sums_of_squares(m, column, 4, sums, lo, hi); break;
        case 3: sums_of_squares(m, column, 3, sums, lo, hi); break;
        case 2: sums_of_squares(m, column, 2, sums, lo, hi); break;
        default: break;   /* lo = 0: lm_enorm below */
        }
        for (int b = 0; b < count; b++) {
            /* With zero and intermediate entries only, lm_enorm returns
               sqrt(s2 * (1 + 0)), that is sqrt(s2), or 0 for a zero column. */
            const int plain = lo[b] > RDWARF && hi[b] < agiant && isfinite(sums[b]);
            norms[k0 + b] = plain ? sqrt(sums[b]) : lm_enorm(m, column[b]);
            if (!isfinite(norms[k0 + b]))
                finite = 0;
        }
    }
    return finite;
}
