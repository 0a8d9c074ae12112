// The reservation notebooks (start_here_fabric.ipynb, start_here_chameleon.ipynb): valid nbformat,
// clean, every code cell parses, and their FLOW CHECKS: the cells run in order against small fakes
// of fablib and python-chi that record the calls (test/fixtures/testbeds/fakes), and every call and
// every fake is checked against signatures extracted from the real libraries' source
// (test/fixtures/testbeds/signatures). A flow check is not a testbed run: nothing is reserved.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hosts, network } from "@sockets-typescript/topology";
import { projectRoot } from "./fixtures/testbeds/project-copy";

const PYTHON = "/usr/bin/python3";
const flowCheck = join(projectRoot, "test", "fixtures", "testbeds", "flow_check.py");
const notebooks = ["start_here_fabric.ipynb", "start_here_chameleon.ipynb"];

interface Call { name: string; args: string[]; kwargs: string[]; values: Record<string, string> }
interface Report {
  cells: number;
  steps: { step: string; cell: number; calls: string[] }[];
  calls: Call[];
  call_problems: string[];
  fake_problems: string[];
  kernelspecs: Record<string, { spec: { argv: string[]; display_name: string }; target: { destination: string; ssh_options: string[] } }>;
  testbed_state: Record<string, string[]>;
  output: string;
  /** The error a cell raised (the flow check then exits 1, after its report). */
  error: { step: string; cell: number; type: string; message: string } | null;
}

