/*
 * lmscope engine: MINPACK-1's Levenberg-Marquardt method (lmdif / lmder),
 * written from
 *   J. J. Moré, "The Levenberg-Marquardt algorithm: implementation and theory",
 *     Numerical Analysis, Lecture Notes in Mathematics 630, 105-116 (1978);
 *   J. J. Moré, B. S. Garbow, K. E. Hillstrom, User Guide for MINPACK-1,
 *     Argonne National Laboratory report ANL-80-74 (1980).
 *
 * Matrices are stored column by column (Fortran order) with a leading
 * dimension, as in MINPACK, so that the numbers agree with other MINPACK
 * builds (SciPy's among them).  Indices are 0-based.
 *
 * Reentrant: no globals and no static state.  Every array is handed in by
 * the caller; user data reaches the callbacks through a `void *`.
 *
 * This header is also read by the cffi builder (build_engine.py), which
 * drops the preprocessor lines: keep declarations plain C.
 */
#ifndef LMSCOPE_ENGINE_H
#define LMSCOPE_ENGINE_H

#include <stddef.h>

/* Why a fit stopped.  Values 0..8 equal MINPACK's `info`; the negative ones
   are lmscope's (MINPACK reserves negative values for a user stop). */
enum lm_status {
    LM_IMPROPER_INPUT = 0,
    LM_CONVERGED_FTOL = 1,        /* actual and predicted reductions <= ftol */
    LM_CONVERGED_XTOL = 2,        /* relative change of x <= xtol */
    LM_CONVERGED_FTOL_XTOL = 3,   /* both of the above */
    LM_CONVERGED_GTOL = 4,        /* fvec orthogonal to the Jacobian's columns */
    LM_MAXFEV = 5,                /* nfev reached maxfev */
    LM_FTOL_TOO_SMALL = 6,
    LM_XTOL_TOO_SMALL = 7,
    LM_GTOL_TOO_SMALL = 8,
    LM_CALLBACK_ERROR = -1,       /* a callback returned a negative flag */
    LM_USER_STOP = -2,            /* the caller asked the fit to stop */
    LM_NONFINITE = -3,            /* residuals or Jacobian not finite */
    LM_RUNNING = 100              /* lm_step: the fit goes on */
};

/* What a callback is asked for; it mirrors MINPACK's `iflag`. */
enum lm_eval_kind {
    LM_EVAL_TRIAL = 1,            /* f at the starting point or a trial point */
    LM_EVAL_JACOBIAN = 2          /* f for a forward difference, or the Jacobian */
};

/* What the fit needs from its caller next (reverse communication: see
   lm_begin and lm_resume). */
enum lm_request {
    LM_REQUEST_NONE = 0,          /* nothing: the fit has ended, status says why */
    LM_REQUEST_RESIDUALS = 1,     /* f at request_x (n) into request_f (m) */
    LM_REQUEST_JACOBIAN = 2,      /* the Jacobian at x into fjac (m x n, ld m) */
    LM_REQUEST_DIFFERENCES = 3,   /* the forward-difference Jacobian at x into fjac:
                                     lm_fdjac, or lm_difference_points and then
                                     lm_difference_quotients */
    LM_REQUEST_NOTHING = 4        /* no evaluation: the trial point is not finite, so
                                     the caller's function is not called there;
                                     resume with flag 0 and f counts as infinite */
};

/* Where lm_resume picks up: which answer the fit is waiting for. */
enum lm_phase {
    LM_PHASE_START = 0,           /* f(x0) */
    LM_PHASE_JACOBIAN = 1,        /* the Jacobian that opens an outer iteration */
    LM_PHASE_TRIAL = 2,           /* f at a trial point */
    LM_PHASE_ENDED = 3
};

/* Residuals: fill fvec[0..m-1] = f(x).  Return 0 to go on, a negative
   value to stop the fit (the value becomes the status). */
typedef int (*lm_residual_fn)(void *user, int m, int n, const double *x,
                              double *fvec, int kind);

/* Jacobian: fill fjac (m x n, column-major, leading dimension ldfjac) with
   df_i/dx_j at x.  Return 0 to go on, a negative value to stop. */
