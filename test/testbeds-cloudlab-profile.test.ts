// The CloudLab profile (profile.py, repository-based): its FLOW CHECK runs it as CloudLab runs it,
// ALONE: copied into an empty folder outside the repository, cwd there, with only a small fake of
// geni-lib (geni.portal, geni.rspec.pg) importable, which records the request; the calls and the
// fake are checked against signatures from the real geni-lib's source. Not a CloudLab run. The
// names and addresses written into profile.py are checked against packages/topology/topology.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hosts, network } from "@sockets-typescript/topology";
import { projectRoot } from "./fixtures/testbeds/project-copy";

interface Request {
  nodes: { name: string; disk_image: string; interfaces: { name: string; addresses: [string, string][] }[]; services: { shell: string; command: string }[] }[];
  lans: { name: string; members: string[] }[];
}

const flowCheck = join(projectRoot, "test", "fixtures", "testbeds", "flow_check.py");
const fakes = join(projectRoot, "test", "fixtures", "testbeds", "fakes");

/** Runs a profile script through the flow check (alone, in an empty folder); status, stderr and the report. */
function flowProfile(script: string) {
  const work = mkdtempSync(join(tmpdir(), "tb-profile-"));
  try {
    const result = spawnSync("/usr/bin/python3", [flowCheck, script, work, "all"], { encoding: "utf8", timeout: 120_000 });
    return { status: result.status, stderr: result.stderr, report: result.stdout ? JSON.parse(result.stdout) : undefined, work };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function runProfile() {
  const { status, stderr, report, work } = flowProfile("profile.py");
  assert.equal(status, 0, stderr);
  return { report, work, request: JSON.parse(report.output.trim().split("\n").pop()) as Request };
}

/** profile.py with a line added at the top, in a folder of its own: for "would this fail on CloudLab". */
function mutatedProfile(firstLine: string, run: (path: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), "tb-profile-mutated-"));
  try {
    const path = join(dir, "profile.py");
    writeFileSync(path, `${firstLine}\n${readFileSync(join(projectRoot, "profile.py"), "utf8")}`);
    run(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The literal TOPOLOGY block of profile.py, read by Python's own parser (no code of the profile runs). */
function profileTopology(): unknown {
  const script = "import ast, json, sys\n" +
    "tree = ast.parse(open(sys.argv[1]).read())\n" +
    "[value] = [n.value for n in tree.body if isinstance(n, ast.Assign) and [t.id for t in n.targets if isinstance(t, ast.Name)] == ['TOPOLOGY']]\n" +
    "print(json.dumps(ast.literal_eval(value)))";
  const result = spawnSync("/usr/bin/python3", ["-c", script, join(projectRoot, "profile.py")], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

test("profile.py is at the repository's root (CloudLab looks there) and parses as Python", () => {
  const result = spawnSync("/usr/bin/python3", ["-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", join(projectRoot, "profile.py")], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
});

test("the names and addresses written into profile.py equal packages/topology/topology.json, and appear nowhere else in it", () => {
  const topology = JSON.parse(readFileSync(join(projectRoot, "packages", "topology", "topology.json"), "utf8"));
  const expected = {
    network: { name: topology.network.name, subnet: topology.network.subnet },
    hosts: Object.fromEntries(Object.entries(topology.hosts as Record<string, { address: string }>).map(([name, host]) => [name, { address: host.address }])),
  };
  const written = profileTopology() as typeof expected;
  assert.deepEqual(written, expected);
  assert.deepEqual(Object.keys(written.hosts), Object.keys(topology.hosts), "the hosts in the topology's order (romeo first: it gets Jupyter)");
  // Outside the block, the script uses TOPOLOGY: no address or subnet is typed a second time.
  const source = readFileSync(join(projectRoot, "profile.py"), "utf8");
  const outside = source.replace(/^TOPOLOGY = \{[\s\S]*?^\}$/m, "");
  assert.notEqual(outside, source, "the TOPOLOGY block was not found");
  for (const value of [topology.network.subnet, ...Object.values(topology.hosts as Record<string, { address: string }>).map((h) => h.address)]) {
    assert.ok(!outside.includes(value), `${value} is written outside the TOPOLOGY block`);
  }
});

test("the flow check runs profile.py as CloudLab does: alone in an empty folder, with only (fake) geni-lib importable", () => {
  const { report, work } = runProfile();
  assert.deepEqual(report.sandbox.files, ["profile.py"], "the folder held only the script when it ran");
  assert.ok(report.sandbox.cwd.startsWith(work) && !report.sandbox.cwd.startsWith(projectRoot), report.sandbox.cwd);
  assert.equal(report.sandbox.pythonpath, fakes);
  assert.equal(report.exit_status, 0);
});

test("a profile that reads the repository beside it, or imports the project, fails the flow check as it would on CloudLab", () => {
  mutatedProfile('open("packages/topology/topology.json")', (path) => {
    const { status, stderr } = flowProfile(path);
    assert.equal(status, 1);
    assert.match(stderr, /FileNotFoundError: .*packages\/topology\/topology\.json/);
  });
  mutatedProfile("from testbeds import topology", (path) => {
    const { status, stderr } = flowProfile(path);
    assert.equal(status, 1);
    assert.match(stderr, /ModuleNotFoundError: No module named 'testbeds'/);
  });
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
