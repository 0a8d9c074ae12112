// A view's SVG as PNG (resvg with the package's fonts): a real PNG file of the SVG's own size, its
// labels drawn, small enough to keep in a saved notebook, the same picture again from the cache;
// the encoder lossless both ways (palette up to 256 colours, else RGBA), read back here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { decodePackets, encodePng, parsePcap, pngProblem, renderPng, renderTopologySvg, renderWireSvg } from "@sockets-typescript/notebook";
import { projectRoot } from "./support/lab-fixture";

const packets = decodePackets(parsePcap(readFileSync(join(projectRoot, "test", "fixtures", "notebook", "walkthrough.pcap"))));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The IHDR's width and height (the first chunk of every PNG). */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE, "the PNG signature");
  assert.equal(png.subarray(12, 16).toString("latin1"), "IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const [, width, height] = /^<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg) ?? [];
  return { width: Number(width), height: Number(height) };
}

test("this machine draws PNGs (resvg's binary loads, the package's fonts are there)", () => {
  assert.equal(pngProblem(), null);
});

test("wire and topology: a PNG of the SVG's size, labels drawn, a few KB per arrow", () => {
  const cases = [
    { svg: renderWireSvg({ host: "juliet", interface: "lan0", packets: packets.slice(0, 3) }), maxBytes: 40_000 },
    { svg: renderWireSvg({ host: "romeo", interface: "lan0", packets }), maxBytes: 150_000 },
    { svg: renderWireSvg({ host: "romeo", interface: "lan0", packets: [] }), maxBytes: 20_000 },
    { svg: renderTopologySvg({ host: "juliet", interface: "lan0", ports: [4000] }), maxBytes: 25_000 },
  ];
  for (const { svg, maxBytes } of cases) {
    const png = renderPng(svg);
    assert.ok(png, "a PNG");
    assert.deepEqual(pngSize(png.data), svgSize(svg));
    assert.deepEqual({ width: png.width, height: png.height }, svgSize(svg));
    assert.ok(png.data.length < maxBytes, `${png.data.length} bytes for a ${png.width}x${png.height} view`);
    // The same picture without its labels is much smaller: the text was drawn, in a real font.
    const bare = renderPng(svg.replace(/<text[\s\S]*?<\/text>/g, ""))!;
    assert.ok(png.data.length > bare.data.length * 1.5, `with labels ${png.data.length} bytes, without ${bare.data.length}`);
  }
});

test("monospace labels are drawn in the monospace font, not the sans-serif one", () => {
  const bytes = (family: string) =>
    renderPng(`<svg xmlns="http://www.w3.org/2000/svg" width="300" height="30"><rect width="300" height="30" fill="white"/><text x="0" y="20" font-size="20" font-family="${family}">iiiiiiiiii</text></svg>`)!.data.length;
  // Ten monospace i's are spread over ~120 px, ten sans-serif ones over ~55: more ink edges, more bytes.
  assert.ok(bytes("monospace") > bytes("sans-serif") * 1.3, `monospace ${bytes("monospace")} bytes, sans-serif ${bytes("sans-serif")}`);
});

test("the same SVG again: the cached picture, not a new render", () => {
  const svg = renderTopologySvg({ host: "romeo", interface: "ens7" });
  assert.equal(renderPng(svg), renderPng(svg));
});

test("an SVG resvg cannot read gives null, not an exception", () => {
  assert.equal(renderPng("<svg"), null);
});

/** The RGBA pixels of a PNG as encodePng writes them (8-bit, palette or RGBA, every row filter 0). */
function decode(png: Buffer): { width: number; height: number; type: number; rgba: Buffer } {
  const { width, height } = pngSize(png);
  const type = png[25];
  let palette = Buffer.alloc(0);
  let alpha = Buffer.alloc(0);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const kind = png.subarray(at + 4, at + 8).toString("latin1");
    const data = png.subarray(at + 8, at + 8 + length);
    if (kind === "PLTE") palette = data;
    if (kind === "tRNS") alpha = data;
    if (kind === "IDAT") idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const per = type === 3 ? 1 : 4;
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (width * per + 1)], 0, "filter 0");
    for (let x = 0; x < width; x++) {
      const at = y * (width * per + 1) + 1 + x * per;
      if (type === 3) {
        palette.copy(rgba, (y * width + x) * 4, raw[at] * 3, raw[at] * 3 + 3);
        rgba[(y * width + x) * 4 + 3] = raw[at] < alpha.length ? alpha[raw[at]] : 255;
      } else raw.copy(rgba, (y * width + x) * 4, at, at + 4);
    }
  }
  return { width, height, type, rgba };
}

test("the encoder is lossless: few colours as a palette (with their alpha), many as RGBA", () => {
  const few = Buffer.from([255, 255, 255, 255, 31, 95, 191, 255, 0, 0, 0, 0, 31, 95, 191, 255, 255, 255, 255, 255, 192, 57, 43, 128]);
  const small = decode(encodePng(few, 3, 2));
  assert.deepEqual({ width: small.width, height: small.height, type: small.type }, { width: 3, height: 2, type: 3 });
  assert.deepEqual(small.rgba, few);
  const many = Buffer.alloc(20 * 20 * 4);
  for (let i = 0; i < 400; i++) many.writeUInt32BE(((i * 2654435761) >>> 8) * 256 + 255, i * 4); // 400 colours
  const big = decode(encodePng(many, 20, 20));
  assert.equal(big.type, 6);
  assert.deepEqual(big.rgba, many);
  assert.throws(() => encodePng(few, 4, 2), /^RangeError: 24 bytes are not 4x2 RGBA pixels$/);
});