typedef int (*lm_jacobian_fn)(void *user, int m, int n, const double *x,
                              double *fjac, int ldfjac);

typedef struct lm_problem {
    int m;                        /* residuals, m >= n */
    int n;                        /* parameters, n >= 1 */
    lm_residual_fn residual;
    lm_jacobian_fn jacobian;      /* NULL: forward differences (lmdif) */
    void *user;                   /* handed unchanged to both callbacks */
    double ftol, xtol, gtol;
    int maxfev;
    double epsfcn;                /* forward-difference step control */
    double factor;                /* initial step bound factor */
    int scale_given;              /* 1: diag holds the caller's scales (MINPACK mode 2) */
    const volatile int *stop_flag;  /* NULL, or set nonzero (by any thread) to stop the fit:
                                       the long kernels look at it between columns */
} lm_problem;

/* One trial step, as recorded for the caller.  x and x_trial point to
   caller-owned arrays of length n, which lm_step fills. */
typedef struct lm_trial_step {
    int iteration;                /* outer iteration (Jacobian evaluations); 0 = start */
    int nfev;
    int njev;
    double *x;                    /* accepted point after this trial */
    double *x_trial;              /* the point tried */
    double fnorm;                 /* ||f(x)|| */
    double fnorm_trial;           /* ||f(x_trial)|| */
    double pnorm;                 /* ||D p||, scaled length of the step */
    double delta;                 /* trust-region radius after this trial's update */
    double par;                   /* LM parameter used for this step */
    double ratio;                 /* actual / predicted reduction */
    double actred;
    double prered;
    double gnorm;                 /* scaled gradient norm of the gtol test */
    int accepted;
} lm_trial_step;

/* The solver's state between calls of lm_step.  Arrays belong to the
   caller; lm_init records where they are. */
typedef struct lm_state {
    lm_problem problem;
    double *x;                    /* in/out, n: current accepted point */
    double *fvec;                 /* out, m: f(x) */
    double *fjac;                 /* out, m x n (ld m): R and Householder vectors */
    double *diag;                 /* in/out, n: scales */
    double *qtf;                  /* out, n: first n entries of Q^T f */
    int *ipvt;                    /* out, n: column permutation, 0-based */
    double *wa1, *wa2, *wa3;      /* workspace, n each */
    double *wa4;                  /* workspace, m */
    int status;                   /* an lm_status */
    int nfev, njev;               /* calls of the residual / Jacobian callbacks */
    int iter;                     /* MINPACK's iter: 1 + accepted steps */
    int request;                  /* an lm_request: what the caller must supply next */
    int phase;                    /* an lm_phase */
    double *request_x;            /* LM_REQUEST_RESIDUALS: the point (x or wa2) */
    double *request_f;            /* LM_REQUEST_RESIDUALS: where f goes (fvec or wa4) */
    double pnorm;                 /* ||D p|| of the trial in flight */
    int factorization_valid;      /* fjac/ipvt/qtf hold a complete factorization: of the
                                     Jacobian at x, or, once a trial was accepted, at the
                                     point before (MINPACK's outputs, as SciPy's) */
    int nonfinite_trials;         /* trials of this outer iteration where f was not finite */
    double fnorm, xnorm, gnorm, delta, par;
} lm_state;

/* Workspace lm_init carves from `work`: 3 n + m doubles. */
size_t lm_work_size(int m, int n);

/* Validate settings and evaluate f(x0).  If fvec0 is not NULL it holds
   f(x0) already (the caller checked the function's output shape with it)
   and is copied instead of calling residual again (fvec0 may be fvec
   itself); nfev still counts it.  All other arrays must be distinct.
   Returns LM_RUNNING or a final status; *recorded is set to 1 when `start`
   (may be NULL) was filled with the iteration-0 record, 0 when the fit
   stopped before f(x0) was known. */
int lm_init(lm_state *s, const lm_problem *problem, double *x, double *fvec,
            double *fjac, double *diag, double *qtf, int *ipvt, double *work,
            const double *fvec0, lm_trial_step *start, int *recorded);

