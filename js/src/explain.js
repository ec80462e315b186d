/**
 * Why a trial step was accepted or rejected and what happens to Δ and λ next,
 * in words, from the record alone: MINPACK's rules (lmder.f; Moré 1978,
 * section 4) with the thresholds of thresholds.js.
 */

import { formatNumber } from "./format.js";
import { ACCEPT, GROW_ABOVE, SHRINK_BELOW } from "./thresholds.js";

/**
 * @param {object} r  one record's fields
 * @param {number} r.step  its index in the fit
 * @param {number} r.ratio  rho
 * @param {number} r.actred  actual relative reduction (negative: ‖f‖ went up)
 * @param {number} r.pnorm  step length; NaN when no step was tried
 * @param {number} r.par  lambda used
 * @param {boolean} r.accepted
 * @returns {string}
 */
export function explainTrial({ step, ratio, actred, pnorm, par, accepted }) {
  if (!Number.isFinite(pnorm)) return step === 0 ? "Step 0 is the starting point: no step tried yet." : `Step ${step} tried no point.`;
  const rho = `ρ = ${formatNumber(ratio, 3)}`;
  let verdict;
  if (accepted) verdict = `accepted (${rho} ≥ ${ACCEPT})`;
  else if (!Number.isFinite(ratio) || actred < 0) verdict = `rejected: ‖f‖ went up instead of down (${rho} < ${ACCEPT})`;
  else verdict = `rejected: ‖f‖ fell far less than the linear model predicted (${rho} < ${ACCEPT})`;
  let next;
  if (!(ratio > SHRINK_BELOW)) next = "Δ shrinks and λ grows: the next step is shorter and more like gradient descent.";
  else if (par === 0 || ratio >= GROW_ABOVE) next = "Δ grows and λ halves: the linear model is trusted further.";
  else next = `Δ and λ stay (${SHRINK_BELOW} < ρ < ${GROW_ABOVE}).`;
  return `Last trial (step ${step}): ${verdict}. ${next}`;
}
