/**
 * MINPACK's gain-ratio thresholds (lmder.f; Moré 1978, section 4): the ratio
 * rho of actual to predicted reduction decides whether a trial step is taken
 * and how the trust-region radius changes.
 */

/** A step is accepted when rho >= ACCEPT (lmder's 1e-4). */
export const ACCEPT = 1e-4;
/** Below this rho the trust region shrinks. */
export const SHRINK_BELOW = 0.25;
/** Above this rho (or with lambda = 0) the trust region grows. */
export const GROW_ABOVE = 0.75;

/**
 * The part of the rho axis shown: rho is unbounded on both sides (a step can make
 * things far worse, or better than the model predicted), and the thresholds
 * above are what matters, so points outside are pinned to the edge and marked.
 */
export const RATIO_SHOWN = Object.freeze({ lo: -1, hi: 2 });
