// The wire view of the real capture: one text line per packet (what the runner checks), and
// an SVG with one arrow group per packet carrying data- attributes a browser test can assert.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodePackets, parsePcap, renderWireSvg, renderWireText, packetLine, MAX_DRAWN } from "@sockets-typescript/notebook";
import { projectRoot } from "./support/lab-fixture";

const packets = decodePackets(parsePcap(readFileSync(join(projectRoot, "test", "fixtures", "notebook", "walkthrough.pcap"))));
const strip = (text: string) => text.split("\n").map((line) => line.replace(/^ +\d+ +\+[\d.]+ ms  /, ""));

test("text: a title and one line per packet, in terms of romeo and juliet", () => {
  const text = renderWireText({ host: "juliet", interface: "lan0", packets });
  assert.deepEqual(strip(text), [
    "wire on juliet (lan0): 17 packets since the previous view:",
    "juliet:4000 -> romeo:5000  UDP length=13 (5 bytes) b'Hello'",
    "romeo -> juliet  ICMP port unreachable (about UDP juliet:4000 -> romeo:5000)",
    "romeo:42907 -> juliet:4000  UDP length=13 (5 bytes) b'Hello'",
    "juliet:4000 -> romeo:42907  UDP length=49 (41 bytes) b'O Romeo, Romeo, wherefor'...",
    "romeo:47714 -> juliet:4000  TCP [SYN] seq=0 win=64240",
    "juliet:4000 -> romeo:47714  TCP [RST, ACK] seq=0 ack=1 win=0",
    "romeo:47718 -> juliet:4000  TCP [SYN] seq=0 win=64240",
    "juliet:4000 -> romeo:47718  TCP [SYN, ACK] seq=0 ack=1 win=65160",
    "romeo:47718 -> juliet:4000  TCP [ACK] seq=1 ack=1 win=63",
    "romeo:47718 -> juliet:4000  TCP [PSH, ACK] seq=1 ack=1 win=63 len=51 b'But, soft! what light th'...",
    "juliet:4000 -> romeo:47718  TCP [ACK] seq=1 ack=52 win=64",
    `juliet:4000 -> romeo:47718  TCP [PSH, ACK] seq=1 ack=52 win=64 len=82 b"What's in a name? that w"...`,
    "romeo:47718 -> juliet:4000  TCP [ACK] seq=52 ack=83 win=63",
    "romeo:47718 -> juliet:4000  TCP [FIN, ACK] seq=52 ack=83 win=63",
    "juliet:4000 -> romeo:47718  TCP [ACK] seq=83 ack=53 win=64",
    "juliet:4000 -> romeo:47718  TCP [FIN, ACK] seq=83 ack=53 win=64",
    "romeo:47718 -> juliet:4000  TCP [ACK] seq=53 ack=84 win=63",
  ]);
  assert.match(text, /^ +1 +\+0\.000 ms  juliet:4000/m);
  assert.equal(renderWireText({ host: "romeo", interface: "ens7", packets: [] }), "wire on romeo (ens7): no packets since the previous view");
});

test("SVG: one arrow group per packet with protocol, ends, flags, numbers; this host highlighted", () => {
  const svg = renderWireSvg({ host: "romeo", interface: "lan0", packets: packets.slice(4, 9) });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="sockets-wire" data-host="romeo" data-packets="5"/);
  const groups = [...svg.matchAll(/<g class="wire-packet wire-(\w+)" ([^>]*)>/g)].map((m) => m[2]);
  assert.equal(groups.length, 5);
  assert.equal(groups[0], 'data-index="1" data-proto="tcp" data-from="romeo" data-to="juliet" data-src="romeo:47714" data-dst="juliet:4000" data-flags="SYN" data-seq="0" data-len="0"');
  assert.match(groups[1], /data-from="juliet" data-to="romeo" .*data-flags="RST,ACK" data-seq="0" data-len="0" data-ack="1"/);
  assert.match(groups[3], /data-flags="SYN,ACK"/);
  assert.match(svg, /<g class="wire-host wire-host-here" data-host="romeo">/);
  assert.match(svg, /<g class="wire-host" data-host="juliet">/);
  const icmp = renderWireSvg({ host: "juliet", interface: "lan0", packets: packets.slice(0, 2) });
  assert.match(icmp, /<g class="wire-packet wire-icmp" [^>]*data-icmp="port unreachable"/);
  assert.match(icmp, /<g class="wire-packet wire-udp" [^>]*data-len="5" data-udp-length="13"/);
  // Payload bytes are escaped for XML.
  assert.match(renderWireSvg({ host: "juliet", interface: "lan0", packets: packets.slice(11, 12) }), /b&quot;What&#39;s in a nam/);
  assert.match(renderWireSvg({ host: "juliet", interface: "lan0", packets: [] }), /class="wire-empty"/);
});

test("a long window: the first and last packets drawn, the rest counted", () => {
  const many = Array.from({ length: 150 }, (_, i) => ({ ...packets[0], timeUs: packets[0].timeUs + i }));
  const svg = renderWireSvg({ host: "juliet", interface: "lan0", packets: many, lost: 3 });
  assert.equal([...svg.matchAll(/class="wire-packet /g)].length, MAX_DRAWN);
  assert.match(svg, /\.\.\. 70 packets not drawn \.\.\./);
  assert.match(svg, /data-index="150"/);
  const text = renderWireText({ host: "juliet", interface: "lan0", packets: many, lost: 3 });
  assert.match(text, /^  \(3 earlier packets of this window were dropped from the capture's memory\)$/m);
  assert.match(text, /^  \.\.\. 70 packets not shown \.\.\.$/m);
  assert.match(text, /^  150 /m);
  assert.equal(packetLine(packets[1]), "romeo -> juliet  ICMP port unreachable (about UDP juliet:4000 -> romeo:5000)");
});