/* Make one trial step.  Returns LM_RUNNING while the fit goes on, else the
   final status.  *recorded is set to 1 when `rec` (may be NULL) was filled:
   after every trial, and also when the fit ends at a Jacobian evaluation
   (gtol met, a non-finite Jacobian, a stop), in which case the record tried
   no point: x_trial = x, pnorm and ratio are NaN, accepted is 0, and nfev,
   njev and gnorm are the final ones.  *recorded is 0 only when a callback
   error ended the fit. */
int lm_step(lm_state *s, lm_trial_step *rec, int *recorded);

/* lm_step until the fit stops; returns the final status. */
int lm_solve(lm_state *s);

/* The same fit by reverse communication, for callers that evaluate f
   themselves (many fits in lockstep: lm_batch below).  lm_init, lm_step and
   lm_solve are built on these and make the same arithmetic in the same order.

   lm_begin validates the settings like lm_init and returns the first
   request (LM_REQUEST_RESIDUALS: f(x0) into fvec), or LM_REQUEST_NONE with
   status LM_IMPROPER_INPUT.  problem->residual and ->jacobian are not
   called; problem->jacobian != NULL selects LM_REQUEST_JACOBIAN (lmder)
   over LM_REQUEST_DIFFERENCES (lmdif).

   lm_resume: the caller has answered s->request; flag is 0, or a negative
   value to stop the fit (it becomes the status).  Counts the answer (a
   residual request in nfev, a Jacobian in njev; a difference Jacobian's n
   evaluations are counted by whoever made them: lm_fdjac or
   lm_difference_quotients), advances the fit to its next request and
   returns it.  rec and *recorded as in lm_step: at most one record per call
   (the iteration-0 record after f(x0), a trial's, or a stop at a Jacobian).
   While a Jacobian request is pending, fjac, ipvt and qtf still hold the
   last factorization (factorization_valid unchanged), so a caller may stop
   there with MINPACK's outputs. */
int lm_begin(lm_state *s, const lm_problem *problem, double *x, double *fvec,
             double *fjac, double *diag, double *qtf, int *ipvt, double *work);
int lm_resume(lm_state *s, int flag, lm_trial_step *rec, int *recorded);

/* LM_REQUEST_DIFFERENCES in one block: row j of points (n x n, row-major)
   is x + h_j e_j with lm_fdjac's step h_j.  The caller puts f at row j into
   column j of fjac (fjac + j m), then lm_difference_quotients turns the
   columns into lm_fdjac's quotients (f(x + h_j e_j) - f(x)) / h_j, the same
   bits, and counts the n evaluations in nfev. */
void lm_difference_points(const lm_state *s, double *points);
void lm_difference_quotients(lm_state *s);

/* Many fits of one size and one set of settings, advanced in lockstep
   (batch.c).  Every round answers the previous round's requests of every
   fit still running and gathers their next ones into one block of
   parameter rows, so the caller evaluates f once per round for all of them:
   a residual request is one row, a difference Jacobian n rows (its points).
   Fits end on their own (each has its own status) and drop out.  All arrays
   belong to the caller; per fit i they are the slices i * (length). */
typedef struct lm_batch {
    int count;                    /* fits */
    lm_problem problem;           /* shared settings; callbacks unused */
    lm_state *states;             /* count */
    double *x;                    /* in/out, count x n: x0, then the solutions */
    double *fvec;                 /* out, count x m */
    double *fjac;                 /* out, count x (m x n) */
    double *diag;                 /* in/out, count x n (in only with scale_given) */
    double *qtf;                  /* out, count x n */
    int *ipvt;                    /* out, count x n */
    double *work;                 /* workspace, count x lm_work_size(m, n) */
    int *status;                  /* out, count: final lm_status, LM_RUNNING until then */
    int *nfev;                    /* out, count */
    double *fnorm;                /* out, count: ||f(x)|| */
    int *running;                 /* workspace, count: fits that asked in the last round */
    int n_running;
    int rows;                     /* parameter rows asked for in the last round */
    int *row_fit;                 /* out, count x n: the fit each row belongs to */
    double *points;               /* out, count x n rows of n: the parameter rows */
} lm_batch;