function flow(notebook: string, plan: string): Report {
  const work = mkdtempSync(join(tmpdir(), "tb-flow-"));
  try {
    const result = spawnSync(PYTHON, [flowCheck, notebook, work, plan], { encoding: "utf8", timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as Report;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
/** A flow that must end in a cell's error: the report says which cell, and what it raised. */
function failingFlow(notebook: string, plan: string): Report & { error: NonNullable<Report["error"]> } {
  const work = mkdtempSync(join(tmpdir(), "tb-flow-"));
  try {
    const result = spawnSync(PYTHON, [flowCheck, notebook, work, plan], { encoding: "utf8", timeout: 120_000 });
    assert.equal(result.status, 1, `the flow was expected to fail:\n${result.stdout}\n${result.stderr}`);
    const report = JSON.parse(result.stdout) as Report;
    assert.ok(report.error, result.stderr);
    return report as Report & { error: NonNullable<Report["error"]> };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
const codeCells = (notebook: string) =>
  (JSON.parse(readFileSync(join(projectRoot, notebook), "utf8")).cells as { cell_type: string; source: string[] }[])
    .filter((cell) => cell.cell_type === "code").map((cell) => cell.source.join(""));
const names = (report: Report) => report.calls.map((call) => call.name.split(".").slice(-2).join("."));
const callsTo = (report: Report, suffix: string) => report.calls.filter((call) => call.name.endsWith(suffix));
const cellIndex = (notebook: string, marker: string) => codeCells(notebook).findIndex((source) => source.includes(marker));

for (const notebook of notebooks) {
  test(`${notebook} is valid nbformat 4, clean, and every code cell parses as Python`, () => {
    const script = "import nbformat, sys, ast\nnb = nbformat.read(sys.argv[1], as_version=4)\nnbformat.validate(nb)\n" +
      "[ast.parse(c.source) for c in nb.cells if c.cell_type == 'code']\nprint(nb.metadata.kernelspec.name)";
    const result = spawnSync(PYTHON, ["-c", script, join(projectRoot, notebook)], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), "python3", "a reservation notebook runs on the hub's Python kernel");
    const clean = spawnSync(process.execPath, [join(projectRoot, "scripts", "clean-notebooks.mjs"), "--check", join(projectRoot, notebook)], { encoding: "utf8" });
    assert.equal(clean.status, 0, clean.stdout);
  });

  test(`${notebook} never retypes the topology: addresses come from topology.json`, () => {
    for (const source of codeCells(notebook)) {
      assert.doesNotMatch(source, /10\.10\.0\.|romeo"|"juliet/, `a code cell names an address or host itself:\n${source}`);
    }
  });
}

test("FABRIC flow check: site with room, two Ubuntu 24.04 nodes with basic NICs on an L2 bridge, set-up by MAC, kernels, delete", () => {
  const registerCell = cellIndex("start_here_fabric.ipynb", "register_kernel(");
  const report = flow("start_here_fabric.ipynb", `all-but-last,restart,cell:${registerCell},last`);
  assert.deepEqual(report.call_problems, []);
  assert.deepEqual(report.fake_problems, []);
  const order = names(report);
  const at = (name: string) => order.indexOf(name);
  assert.ok(at("FablibManager.get_random_site") < at("FablibManager.new_slice"));
  assert.ok(at("Slice.add_l2network") < at("Slice.submit"));
  assert.ok(at("Slice.submit") < at("Slice.wait_ssh"));
  assert.ok(at("Slice.wait_ssh") < at("Remote.upload_project"));
  assert.ok(at("Remote.upload_project") < at("Remote.start_setup"));
  assert.ok(order.lastIndexOf("Remote.start_setup") < at("remote.wait_for_setup"));
  assert.equal(order.at(-1), "Slice.delete");
  const nodes = callsTo(report, "Slice.add_node");
  assert.deepEqual(nodes.map((call) => call.values.name), ["'romeo'", "'juliet'"]);
  for (const node of nodes) {
    assert.equal(node.values.image, "'default_ubuntu_24'");
    assert.equal(node.values.site, "'ROOMY'", "the site with room, not the full one");
  }
  assert.deepEqual(callsTo(report, "Node.add_component").map((call) => call.values.model), ["'NIC_Basic'", "'NIC_Basic'"]);
  const [lan] = callsTo(report, "Slice.add_l2network");
  assert.equal(lan.values.type, "'L2Bridge'");
  assert.equal(lan.values.subnet, `IPv4Network('${network.subnet}')`);
  assert.deepEqual(callsTo(report, "Remote.start_setup").map((call) => call.values.mac), ["'02:00:00:00:00:01'", "'02:00:00:00:00:02'"]);
  assert.match(report.output, new RegExp(`romeo ${hosts.romeo.address.replace(/\./g, "\\.")}/24, juliet`));
  assert.match(report.output, /ssh -i \S+slice_key -F \S+ssh_config ubuntu@2001:db8::1/);
  // after the hub restart only the registration cell ran, and the kernels were registered again ...
  const restart = report.steps.find((step) => step.step === `cell:${registerCell}`)!;
  assert.ok(restart.calls.some((call) => call.endsWith("FablibManager.get_slice")));
  assert.equal(restart.calls.filter((call) => call.endsWith("register_kernels.check_host")).length, 2);
  // ... and the delete cell removed the slice and unregistered them
  assert.deepEqual(report.testbed_state.slices, []);
  assert.deepEqual(report.kernelspecs, {});
});

test("FABRIC flow check: the registration cell writes ts-romeo and ts-juliet going through the bastion's ssh config", () => {
  const registerCell = cellIndex("start_here_fabric.ipynb", "register_kernel(");
  const report = flow("start_here_fabric.ipynb", `all-but-last,restart,cell:${registerCell}`);
  assert.deepEqual(Object.keys(report.kernelspecs), ["ts-juliet", "ts-romeo"]);
  const romeo = report.kernelspecs["ts-romeo"];
  assert.equal(romeo.spec.display_name, "TypeScript on romeo");
  assert.equal(romeo.target.destination, "ubuntu@2001:db8::1");
  assert.deepEqual(romeo.target.ssh_options, ["-i", "/home/fabric/work/fabric_config/slice_key", "-F", "/home/fabric/work/fabric_config/ssh_config"]);
  assert.deepEqual(report.testbed_state.slices, ["sockets-typescript-student_0000"]);
});

test("FABRIC flow check: running the reservation cell again reuses the slice", () => {
  const reserveCell = cellIndex("start_here_fabric.ipynb", "fablib.new_slice(");
  const report = flow("start_here_fabric.ipynb", `all-but-last,cell:${reserveCell}`);
  assert.equal(callsTo(report, "FablibManager.new_slice").length, 1);
  assert.equal(callsTo(report, "Slice.submit").length, 1);
  // all-but-last ran the lease cell (step 10), which extended the slice: FABRIC then says ModifyOK
  assert.match(report.output, /exists already \(ModifyOK\): reusing it/);
});

test("FABRIC flow check: a reused slice that failed (StableError) stops the cell: delete it; one still being made: wait", () => {
  const nb = "start_here_fabric.ipynb";
  const reserveCell = cellIndex(nb, "fablib.new_slice(");
  const failed = failingFlow(nb, `all-but-last,fablib-slice-state:StableError,cell:${reserveCell}`);
  assert.equal(failed.error.cell, reserveCell);
  assert.equal(failed.error.message, "slice sockets-typescript-student_0000 is StableError: its reservation failed (Redeem/Ticket timeout (fake): " +
    "no VM could be placed at ROOMY). Delete it (last cell), then run this cell again: another site may have room.");
  assert.equal(callsTo(failed, "FablibManager.new_slice").length, 1, "no second slice");
  const configuring = failingFlow(nb, `all-but-last,fablib-slice-state:Configuring,cell:${reserveCell}`);
  assert.match(configuring.error.message, /^slice sockets-typescript-student_0000 is Configuring, not StableOK yet: FABRIC is still setting it up\. Wait a few minutes/);
  const closing = failingFlow(nb, `all-but-last,fablib-slice-state:Closing,cell:${reserveCell}`);
  assert.match(closing.error.message, /is Closing: it is being deleted\. Wait a minute/);
});

test("FABRIC flow check: the lease cell shows when the slice ends and extends it with fablib's renew", () => {
  const nb = "start_here_fabric.ipynb";
  const leaseCell = cellIndex(nb, "slice.renew(");
  assert.ok(leaseCell > cellIndex(nb, "register_kernel(") && leaseCell < codeCells(nb).length - 1, "before the delete cell");
  const began = Date.now();
  const report = flow(nb, `all-but-last,restart,cell:${leaseCell}`);
  assert.deepEqual(report.call_problems, []);
  assert.deepEqual(report.fake_problems, []);
  const leaseStep = report.steps.filter((step) => step.cell === leaseCell).at(-1)!;
  assert.ok(leaseStep.calls.some((call) => call.endsWith("Slice.get_lease_end")));
  const [renew] = callsTo(report, "Slice.renew").slice(-1);
  // fablib's format, "%Y-%m-%d %H:%M:%S %z": EXTEND_DAYS (2) days and an hour from now
  const match = /^'(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) \+0000'$/.exec(renew.values.end_date);
  assert.ok(match, renew.values.end_date);
  const asked = Date.parse(`${match[1]}T${match[2]}Z`);
  const hour = 3600_000;
  assert.ok(asked >= began + 49 * hour - 60_000 && asked <= Date.now() + 49 * hour + 60_000, renew.values.end_date);
  assert.match(report.output, /slice sockets-typescript-student_0000 \((StableOK|ModifyOK)\) ends \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 \(UTC\)\nextended: slice sockets-typescript-student_0000 \(ModifyOK\) now ends \d{4}/);
});

test("Chameleon flow check: lease, networks, router, security group, VMs, floating IPs, set-up, kernels, and everything deleted", () => {
  const nb = "start_here_chameleon.ipynb";
  const registerCell = cellIndex(nb, "register_kernel(");
  const report = flow(nb, `all-but-last,restart,cell:0,cell:1,cell:${registerCell},last`);
  assert.deepEqual(report.call_problems, []);
  assert.deepEqual(report.fake_problems, []);
  const order = names(report);
  const at = (name: string) => order.indexOf(name);
  assert.ok(at("context.choose_project") < at("Lease.submit"));
  assert.equal(callsTo(report, "context.choose_site")[0].values.default, "'KVM@TACC'");
  const [reservation] = callsTo(report, "Lease.add_flavor_reservation");
  assert.equal(reservation.values.amount, "2");
  assert.ok(at("Lease.submit") < at("Server.submit"), "VMs need the lease first");
  assert.ok(at("Lease.get_reserved_flavors") < at("Server.__init__"));
  for (const server of callsTo(report, "Server.__init__")) {
    assert.equal(server.values.image_name, "'CC-Ubuntu24.04'");
    assert.match(server.values.flavor_name, /^'reservation:/, "the VM uses the lease's reserved flavor");
  }
  const networks = callsTo(report, "Client.create_network").map((call) => call.values.body);
  assert.ok(networks.some((body) => body.includes("'port_security_enabled': False") && body.includes("-lan'")), networks.join("\n"));
  const subnets = callsTo(report, "Client.create_subnet").map((call) => call.values.body);
  const lanSubnet = subnets.find((body) => body.includes(`'cidr': '${network.subnet}'`))!;
  assert.match(lanSubnet, /'enable_dhcp': False/);
  assert.match(lanSubnet, /'gateway_ip': None/);
  assert.equal(callsTo(report, "network.create_router")[0].values.gw_network_name, "'public'");
  const lanPorts = callsTo(report, "network.create_port");
  assert.deepEqual(lanPorts.map((call) => call.values.ip_address), [`'${hosts.romeo.address}'`, `'${hosts.juliet.address}'`]);
  assert.ok(lanPorts.every((call) => call.values.port_security_enabled === "False"));
  assert.equal(callsTo(report, "SecurityGroup.submit").length, 1, "allow-ssh was missing, so it is made");
  assert.deepEqual(callsTo(report, "SecurityGroup.add_rule")[0].args, ["'ingress'", "'tcp'", "22"]);
  assert.equal(callsTo(report, "Server.associate_floating_ip").length, 2);
  assert.ok(at("Server.check_connectivity") < at("Remote.upload_project"));
  assert.deepEqual(callsTo(report, "Remote.__init__").map((call) => call.args[1]), ["'cc@192.0.2.10'", "'cc@192.0.2.11'"]);
  // the delete cell: servers first, then ports, router, subnets, networks, the group made here, the lease
  const deleted = order.slice(order.lastIndexOf("context.choose_site"));
  const first = (name: string) => deleted.indexOf(name);
  assert.ok(first("Server.delete") < first("network.delete_port"));
  assert.ok(first("network.delete_port") < first("network.remove_subnet_from_router"));
  assert.ok(first("network.delete_router") < first("network.delete_subnet"));
  assert.ok(first("network.delete_subnet") < first("network.delete_network"));
  assert.ok(first("Client.delete_security_group") > 0);
  assert.ok(first("Lease.delete") > first("Server.delete"));
  assert.deepEqual(report.testbed_state, { security_groups: ["default"] }, "everything made here is gone");
  assert.deepEqual(report.kernelspecs, {});
});

test("Chameleon flow check: an existing allow-ssh group is used, not made, and not deleted", () => {
  const report = flow("start_here_chameleon.ipynb", "existing-security-group,all-but-last,last");
  assert.equal(callsTo(report, "SecurityGroup.submit").length, 0);
  assert.match(report.output, /using the existing security group allow-ssh/);
  assert.equal(callsTo(report, "Client.delete_security_group").length, 0);
  assert.deepEqual(report.testbed_state.security_groups, ["allow-ssh", "default"]);
  const publicPorts = callsTo(report, "Client.create_port").map((call) => call.values.body);
  assert.ok(publicPorts.every((body) => body.includes("'security_groups': ['sg-theirs']")), publicPorts.join("\n"));
});

test("Chameleon flow check: a 409 on the security group's delete: the clean-up goes on, the lease goes, the kernels are unregistered, the failure is reported", () => {
  const nb = "start_here_chameleon.ipynb";
  const report = failingFlow(nb, "all-but-last,security-group-in-use,last");
  assert.deepEqual(report.call_problems, []);
  assert.deepEqual(report.fake_problems, []);
  assert.equal(report.error.cell, report.cells - 1, "the error comes from the delete cell");
  assert.equal(report.error.type, "RuntimeError");
  assert.match(report.error.message, /^deleted what could be deleted; NOT deleted:\n {2}the security group allow-ssh \(made here; other VMs may use it now\): Conflict: Security Group sg-\d+ in use\.\nRun this cell again later/);
  assert.equal(report.error.message.split("\n").length, 3, "only the security group was not deleted");
  const order = names(report);
  assert.ok(order.lastIndexOf("Client.delete_security_group") < order.lastIndexOf("Lease.delete"), "the lease is deleted after the failed delete");
  assert.deepEqual(report.testbed_state, { security_groups: ["allow-ssh", "default"] }, "everything else is gone, the lease too");
  assert.deepEqual(report.kernelspecs, {}, "the kernels are unregistered");
  assert.match(report.output, /could not delete the security group allow-ssh .*\(going on\): Security Group sg-\d+ in use\./);
});

test("Chameleon flow check: a VM in ERROR stops the VM cell with Nova's fault message; nothing is set up on the hosts", () => {
  const report = failingFlow("start_here_chameleon.ipynb", "server-error:juliet,all-but-last");
  assert.deepEqual(report.call_problems, []);
  assert.deepEqual(report.fake_problems, []);
  assert.equal(report.error.cell, cellIndex("start_here_chameleon.ipynb", "vm.wait("));
  assert.equal(report.error.type, "RuntimeError");
  assert.match(report.error.message, /^VM\(s\) did not start: sockets-ts-student-juliet is ERROR: No valid host was found\. There are not enough hosts available\. Delete your resources \(last cell\)/);
  assert.doesNotMatch(report.error.message, /romeo is/, "romeo is ACTIVE");
  assert.equal(callsTo(report, "server.show_server_by_name").length, 2, "each VM's status is checked");
  assert.equal(callsTo(report, "Server.associate_floating_ip").length, 0);
  assert.equal(callsTo(report, "Remote.upload_project").length, 0);
});

test("Chameleon flow check: a lease in ERROR stops the lease cell; no VM is asked for", () => {
  const report = failingFlow("start_here_chameleon.ipynb", "lease-error,all-but-last");
  assert.equal(report.error.cell, cellIndex("start_here_chameleon.ipynb", "my_lease.submit("));
  assert.match(report.error.message, /^the lease sockets-ts-student-lease is ERROR, not ACTIVE: KVM@TACC could not reserve 2 x m1\.medium now/);
  assert.equal(callsTo(report, "Server.submit").length, 0);
});

test("Chameleon flow check: a lookup that finds several resources (or fails otherwise) raises; nothing is made twice", () => {
  const report = failingFlow("start_here_chameleon.ipynb", "duplicate:networks:-public,all-but-last");
  assert.equal(report.error.type, "ResourceError");
  assert.equal(report.error.message, "Found multiple networks with name sockets-ts-student-public");
  assert.equal(report.error.cell, cellIndex("start_here_chameleon.ipynb", "neutron.create_network("));
  assert.equal(callsTo(report, "Client.create_network").length, 0, "no second network of that name");
});

test("Chameleon flow check: python-chi older than 1.2 stops the first cell with the upgrade command", () => {
  const report = failingFlow("start_here_chameleon.ipynb", "chi-version:1.1.0,all-but-last");
  assert.equal(report.error.cell, 0);
  assert.equal(report.error.message, "python-chi 1.1.0 is too old: this notebook needs python-chi >= 1.2. Upgrade it: run  " +
    "%pip install --upgrade 'python-chi>=1.2'  in a cell, then Kernel -> Restart Kernel, and run this notebook from the top.");
  assert.deepEqual(report.calls, [], "nothing was asked of Chameleon");
  const current = flow("start_here_chameleon.ipynb", "cell:0");
  assert.match(current.output, /^python-chi 1\.2\.6$/m);
});

test("the signature lists name their source and commit, and hold what the notebooks use", () => {
  for (const [file, symbol] of [["fabrictestbed-extensions", "fabrictestbed_extensions.fablib.slice.Slice.add_l2network"],
    ["python-chi", "chi.lease.Lease.add_flavor_reservation"], ["python-neutronclient", "neutronclient.v2_0.client.Client.create_subnet"],
    ["geni-lib", "geni.rspec.pg.Interface.addAddress"], ["python-chi", "chi.exception.CHIValueError"],
    ["python-chi", "chi.server.show_server_by_name"], ["python-chi", "chi.lease.Lease.status"],
    ["fabrictestbed-extensions", "fabrictestbed_extensions.fablib.slice.Slice.get_lease_end"],
    ["fabrictestbed-extensions", "fabrictestbed_extensions.fablib.slice.Slice.renew"]]) {
    const list = JSON.parse(readFileSync(join(projectRoot, "test", "fixtures", "testbeds", "signatures", `${file}.json`), "utf8"));
    assert.match(list.commit, /^[0-9a-f]{40}$/);
    assert.ok(list.source.length > 0);
    assert.ok(symbol in list.signatures, `${symbol} missing from ${file}.json`);
  }
});

test("a call the real library does not accept fails the flow check (a wrong parameter name)", () => {
  const work = mkdtempSync(join(tmpdir(), "tb-flow-wrong-"));
  try {
    const notebook = JSON.parse(readFileSync(join(projectRoot, "start_here_fabric.ipynb"), "utf8"));
    for (const cell of notebook.cells) {
      cell.source = (cell.source as string[]).map((line) => line.replace("get_random_site(filter_function=", "get_random_site(site_filter="));
    }
    const mutated = join(work, "mutated.ipynb");
    writeFileSync(mutated, JSON.stringify(notebook));
    const result = spawnSync(PYTHON, [flowCheck, mutated, work, "all-but-last"], { encoding: "utf8" });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /get_random_site\(\) got an unexpected keyword argument 'site_filter'/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
