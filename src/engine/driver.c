/*
 * The Levenberg-Marquardt driver (MINPACK's lmdif and lmder) as
 * init / step / solve.
 *
 * Moré (1978), section 4 and the algorithm (7.1); User Guide for MINPACK-1,
 * routines LMDIF and LMDER.  An outer iteration evaluates the Jacobian at
 * the current point x, factors it (A P = Q R), and then makes trial steps:
 * each trial solves the trust-region subproblem for the radius delta
 * (lm_lmpar), evaluates f at x + p, compares the actual reduction of ||f||
 * with the reduction the linear model predicts, updates delta from their
 * ratio rho, and moves to x + p when rho >= ACCEPT.  A new outer iteration
 * begins after every accepted trial.
 *
 * The driver is a reverse-communication state machine (lm_begin /
 * lm_resume): it never calls f itself but returns what it needs next (f at
 * x0, the Jacobian at x, f at a trial point) and picks up where it stopped
 * when the caller has supplied it.  So one fit's callbacks (lm_init /
 * lm_step / lm_solve below, which answer each request with them) and many
 * fits advanced in lockstep (batch.c, which answers every fit's request in
 * one evaluation) share the same arithmetic.  The pieces between requests:
 *
 *   start_fit          after f(x0): fnorm, the iteration-0 record
 *   open_iteration     after the Jacobian: QR, scales, radius, Q^T f, gtol test
 *   propose_trial      lmpar's step for the radius and the trial point x + p
 *   finish_trial       after f(x + p): reductions, radius update, acceptance,
 *                      the trial's record, the convergence tests
 *
 * lm_step makes exactly one trial (opening an outer iteration first when
 * the previous trial was accepted), so a caller can watch every trial.
 * The order of floating-point operations follows MINPACK's, and the sources
 * are compiled without fused multiply-add, so the iterates agree with other
 * MINPACK builds.
 *
 * Non-finite values: a trial point where f is NaN or infinite is rejected
 * like any failed step (MINPACK's own arithmetic does that: actred = -1),
 * so a fit can recover from one far trial.  But a fit that stops in an
 * outer iteration that met such a trial reports LM_NONFINITE, not
 * convergence: its radius shrank against a wall of NaN or infinity, not
 * around a minimum.  Non-finite f at the start, or a non-finite Jacobian,
 * stop the fit at once with LM_NONFINITE.
 */
#include <float.h>
#include <math.h>
#include <string.h>
#include "lmscope_engine.h"

/* Trust-region constants of Moré (1978), section 4. */
static const double ACCEPT = 1.0e-4;      /* accept a trial when rho >= ACCEPT */
static const double SHRINK_BELOW = 0.25;  /* shrink delta when rho <= SHRINK_BELOW */
static const double GROW_ABOVE = 0.75;    /* grow delta when rho >= GROW_ABOVE */
static const double HALF = 0.5;           /* the default shrink and grow factor */
static const double TENTH = 0.1;          /* the strongest shrink; also the bound
                                             on ||f(x+p)|| for a meaningful actred */

#define FJAC(i, j) s->fjac[(size_t)(i) + (size_t)(j) * (size_t)m]

/* The larger / smaller, ignoring a NaN b (as fmax and fmin do): a NaN step
   length must not become the radius. */
static double max_d(double a, double b) { return a > b || b != b ? a : b; }
static double min_d(double a, double b) { return a < b || b != b ? a : b; }

