// The socket table view: text laid out like ss (rows start with the state, so `^LISTEN ...`
// finds them; gone rows start with "(gone)"), and an HTML table with data- attributes per row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { diffRows, parseSs, renderTableHtml, renderTableText } from "@sockets-typescript/notebook";
import { projectRoot } from "./support/lab-fixture";

const rows = (name: string) => parseSs(readFileSync(join(projectRoot, "test", "fixtures", "notebook", `ss-${name}.txt`), "utf8"), "tcp");

test("text: heading, ss-like columns, marks for new, changed and gone rows", () => {
  const marked = diffRows(rows("tcp-juliet-data-waiting"), rows("tcp-juliet-close-wait"));
  assert.equal(renderTableText({ host: "juliet", protocol: "tcp", rows: marked, compared: true }), [
    "TCP sockets on juliet (the experiment's addresses and ports, and this kernel's sockets), changes since the previous table marked:",
    "State       Recv-Q Send-Q  Local Address:Port     Peer Address:Port",
    "LISTEN           0    128  10.10.0.101:4000       0.0.0.0:* ",
    "CLOSE-WAIT       1      0  10.10.0.101:4000       10.10.0.100:47718      <- changed, was ESTAB ",
  ].join("\n"));
  const gone = renderTableText({ host: "juliet", protocol: "tcp", rows: diffRows(rows("tcp-juliet-listen"), []), compared: true });
  assert.match(gone, /^\(gone\)\s+-\s+-\s+10\.10\.0\.101:4000\s+0\.0\.0\.0:\*\s+<- gone, was LISTEN $/m);
  assert.doesNotMatch(gone, /^LISTEN/m);
  assert.equal(renderTableText({ host: "romeo", protocol: "udp", rows: [], compared: false }),
    "UDP sockets on romeo (the experiment's addresses and ports, and this kernel's sockets):\n(no UDP sockets on the experiment's addresses or ports)");
});

test("HTML: a table with one row per socket, its change and values as data- attributes", () => {
  const html = renderTableHtml({ host: "juliet", protocol: "tcp", rows: diffRows(rows("tcp-juliet-listen"), rows("tcp-juliet-data-waiting")), compared: true });
  assert.match(html, /^<table class="sockets-table" data-host="juliet" data-protocol="tcp"/);
  const trs = [...html.matchAll(/<tr class="socket-row socket-(\w+)" ([^>]*)>/g)];
  assert.deepEqual(trs.map((m) => m[1]), ["same", "new"]);
  assert.match(trs[1][2], /data-change="new" data-state="ESTAB" data-local="10\.10\.0\.101:4000" data-peer="10\.10\.0\.100:47718" data-recv-q="51" data-send-q="0"/);
  assert.match(html, /<td[^>]*>new<\/td><\/tr>/);
  assert.match(renderTableHtml({ host: "romeo", protocol: "udp", rows: [], compared: false }), /<tr class="socket-none">.*no UDP sockets/);
});
