// A view's SVG as PNG, for the front ends that will not draw SVG: JupyterLab 4 and Notebook 7 show
// an untrusted notebook (a handout, any executed notebook copied in) through their sanitizer, which
// strips inline SVG and never picks image/svg+xml; an <img> of a PNG they keep. resvg (the
// @resvg/resvg-js prebuilt binary: no browser, no system library) draws it.
// The fonts are the package's own (fonts/: DejaVu Sans and Sans Mono, regular and bold, cut to
// Latin-1 and a few symbols by scripts/subset-fonts.sh, ~130 KB): resvg reads a font file once per
// glyph, and the system's DejaVu files (340-750 KB each) made the labels 2/3 of a picture's cost
// (a one-arrow wire view: 5.5 ms, now 2.7 ms); its fontBuffers option goes through JSON.stringify
// (~60 ms) and its system-font scan costs ~4 ms a render. Own fonts also draw the same picture on
// every host, with or without fonts installed (testbed images often have none).
// Anything missing (no binary for this platform) gives null and the views go on without a PNG:
// no view may break a cell.
import { existsSync } from "node:fs";
import { join } from "node:path";

export interface Png {
  /** The PNG file's bytes. */
  data: Buffer;
  width: number;
  height: number;
}

type Resvg = typeof import("@resvg/resvg-js").Resvg;

const FONTS_DIR = join(__dirname, "..", "fonts");
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"].map((name) => join(FONTS_DIR, name));
const FONT_OPTIONS = {
  loadSystemFonts: false,
  fontFiles: FONT_FILES,
  defaultFontFamily: "DejaVu Sans",
  sansSerifFamily: "DejaVu Sans",
  serifFamily: "DejaVu Sans",
  monospaceFamily: "DejaVu Sans Mono",
};

let loaded: { resvg: Resvg } | { problem: string } | undefined;

function renderer(): { resvg: Resvg } | { problem: string } {
  if (loaded) return loaded;
  const missing = FONT_FILES.find((file) => !existsSync(file));
  if (missing) return (loaded = { problem: `the views' font ${missing} is missing` });
  try {
    // Loaded at the first picture, not with the package: a process that draws nothing never pays for it (~12 ms).
    loaded = { resvg: (require("@resvg/resvg-js") as typeof import("@resvg/resvg-js")).Resvg };
  } catch (error) {
    loaded = { problem: `@resvg/resvg-js cannot be loaded here (${(error as Error).message.split("\n")[0]})` };
  }
  return loaded;
}

/** Why views carry no PNG in this process, or null when they do. */
export function pngProblem(): string | null {
  const r = renderer();
  return "problem" in r ? r.problem : null;
}

/** Recent pictures by SVG: the topology is drawn again with each setup cell; a few entries suffice. */
const cache = new Map<string, Png>();
const CACHE_ENTRIES = 8;

/** The SVG drawn as PNG at its own size (1 px per SVG unit), or null when this process cannot draw it. */
export function renderPng(svg: string): Png | null {
  const hit = cache.get(svg);
  if (hit) return hit;
  const r = renderer();
  if ("problem" in r) return null;
  let png: Png;
  try {
    const image = new r.resvg(svg, { font: FONT_OPTIONS }).render();
    png = { data: image.asPng(), width: image.width, height: image.height };
  } catch {
    return null; // an SVG resvg refuses: the view keeps its SVG and its text
  }
  cache.set(svg, png);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return png;
}