static int all_finite(size_t count, const double *v)
{
    for (size_t i = 0; i < count; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* lm_fdjac's forward-difference step for a parameter of value xj. */
size_t lm_work_size(int m, int n)
{
    return 3 * (size_t)n + (size_t)m;
}

static int improper(const lm_problem *p, const double *diag)
{
    if (p->n <= 0 || p->m < p->n || p->ftol < 0.0 || p->xtol < 0.0
        || p->gtol < 0.0 || p->maxfev <= 0 || p->factor <= 0.0)
        return 1;
    if (p->scale_given)
        for (int j = 0; j < p->n; j++)
            if (diag[j] <= 0.0)
                return 1;
    return 0;
}

static void set_request(lm_state *s, int phase)
{
    s->phase = phase;
    if (phase == LM_PHASE_ENDED)
        s->request = LM_REQUEST_NONE;
    else if (phase == LM_PHASE_JACOBIAN)
        s->request = s->problem.jacobian != NULL ? LM_REQUEST_JACOBIAN : LM_REQUEST_DIFFERENCES;
    else
        s->request = LM_REQUEST_RESIDUALS;
}

/* The fit ends with status; returns LM_REQUEST_NONE. */
static int end_fit(lm_state *s, int status)
{
    s->status = status;
    set_request(s, LM_PHASE_ENDED);
    return LM_REQUEST_NONE;
}

int lm_begin(lm_state *s, const lm_problem *problem, double *x, double *fvec,
             double *fjac, double *diag, double *qtf, int *ipvt, double *work)
{
    memset(s, 0, sizeof *s);
    s->problem = *problem;
    if (improper(problem, diag))
        return end_fit(s, LM_IMPROPER_INPUT);

    s->x = x;
    s->fvec = fvec;
    s->fjac = fjac;
    s->diag = diag;
    s->qtf = qtf;
    s->ipvt = ipvt;
    s->wa1 = work;
    s->wa2 = work + problem->n;
    s->wa3 = work + 2 * (size_t)problem->n;
    s->wa4 = work + 3 * (size_t)problem->n;
    s->status = LM_RUNNING;
    s->request_x = x;
    s->request_f = fvec;
    set_request(s, LM_PHASE_START);
    return s->request;
}

/* f(x0) is in fvec: its norm, and the iteration-0 record. */
static int start_fit(lm_state *s, lm_trial_step *start, int *recorded)
{
    const int n = s->problem.n;
    s->fnorm = lm_enorm(s->problem.m, s->fvec);
    s->par = 0.0;
    s->iter = 1;
    if (start != NULL) {
        start->iteration = 0;
        start->nfev = s->nfev;
        start->njev = 0;
        memcpy(start->x, s->x, sizeof(double) * (size_t)n);
        memcpy(start->x_trial, s->x, sizeof(double) * (size_t)n);
        start->fnorm = start->fnorm_trial = s->fnorm;
        start->pnorm = start->delta = start->ratio = NAN;
        start->actred = start->prered = start->gnorm = NAN;
        start->par = 0.0;
        start->accepted = 1;
        *recorded = 1;
    }
    if (!isfinite(s->fnorm))
        return end_fit(s, LM_NONFINITE);
    set_request(s, LM_PHASE_JACOBIAN);
    return s->request;
}

int lm_init(lm_state *s, const lm_problem *problem, double *x, double *fvec,
            double *fjac, double *diag, double *qtf, int *ipvt, double *work,
            const double *fvec0, lm_trial_step *start, int *recorded)
{
    *recorded = 0;
    if (lm_begin(s, problem, x, fvec, fjac, diag, qtf, ipvt, work) == LM_REQUEST_NONE)
        return s->status;
    int flag = 0;
    if (fvec0 == NULL)
        flag = problem->residual(problem->user, problem->m, problem->n, x, fvec,
                                 LM_EVAL_TRIAL);
    else if (fvec0 != fvec)
        memcpy(fvec, fvec0, sizeof(double) * (size_t)problem->m);
    lm_resume(s, flag, start, recorded);
    return s->status;
}

/* The Jacobian at x is in fjac: its QR factorization, Q^T f, the scales and
   (first time) the initial radius, and the gradient test.  Returns
   LM_RUNNING or a final status. */
static int open_iteration(lm_state *s)
{
    const lm_problem *p = &s->problem;
    const int m = p->m, n = p->n;

    /* wa2 = the Jacobian's column norms, finite when its entries are (the
       exact scan decides only when a norm is not). */
    if (!lm_column_norms(m, n, s->fjac, m, s->wa2)
        && !all_finite((size_t)m * (size_t)n, s->fjac))
        return LM_NONFINITE;

    /* wa1 = R's diagonal; wa4 = Q^T f, the reflections applied to f as
       they are made. */
    memcpy(s->wa4, s->fvec, sizeof(double) * (size_t)m);
    if (lm_qrfac_qtb_stoppable(m, n, s->fjac, m, s->ipvt, s->wa1, s->wa2, s->wa3, s->wa4,
                               p->stop_flag))
        return LM_USER_STOP;

    if (s->iter == 1) {
        /* Scale by the column norms (a zero column gets 1), and start with
           a radius of factor * ||D x|| (factor itself when x = 0). */
        if (!p->scale_given)
            for (int j = 0; j < n; j++)
                s->diag[j] = s->wa2[j] != 0.0 ? s->wa2[j] : 1.0;
        for (int j = 0; j < n; j++)
            s->wa3[j] = s->diag[j] * s->x[j];
        s->xnorm = lm_enorm(n, s->wa3);
        s->delta = p->factor * s->xnorm;
        if (s->delta == 0.0)
            s->delta = p->factor;
    }

    /* R's diagonal in place of the reflections' pivots; n entries of Q^T f. */
    for (int j = 0; j < n; j++) {
        FJAC(j, j) = s->wa1[j];
        s->qtf[j] = s->wa4[j];
    }
    s->factorization_valid = 1;

    /* gnorm: the largest cosine between f and a scaled Jacobian column. */
    s->gnorm = 0.0;
    if (s->fnorm != 0.0) {
        for (int j = 0; j < n; j++) {
            int l = s->ipvt[j];
            if (s->wa2[l] != 0.0) {
                double sum = 0.0;
                for (int i = 0; i <= j; i++)
                    sum += FJAC(i, j) * (s->qtf[i] / s->fnorm);
                s->gnorm = max_d(s->gnorm, fabs(sum / s->wa2[l]));
            }
        }
    }
    if (s->gnorm <= p->gtol)
        return LM_CONVERGED_GTOL;

    /* Scales never decrease (Moré 1978, section 6). */
    if (!p->scale_given)
        for (int j = 0; j < n; j++)
            s->diag[j] = max_d(s->diag[j], s->wa2[j]);
    return LM_RUNNING;
}

/* The record of a fit that ended at a Jacobian evaluation: no point was
   tried, but nfev, njev and gnorm moved. */
static void record_jacobian_stop(const lm_state *s, lm_trial_step *rec, int *recorded)
{
    const int n = s->problem.n;
    *recorded = 1;
    if (rec == NULL)
        return;
    rec->iteration = s->iter;
    rec->nfev = s->nfev;
    rec->njev = s->njev;
    memcpy(rec->x, s->x, sizeof(double) * (size_t)n);
    memcpy(rec->x_trial, s->x, sizeof(double) * (size_t)n);
    rec->fnorm = rec->fnorm_trial = s->fnorm;
    rec->pnorm = rec->ratio = rec->actred = rec->prered = NAN;
    /* Before the first factorization there is no radius yet. */
    rec->delta = s->delta != 0.0 ? s->delta : NAN;
    rec->par = s->par;
    rec->gnorm = s->gnorm;
    rec->accepted = 0;
}

/* The step p (wa1) for the current radius, the trial point x + p (wa2),
   and its scaled length; then ask for f(x + p) into wa4, unless x + p is
   not finite: the caller's function is never called at such a point, and
   the trial counts as one where f is not finite. */
static int propose_trial(lm_state *s)
{
    const int m = s->problem.m, n = s->problem.n;
    if (lm_lmpar_stoppable(n, s->fjac, m, s->ipvt, s->diag, s->qtf, s->delta, &s->par,
                           s->wa1, s->wa2, s->wa3, s->wa4, s->problem.stop_flag))
        return end_fit(s, LM_USER_STOP);
    for (int j = 0; j < n; j++) {
        s->wa1[j] = -s->wa1[j];
        s->wa2[j] = s->x[j] + s->wa1[j];
        s->wa3[j] = s->diag[j] * s->wa1[j];
    }
    s->pnorm = lm_enorm(n, s->wa3);
    if (s->iter == 1)
        s->delta = min_d(s->delta, s->pnorm);
    s->request_x = s->wa2;
    s->request_f = s->wa4;
    set_request(s, LM_PHASE_TRIAL);
    if (!all_finite((size_t)n, s->wa2))
        s->request = LM_REQUEST_NOTHING;
    return s->request;
}

/* f(x + p) is in wa4: judge the trial, update the radius, move or not,
   record, and test for convergence.  Returns the next request. */
static int finish_trial(lm_state *s, lm_trial_step *rec, int *recorded)
{
    const lm_problem *p = &s->problem;
    const int m = p->m, n = p->n;
    const double epsmch = DBL_EPSILON;
    const double pnorm = s->pnorm;
    const double par_used = s->par;

    double fnorm1 = s->request == LM_REQUEST_NOTHING ? INFINITY : lm_enorm(m, s->wa4);
    if (!isfinite(fnorm1))
        s->nonfinite_trials++;

    /* Actual reduction; -1 when ||f(x+p)|| >= 10 ||f(x)|| (or f(x+p) is not
       finite), a value large enough to reject and small enough not to
       overflow. */
    double actred = -1.0;
    if (TENTH * fnorm1 < s->fnorm) {
        double r = fnorm1 / s->fnorm;
        actred = 1.0 - r * r;
    }

    /* Predicted reduction of the linear model, and the directional
       derivative, from R P^T p (wa3). */
    for (int j = 0; j < n; j++) {
        s->wa3[j] = 0.0;
        double temp = s->wa1[s->ipvt[j]];
        for (int i = 0; i <= j; i++)
            s->wa3[i] += FJAC(i, j) * temp;
    }
    double temp1 = lm_enorm(n, s->wa3) / s->fnorm;
    double temp2 = (sqrt(s->par) * pnorm) / s->fnorm;
    double prered = temp1 * temp1 + (temp2 * temp2) / HALF;
    double dirder = -(temp1 * temp1 + temp2 * temp2);
    double ratio = 0.0;
    if (prered != 0.0)
        ratio = actred / prered;
    if (ratio != ratio)
        ratio = 0.0;    /* a non-finite step: a failed trial */

    /* Radius update (Moré 1978, section 4). */
    if (ratio <= SHRINK_BELOW) {
        double temp;
        if (actred >= 0.0)
            temp = HALF;
        else
            /* Minimise the quadratic through the directional derivative. */
            temp = HALF * dirder / (dirder + HALF * actred);
        if (TENTH * fnorm1 >= s->fnorm || temp < TENTH)
            temp = TENTH;
        s->delta = temp * min_d(s->delta, pnorm / TENTH);
        s->par = s->par / temp;
    } else if (s->par == 0.0 || ratio >= GROW_ABOVE) {
        s->delta = pnorm / HALF;
        s->par = HALF * s->par;
    }

    const int accepted = ratio >= ACCEPT;
    if (rec != NULL)
        memcpy(rec->x_trial, s->wa2, sizeof(double) * (size_t)n);
    if (accepted) {
        for (int j = 0; j < n; j++) {
            s->x[j] = s->wa2[j];
            s->wa2[j] = s->diag[j] * s->x[j];
        }
        for (int i = 0; i < m; i++)
            s->fvec[i] = s->wa4[i];
        s->xnorm = lm_enorm(n, s->wa2);
        s->fnorm = fnorm1;
        s->iter++;
    }

    if (rec != NULL) {
        rec->iteration = s->iter - accepted;
        rec->nfev = s->nfev;
        rec->njev = s->njev;
        memcpy(rec->x, s->x, sizeof(double) * (size_t)n);
        rec->fnorm = s->fnorm;
        rec->fnorm_trial = fnorm1;
        rec->pnorm = pnorm;
        rec->delta = s->delta;
        rec->par = par_used;
        rec->ratio = ratio;
        rec->actred = actred;
        rec->prered = prered;
        rec->gnorm = s->gnorm;
        rec->accepted = accepted;
    }
    *recorded = 1;

    /* Convergence tests, then the tests for tolerances too small. */
    int info = 0;
    const int ftol_met = fabs(actred) <= p->ftol && prered <= p->ftol
                         && HALF * ratio <= 1.0;
    if (ftol_met)
        info = LM_CONVERGED_FTOL;
    if (s->delta <= p->xtol * s->xnorm)
        info = ftol_met ? LM_CONVERGED_FTOL_XTOL : LM_CONVERGED_XTOL;
    if (info == 0) {
        if (s->nfev >= p->maxfev)
            info = LM_MAXFEV;
        if (fabs(actred) <= epsmch && prered <= epsmch && HALF * ratio <= 1.0)
            info = LM_FTOL_TOO_SMALL;
        if (s->delta <= epsmch * s->xnorm)
            info = LM_XTOL_TOO_SMALL;
        if (s->gnorm <= epsmch)
            info = LM_GTOL_TOO_SMALL;
    }
    if (info != 0)
        /* After non-finite trials in this iteration the radius shrank
           against a wall of NaN or infinity, not around a minimum. */
        return end_fit(s, s->nonfinite_trials == 0 ? info : LM_NONFINITE);
    if (accepted) {
        /* A new outer iteration: ask for the Jacobian at the new x.  Until
           it arrives fjac keeps the factorization at the point before. */
        set_request(s, LM_PHASE_JACOBIAN);
        return s->request;
    }
    return propose_trial(s);
}

int lm_resume(lm_state *s, int flag, lm_trial_step *rec, int *recorded)
{
    *recorded = 0;
    switch (s->phase) {
    case LM_PHASE_START:
        s->nfev = 1;
        if (flag < 0)
            return end_fit(s, flag);
        return start_fit(s, rec, recorded);

    case LM_PHASE_JACOBIAN: {
        /* njev counts Jacobians either way; forward differences also count
           their n evaluations of f in nfev, as lmdif does. */
        s->factorization_valid = 0;
        s->nonfinite_trials = 0;
        s->njev++;
        int status = flag < 0 ? flag : open_iteration(s);
        if (status != LM_RUNNING) {
            if (status != LM_CALLBACK_ERROR)
                record_jacobian_stop(s, rec, recorded);
            return end_fit(s, status);
        }
        return propose_trial(s);
    }

    case LM_PHASE_TRIAL:
        s->nfev++;
        if (flag < 0)
            return end_fit(s, flag);
        return finish_trial(s, rec, recorded);

    default:
        return LM_REQUEST_NONE;
    }
}

void lm_difference_points(const lm_state *s, double *points)
{
    const int n = s->problem.n;
    for (int j = 0; j < n; j++) {
        double *point = points + (size_t)j * (size_t)n;
        memcpy(point, s->x, sizeof(double) * (size_t)n);
        point[j] = s->x[j] + lm_difference_step(s->problem.epsfcn, s->x[j]);
    }
}

void lm_difference_quotients(lm_state *s)
{
    const int m = s->problem.m, n = s->problem.n;
    for (int j = 0; j < n; j++) {
        const double h = lm_difference_step(s->problem.epsfcn, s->x[j]);
        for (int i = 0; i < m; i++)
            FJAC(i, j) = (FJAC(i, j) - s->fvec[i]) / h;
    }
    s->nfev += n;
}

/* Answer the pending request with the problem's callbacks. */
static int answer_with_callbacks(lm_state *s)
{
    const lm_problem *p = &s->problem;
    const int m = p->m, n = p->n;
    switch (s->request) {
    case LM_REQUEST_RESIDUALS:
        return p->residual(p->user, m, n, s->request_x, s->request_f, LM_EVAL_TRIAL);
    case LM_REQUEST_JACOBIAN:
        return p->jacobian(p->user, m, n, s->x, s->fjac, m);
    case LM_REQUEST_NOTHING:
        return 0;
    default: /* LM_REQUEST_DIFFERENCES */
        return lm_fdjac(p->residual, p->user, m, n, s->x, s->fvec, s->fjac, m,
                        p->epsfcn, s->wa4, &s->nfev);
    }
}

int lm_step(lm_state *s, lm_trial_step *rec, int *recorded)
{
    *recorded = 0;
    while (s->request != LM_REQUEST_NONE && !*recorded)
        lm_resume(s, answer_with_callbacks(s), rec, recorded);
    return s->status;
}

int lm_solve(lm_state *s)
{
    int recorded;
    while (s->request != LM_REQUEST_NONE)
        lm_resume(s, answer_with_callbacks(s), NULL, &recorded);
    return s->status;
}
