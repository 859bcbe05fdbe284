// Small DOM helpers shared by the demo's sections: lookups, tables, times, and each section's own
// status line and error box (an error shows next to the control that caused it).
import { CtctOAuthError } from "ctct-oauth";

export const $ = (id) => document.getElementById(id);

/** An element with properties (textContent, className, ...) and children. */
export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

/** Fills a table body with [label, value] rows; a value may be a string or a node. */
export function fillTable(table, rows) {
  table.tBodies[0].replaceChildren(
    ...rows.map(([label, value]) => {
      const tr = el("tr", {}, el("td", { textContent: label }), el("td", {}, value ?? "—"));
      tr.dataset.row = label;
      return tr;
    }),
  );
}

/** A date and time with seconds, in the reader's locale. */
export const when = (seconds) =>
  new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
/** A time of day with seconds. */
export const clock = (seconds = Date.now() / 1000) =>
  new Date(seconds * 1000).toLocaleTimeString(undefined, { timeStyle: "medium" });
/** "23 h 59 min 58 s", "9 min 5 s", "42 s". */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)];
  return [h && `${h} h`, (h || m) && `${m} min`, `${s % 60} s`].filter(Boolean).join(" ");
}
export const now = () => Math.floor(Date.now() / 1000);
/** The first 8 and last 4 characters of a secret. */
export const redact = (t) => (t ? `${t.slice(0, 8)}…${t.slice(-4)}` : "—");

/** The error box of one section (`<div class="alert">`): its code, message and what to do. */
export function showError(box, e) {
  const code = e instanceof CtctOAuthError ? e.code : "unexpected";
  const hint = [e.description && `Server said: ${e.description}`, e.hint].filter(Boolean).join(" ");
  box.replaceChildren(
    el("p", {}, el("strong", { textContent: "Error " }), el("code", { className: "code", textContent: code })),
    el("p", { className: "message", textContent: e.message }),
    el("p", { className: "hint muted", textContent: hint }),
  );
  box.hidden = false;
}
export const clearError = (box) => ((box.hidden = true), box.replaceChildren());

/** A section's status line (not an error): `kind` "ok" shows it in green, "info" plain. */
export function say(line, text, kind = "info") {
  line.textContent = text;
  line.className = `status ${kind}`;
  line.hidden = !text;
}

/**
 * Runs a control's action with its section's error box cleared first and filled on failure; `line`, the
 * section's status line, is cleared on failure (it would tell of the action as under way).
 */
export const act = (box, fn, line) => async (event) => {
  clearError(box);
  try {
    await fn(event);
  } catch (e) {
    if (line) say(line, "");
    showError(box, e);
  }
};