/* Set up count fits (no evaluation yet).  Returns the number of fits that
   start (all of them, or 0 when the settings are improper: every status is
   then LM_IMPROPER_INPUT). */
int lm_batch_begin(lm_batch *b, int count, const lm_problem *problem, lm_state *states,
                   double *x, double *fvec, double *fjac, double *diag, double *qtf,
                   int *ipvt, double *work, int *status, int *nfev, double *fnorm,
                   int *running, int *row_fit, double *points);

/* One round.  values (rows x m, row-major) holds f at the last round's
   points, NULL for the first round.  Advances every fit that asked to its
   next request, ends those that finish (status, nfev, fnorm filled), and
   gathers the new requests into points and row_fit.  Returns the number of
   rows now asked for; 0 once every fit has ended. */
int lm_batch_round(lm_batch *b, const double *values);

/* cov (count x n x n, each column-major): each fit's (J^T J)^-1 from its
   final factorization where it converged (status 1..4), as lm_covariance;
   inf where R is singular there; NaN where the fit did not converge.
   work: n n doubles. */
void lm_batch_covariance(const lm_batch *b, double *cov, double *work);

/* Kernels, exposed for tests and reuse. */
double lm_enorm(int n, const double *x);
void lm_qrfac(int m, int n, double *a, int lda, int pivot, int *ipvt,
              double *rdiag, double *acnorm, double *wa);
void lm_qrsolv(int n, double *r, int ldr, const int *ipvt, const double *diag,
               const double *qtb, double *x, double *sdiag, double *wa);
void lm_lmpar(int n, double *r, int ldr, const int *ipvt, const double *diag,
              const double *qtb, double delta, double *par, double *x,
              double *sdiag, double *wa1, double *wa2);
/* The same kernels, stopping early once *stop (NULL: never) is set by
   another thread; they return 1 then (see each source file), else 0. */
int lm_qrfac_stoppable(int m, int n, double *a, int lda, int pivot, int *ipvt,
                       double *rdiag, double *acnorm, double *wa, const volatile int *stop);
int lm_qrsolv_stoppable(int n, double *r, int ldr, const int *ipvt, const double *diag,
                        const double *qtb, double *x, double *sdiag, double *wa,
                        const volatile int *stop);
int lm_lmpar_stoppable(int n, double *r, int ldr, const int *ipvt, const double *diag,
                       const double *qtb, double delta, double *par, double *x,
                       double *sdiag, double *wa1, double *wa2, const volatile int *stop);
/* Norms of the n columns of a (m x n, ld lda): lm_enorm's bits, several
   columns per pass.  Returns 1 when every norm is finite, else 0. */
int lm_column_norms(int m, int n, const double *a, int lda, double *norms);
/* lm_qrfac_stoppable with pivoting, given the column norms acnorm (from
   lm_column_norms), applying each reflection to b (m) as well: on return
   b holds Q^T b, whose first n entries are lmder's qtf, in the same bits
   as applying the reflections to b after the factorization. */
int lm_qrfac_qtb_stoppable(int m, int n, double *a, int lda, int *ipvt, double *rdiag,
                           const double *acnorm, double *wa, double *b,
                           const volatile int *stop);
/* The forward-difference step for x_j (MINPACK's fdjac2: sqrt(max(epsfcn,
   eps)) |x_j|, or that root when x_j = 0), negated next to DBL_MAX so that
   x_j + h stays finite.  lm_fdjac and lm_difference_points both use it. */
double lm_difference_step(double epsfcn, double xj);
int lm_fdjac(lm_residual_fn residual, void *user, int m, int n, double *x,
             const double *fvec, double *fjac, int ldfjac, double epsfcn,
             double *wa, int *nfev);
int lm_upper_triangular_inverse(int n, const double *r, int ldr, double *rinv);
int lm_covariance(int n, const double *fjac, int ldfjac, const int *ipvt,
                  double *cov, double *work);

#endif
