// A drawing's display bundle, for trusted and untrusted notebooks alike. JupyterLab 4 and Notebook
// 7 pick, for an untrusted output (a handout, any notebook the reader's own server did not save),
// the first "safe" renderer by rank, which is text/html whenever a bundle has it, rendered through
// their sanitizer: inline SVG is stripped and its labels run together as one line, while a
// sanitized <img> of a PNG stays. The JSON order of the bundle's keys decides nothing. So the
// text/html carries both forms, and which one shows is decided by what the sanitizer removes:
//   - the SVG sits in a div with an inline display:none (JupyterLab's sanitizer keeps that style,
//     drops the hidden attribute) and hidden (Notebook 6's keeps that, breaks the style), so an
//     untrusted page shows none of its text;
//   - a <style> (the sanitizer removes it) shows that div and hides the <img>, in its own view
//     only: its rules match through "style +" / "style ~", so a trusted notebook's style never
//     reaches an untrusted one open in the same page.
// Trusted (a live kernel, a notebook the reader saved, nbconvert's HTML): the crisp inline SVG,
// arrows a reader can hover and a test can find. Untrusted: the PNG, its alt the text/plain.
// image/png is also its own entry (nbconvert's LaTeX/PDF and other tools take it), image/svg+xml
// for formats without HTML, text/plain as ever. Without a PNG the untrusted form is the text
// itself in a <pre>, never scrambled labels.
// The kernel draws no PNG (host.ts): 2 ms per view alone, ~4-5 ms in a busy kernel with the larger
// message, on a wire-view cell of ~20 ms that is already ~1.95x plain tslab's (bench views cost).
// Its outputs are trusted where they are made (the live page, the notebook the student saves);
// the PNG is for copies: the handout (walkthrough --save) gets one per view, drawn when it is
// saved (withPng), outside the kernel.
import type { Bundle } from "./display";
import { escapeXml } from "./names";
import { renderPng } from "./render-png";

const STYLE = "<style>.sockets-view>style+.sockets-svg{display:block!important}.sockets-view>style~.sockets-untrusted{display:none}</style>";

export interface ViewBundleOptions {
  /** Draw the PNG (default true); false: the untrusted form is the text. */
  png?: boolean;
}

export function viewBundle(svg: string, text: string, options: ViewBundleOptions = {}): Bundle {
  const png = options.png === false ? null : renderPng(svg);
  const base64 = png?.data.toString("base64");
  const untrusted = png
    ? `<img class="sockets-untrusted sockets-png" src="data:image/png;base64,${base64}" width="${png.width}" height="${png.height}" alt="${escapeXml(text)}">`
    : `<pre class="sockets-untrusted sockets-text">${escapeXml(text)}</pre>`;
  const html = `<div class="sockets-view">${STYLE}<div class="sockets-svg" hidden style="display:none">${svg}</div>${untrusted}</div>`;
  return base64 ? { "text/html": html, "image/png": base64, "image/svg+xml": svg, "text/plain": text } : { "text/html": html, "image/svg+xml": svg, "text/plain": text };
}

/**
 * A saved output's bundle with its PNG, if it is a view's bundle without one (what the kernel
 * sends); any other bundle as it is. For notebooks saved outside the kernel (the handout).
 */
export function withPng<T extends object>(data: T): T {
  const mime = data as Record<string, unknown>;
  const svg = mime["image/svg+xml"];
  const text = mime["text/plain"];
  const html = mime["text/html"];
  if ("image/png" in mime || typeof svg !== "string" || typeof text !== "string" || typeof html !== "string" || !html.startsWith('<div class="sockets-view">')) return data;
  return { ...data, ...viewBundle(svg, text) };
}
