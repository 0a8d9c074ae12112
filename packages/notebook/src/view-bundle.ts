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
// for formats without HTML, text/plain as ever. Without a PNG (see render-png.ts) the untrusted
// form is the text itself in a <pre>, never scrambled labels.
import type { Bundle } from "./display";
import { escapeXml } from "./names";
import { renderPng } from "./render-png";

const STYLE = "<style>.sockets-view>style+.sockets-svg{display:block!important}.sockets-view>style~.sockets-untrusted{display:none}</style>";

export function viewBundle(svg: string, text: string): Bundle {
  const png = renderPng(svg);
  const base64 = png?.data.toString("base64");
  const untrusted = png
    ? `<img class="sockets-untrusted sockets-png" src="data:image/png;base64,${base64}" width="${png.width}" height="${png.height}" alt="${escapeXml(text)}">`
    : `<pre class="sockets-untrusted sockets-text">${escapeXml(text)}</pre>`;
  const html = `<div class="sockets-view">${STYLE}<div class="sockets-svg" hidden style="display:none">${svg}</div>${untrusted}</div>`;
  return base64 ? { "text/html": html, "image/png": base64, "image/svg+xml": svg, "text/plain": text } : { "text/html": html, "image/svg+xml": svg, "text/plain": text };
}
