/**
 * What the quantities on the page mean, in a sentence each: shown on hover
 * (title attributes) beside every panel title that names them.
 */

export const GLOSSARY = Object.freeze({
  fnorm:
    "‖f‖: the length of the residual vector, sqrt(sum of squared residuals). The fit makes it as small as it can; each trial step either lowers it (accepted) or is thrown away (rejected).",
  delta:
    "Δ, the trust-region radius: how far (in scaled parameters) the next step may go. It shrinks after a poor step and grows after a good one.",
  lambda:
    "λ, the Levenberg–Marquardt parameter: 0 means a full Gauss–Newton step; a large λ means a short step down the gradient. λ is chosen so the step fits inside Δ.",
  rho:
    "ρ, the gain ratio: the actual drop in ‖f‖² over the drop the linear model predicted. ρ ≥ 1e-4 accepts the step; ρ < 0.25 shrinks Δ; ρ > 0.75 (or λ = 0) grows it.",
});
