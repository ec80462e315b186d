/**
 * The shell every panel shares: a titled section carrying `data-panel` and a
 * `data-drawn` counter, so a browser test can wait until each panel has drawn
 * instead of sleeping.
 */

export class Panel {
  /**
   * @param {string} name  stable, for tests: data-panel
   * @param {string} title
   * @param {string} [help]  what the panel's quantities mean, shown on hover and to screen readers
   */
  constructor(name, title, help) {
    this.draws = 0;
    this.el = document.createElement("section");
    this.el.className = "lmscope-panel";
    this.el.dataset.panel = name;
    this.el.dataset.drawn = "0";
    const header = document.createElement("header");
    this.title = document.createElement("h3");
    this.title.textContent = title;
    this.note = document.createElement("span");
    this.note.className = "lmscope-note";
    header.append(this.title);
    if (help) {
      // A focusable mark, so the explanation is reachable without a mouse too.
      const mark = document.createElement("span");
      mark.className = "lmscope-help";
      mark.textContent = "?";
      mark.title = help;
      mark.tabIndex = 0;
      mark.setAttribute("role", "note");
      mark.setAttribute("aria-label", help);
      this.title.title = help;
      header.append(mark);
    }
    header.append(this.note);
    this.body = document.createElement("div");
    this.body.className = "lmscope-body";
    this.placeholder = document.createElement("div");
    this.placeholder.className = "lmscope-placeholder";
    this.placeholder.hidden = true;
    this.el.append(header, this.body, this.placeholder);
  }

  drew() {
    this.draws += 1;
    this.el.dataset.drawn = String(this.draws);
  }

  /** @param {string} text */
  setNote(text) {
    if (this.note.textContent !== text) this.note.textContent = text;
  }

  /**
   * Show a message instead of the plot (null shows the plot). Showing it counts
   * as a draw: the panel is in its final state for the data it has.
   * @param {string | null} text
   */
  showPlaceholder(text) {
    this.placeholder.hidden = text === null;
    this.body.hidden = text !== null;
    if (text !== null) {
      this.placeholder.textContent = text;
      this.el.dataset.placeholder = text;
      this.drew();
    } else {
      delete this.el.dataset.placeholder;
    }
  }
}
