// A drawing's bundle: text/html with the inline SVG (shown where the HTML is trusted) and an <img>
// of the PNG (what a sanitizer leaves), image/png, image/svg+xml and text/plain. What the two
// front ends show of it, untrusted and trusted, is tested in a browser (frontends-handout.test.ts).
// The kernel's bundle has the text where the <img> would be; withPng adds the PNG when saving.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { renderTopologySvg, renderTopologyText, viewBundle, withPng } from "@sockets-typescript/notebook";
import { projectRoot } from "./support/lab-fixture";

const view = { host: "juliet" as const, interface: "lan0", ports: [4000] };
const svg = renderTopologySvg(view);
const text = renderTopologyText(view);

test("every form in one bundle: the HTML's <img> is the image/png, its alt the text", () => {
  const bundle = viewBundle(svg, text);
  assert.deepEqual(Object.keys(bundle).sort(), ["image/png", "image/svg+xml", "text/html", "text/plain"]);
  assert.equal(bundle["image/svg+xml"], svg);
  assert.equal(bundle["text/plain"], text);
  const png = Buffer.from(bundle["image/png"]!, "base64");
  assert.deepEqual(png.subarray(1, 4).toString("latin1"), "PNG");
  const html = bundle["text/html"]!;
  const img = /<img class="sockets-untrusted sockets-png" src="data:image\/png;base64,([A-Za-z0-9+/=]+)" width="760" height="150" alt="([^"]*)">/.exec(html);
  assert.ok(img, html.slice(-300));
  assert.equal(img[1], bundle["image/png"]);
  assert.equal(img[2], "topology: romeo (10.10.0.100) --- LAN 10.10.0.0/24 --- juliet (10.10.0.101, lan0, ports 4000) &lt;- this kernel");
});

test("the HTML: the SVG hidden (inline style and attribute), a <style> right before it that shows it and hides the <img> in this view only", () => {
  const html = viewBundle(svg, text)["text/html"]!;
  const style = "<style>.sockets-view>style+.sockets-svg{display:block!important}.sockets-view>style~.sockets-untrusted{display:none}</style>";
  assert.ok(html.startsWith(`<div class="sockets-view">${style}<div class="sockets-svg" hidden style="display:none">${svg}</div><img `), html.slice(0, 400));
  assert.match(html, / alt="[^"]*"><\/div>$/);
});

test("where resvg cannot load (no binary for this platform), the untrusted form is the text in a <pre>, and pngProblem says why", () => {
  const code = `const Module = require("node:module");
    const load = Module._load;
    Module._load = function (request, ...rest) {
      if (request === "@resvg/resvg-js") throw new Error("no prebuilt binary for this platform");
      return load.call(this, request, ...rest);
    };
    const nb = require("@sockets-typescript/notebook");
    const b = nb.viewBundle(nb.renderTopologySvg({ host: "romeo", interface: null }), "topology: a & b");
    console.log(JSON.stringify({ problem: nb.pngProblem(), keys: Object.keys(b).sort(), tail: b["text/html"].slice(-90) }));`;
  const result = spawnSync(process.execPath, ["-e", code], { cwd: projectRoot, encoding: "utf8", timeout: 30_000 });
  assert.equal(result.status, 0, result.stderr);
  const got = JSON.parse(result.stdout);
  assert.equal(got.problem, "@resvg/resvg-js cannot be loaded here (no prebuilt binary for this platform)");
  assert.deepEqual(got.keys, ["image/svg+xml", "text/html", "text/plain"]);
  assert.match(got.tail, /<\/div><pre class="sockets-untrusted sockets-text">topology: a &amp; b<\/pre><\/div>$/);
});

test("the kernel's form (png: false): the text in a <pre>, no image/png; withPng makes it the full bundle, and leaves other bundles alone", () => {
  const kernel = viewBundle(svg, text, { png: false });
  assert.deepEqual(Object.keys(kernel).sort(), ["image/svg+xml", "text/html", "text/plain"]);
  assert.match(kernel["text/html"]!, /<\/div><pre class="sockets-untrusted sockets-text">topology: romeo .* &lt;- this kernel<\/pre><\/div>$/);
  assert.deepEqual(withPng({ ...kernel }), viewBundle(svg, text));
  const full = viewBundle(svg, text);
  assert.equal(withPng(full), full, "a bundle with its PNG");
  const table = { "text/html": "<table class=\"sockets-table\"></table>", "text/plain": "UDP sockets" };
  assert.equal(withPng(table), table, "a table");
  const other = { "image/svg+xml": "<svg/>", "text/plain": "someone else's drawing" };
  assert.equal(withPng(other), other, "an SVG that is not one of the views");
});
