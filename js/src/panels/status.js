/**
 * Panel 7: the status line, from the `status` trait (the kernel's word on the
 * outcome) and the page's own count of records received, plus the last error:
 * the kernel's (status.error, or an `error` message) or the page's own decoding.
 */

import { Panel } from "../panel.js";
import { formatNumber } from "../format.js";

/**
 * @param {import("../view.js").View} view
 * @returns {import("../view.js").PanelView}
 */
export function createStatusPanel(view) {
  const panel = new Panel("status", "Status");
  panel.el.classList.add("lmscope-status");
  const line = document.createElement("div");
  line.className = "lmscope-status-line";
  const error = document.createElement("div");
  error.className = "lmscope-error";
  panel.body.append(line, error);

  return {
    el: panel.el,
    update() {
      const status = view.model.get("status") ?? {};
      const store = view.session.store;
      const parts = [String(status.state ?? "idle")];
      if (status.ier !== null && status.ier !== undefined) parts.push(`ier ${status.ier}${status.mesg ? `: ${status.mesg}` : ""}`);
      else if (status.mesg) parts.push(status.mesg);
      parts.push(`nfev ${status.nfev ?? 0}`);
      const fnorm = status.fnorm ?? store?.last("fnorm");
      if (fnorm !== undefined && fnorm !== null) parts.push(`‖f‖ = ${formatNumber(fnorm, 6)}`);
      const received = store?.length ?? 0;
      parts.push(status.n_steps ? `steps ${received} of ${status.n_steps}` : `steps ${received}`);
      line.textContent = parts.join(" · ");
      panel.el.dataset.state = String(status.state ?? "idle");
      error.textContent = status.error || view.session.error || "";
      error.hidden = !error.textContent;
      panel.drew();
    },
    resize() {},
    destroy() {},
  };
}
