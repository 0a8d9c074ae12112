// The topology picture from topology.json: text and SVG, this host highlighted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderTopologySvg, renderTopologyText } from "@sockets-typescript/notebook";

test("text: both hosts with addresses, the LAN, this kernel's host with interface and ports", () => {
  assert.equal(renderTopologyText({ host: "juliet", interface: "lan0", ports: [4000, 4001] }),
    "topology: romeo (10.10.0.100) --- LAN 10.10.0.0/24 --- juliet (10.10.0.101, lan0, ports 4000, 4001) <- this kernel");
  assert.equal(renderTopologyText({ host: null, interface: null }), "topology: romeo (10.10.0.100) --- LAN 10.10.0.0/24 --- juliet (10.10.0.101)");
});

test("SVG: a group per host with data- attributes, this host marked", () => {
  const svg = renderTopologySvg({ host: "romeo", interface: "ens7" });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="sockets-topology" data-host="romeo"/);
  assert.match(svg, /<g class="topology-host topology-host-here" data-host="romeo" data-address="10\.10\.0\.100" data-interface="ens7">/);
  assert.match(svg, /<g class="topology-host" data-host="juliet" data-address="10\.10\.0\.101">/);
  assert.match(svg, /<g class="topology-lan" data-subnet="10\.10\.0\.0\/24">/);
  assert.match(svg, /romeo \(this kernel\)/);
});
