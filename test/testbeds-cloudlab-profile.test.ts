// The CloudLab profile (profile.py, repository-based): its FLOW CHECK runs it against a small fake
// of geni-lib (geni.portal, geni.rspec.pg) that records the request; the calls and the fake are
// checked against signatures from the real geni-lib's source. Not a CloudLab run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hosts, network } from "@sockets-typescript/topology";
import { projectRoot } from "./fixtures/testbeds/project-copy";

interface Request {
  nodes: { name: string; disk_image: string; interfaces: { name: string; addresses: [string, string][] }[]; services: { shell: string; command: string }[] }[];
  lans: { name: string; members: string[] }[];
}

function runProfile() {
  const work = mkdtempSync(join(tmpdir(), "tb-profile-"));
  try {
    const result = spawnSync("/usr/bin/python3", [join(projectRoot, "test", "fixtures", "testbeds", "flow_check.py"), "profile.py", work, "all"], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    return { report, request: JSON.parse(report.output.trim().split("\n").pop()) as Request };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

test("profile.py is at the repository's root (CloudLab looks there) and parses as Python", () => {
  const result = spawnSync("/usr/bin/python3", ["-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", join(projectRoot, "profile.py")], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.doesNotMatch(readFileSync(join(projectRoot, "profile.py"), "utf8"), /10\.10\.0\./, "addresses must come from topology.json");
});

test("CloudLab flow check: romeo and juliet on one LAN with the topology's addresses, Ubuntu 24.04", () => {
  const { report, request } = runProfile();
  assert.deepEqual(report.call_problems, []);
  assert.deepEqual(report.fake_problems, []);
  assert.deepEqual(request.nodes.map((node) => node.name), ["romeo", "juliet"]);
  for (const node of request.nodes) {
    assert.match(node.disk_image, /UBUNTU24-64-STD$/);
    assert.deepEqual(node.interfaces[0].addresses, [[hosts[node.name as "romeo" | "juliet"].address, "255.255.255.0"]]);
  }
  assert.deepEqual(request.lans, [{ name: network.name, members: ["romeo:romeo-lan", "juliet:juliet-lan"] }]);
});

test("CloudLab flow check: each node runs the set-up script from /local/repository at boot; romeo also gets Jupyter", () => {
  const { request } = runProfile();
  const [romeo, juliet] = request.nodes;
  assert.deepEqual(romeo.services, [{ shell: "bash", command: "sudo bash /local/repository/testbeds/host-setup.sh --host romeo --with-jupyter" }]);
  assert.deepEqual(juliet.services, [{ shell: "bash", command: "sudo bash /local/repository/testbeds/host-setup.sh --host juliet" }]);
});
