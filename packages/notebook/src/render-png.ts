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
// The PNG file is written here from resvg's pixels (rows unfiltered, deflate level 3): 0.7 ms
// and 10 KB for a one-arrow view where resvg's own encoder takes 1.05 ms and 11 KB.
// Anything missing (no binary for this platform) gives null and the views go on without a PNG:
// no view may break a cell.
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as zlib from "node:zlib";

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

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** zlib.crc32 where Node has it (22.2+), else the table. */
function crc32(data: Buffer): number {
  const native = (zlib as { crc32?: (data: Buffer) => number }).crc32;
  if (native) return native(data);
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, tail]);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG file of 8-bit RGBA pixels (non-premultiplied, row by row), each row with filter 0. */
export function encodePng(rgba: Buffer, width: number, height: number): Buffer {
  const stride = width * 4;
  if (rgba.length !== stride * height) throw new RangeError(`${rgba.length} bytes are not ${width}x${height} RGBA pixels`);
  const raw = Buffer.allocUnsafe((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0;
    rgba.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  return Buffer.concat([SIGNATURE, chunk("IHDR", header), chunk("IDAT", zlib.deflateSync(raw, { level: 3 })), chunk("IEND", Buffer.alloc(0))]);
}

/**
 * The generic families the views name, as the package's fonts: resvg-js 2.6 takes no notice of its
 * monospaceFamily option and drew the wire view's monospace labels in the default sans.
 */
function withOwnFamilies(svg: string): string {
  return svg.replace(/font-family="(monospace|sans-serif)"/g, (_, generic: string) => `font-family="${generic === "monospace" ? FONT_OPTIONS.monospaceFamily : FONT_OPTIONS.sansSerifFamily}"`);
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
    const image = new r.resvg(withOwnFamilies(svg), { font: FONT_OPTIONS }).render();
    png = { data: encodePng(image.pixels, image.width, image.height), width: image.width, height: image.height };
  } catch {
    return null; // an SVG resvg refuses: the view keeps its SVG and its text
  }
  cache.set(svg, png);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return png;
}
