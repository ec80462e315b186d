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
