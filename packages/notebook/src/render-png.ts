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
// The PNG file is written here from resvg's pixels, lossless: with a palette where the picture
// has at most 256 colours (the views have ~170, antialiasing included), else RGBA; rows
// unfiltered, deflate level 6. An 80-arrow wire view: 51 KB, where resvg's own encoder writes
// 140 KB (2-20 ms a picture: it is drawn when a notebook is saved, not in the kernel).
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

/** The pixels as palette indices with the filter byte before each row, and the palette, or null beyond 256 colours. */
function indexed(rgba: Buffer, width: number, height: number): { rows: Buffer; colors: number[] } | null {
  const pixels = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height); // RGBA bytes, read as one number each
  const slot = new Map<number, number>();
  const rows = Buffer.allocUnsafe((width + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (width + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const color = pixels[y * width + x];
      let index = slot.get(color);
      if (index === undefined) {
        if (slot.size === 256) return null;
        index = slot.size;
        slot.set(color, index);
      }
      rows[y * (width + 1) + 1 + x] = index;
    }
  }
  return { rows, colors: [...slot.keys()] };
}

/** A PNG file of 8-bit RGBA pixels (non-premultiplied, row by row), losslessly: palette or RGBA. */
export function encodePng(rgba: Buffer, width: number, height: number): Buffer {
  const stride = width * 4;
  if (rgba.length !== stride * height) throw new RangeError(`${rgba.length} bytes are not ${width}x${height} RGBA pixels`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample (palette: per index)
  // A Uint32Array view needs 4-byte alignment; resvg's buffers have it, a copy always does.
  const palette = indexed(rgba.byteOffset % 4 === 0 ? rgba : Buffer.from(rgba), width, height);
  const chunks: Buffer[] = [];
  if (palette) {
    header[9] = 3; // palette
    const bytes = Buffer.from(new Uint32Array(palette.colors).buffer); // back to R, G, B, A bytes
    const plte = Buffer.alloc(palette.colors.length * 3);
    const trns = Buffer.alloc(palette.colors.length);
    for (let i = 0; i < palette.colors.length; i++) {
      bytes.copy(plte, i * 3, i * 4, i * 4 + 3);
      trns[i] = bytes[i * 4 + 3];
    }
    chunks.push(chunk("IHDR", header), chunk("PLTE", plte));
    if (trns.some((alpha) => alpha !== 255)) chunks.push(chunk("tRNS", trns));
    chunks.push(chunk("IDAT", zlib.deflateSync(palette.rows, { level: 6 })));
  } else {
    header[9] = 6; // RGBA
    const raw = Buffer.allocUnsafe((stride + 1) * height);
    for (let y = 0; y < height; y++) {
      raw[y * (stride + 1)] = 0;
      rgba.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
    }
    chunks.push(chunk("IHDR", header), chunk("IDAT", zlib.deflateSync(raw, { level: 6 })));
  }
  return Buffer.concat([SIGNATURE, ...chunks, chunk("IEND", Buffer.alloc(0))]);
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
