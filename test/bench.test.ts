// The benchmark's peers really run and measure: each implementation's receiver and sender
// (this module, CPython with the Python peer scripts, Node net/dgram) over loopback, with
// small sizes. Numbers are checked for being complete and consistent, never for speed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { implementations, tcpImplementations } from "../bench/implementations";
import { loopback } from "../bench/links";
import { socketMemory } from "../bench/memory";
import { parseOptions } from "../bench/options";
import { costLines, pacedLines, pacedRates, type LinkResults } from "../bench/report";
import { cpython, floor } from "../bench/implementations";
import { tcpBulk } from "../bench/tcp-bulk";
import { udpRate } from "../bench/udp-rate";

const TCP_BYTES = 8 * 2 ** 20 + 12345; // not a whole number of chunks: the last one is short

for (const impl of tcpImplementations) {
  test(`bench peers: ${impl.label}: TCP bulk: the receiver gets every byte the sender sent and reports a rate and its CPU`, async () => {
    const run = await tcpBulk(impl, loopback, TCP_BYTES, 20);
    assert.equal(run.ended, "eof");
    assert.equal(run.bytes, TCP_BYTES);
    assert.ok(run.seconds > 0 && Number.isFinite(run.mbps) && run.mbps > 0, JSON.stringify(run));
    assert.ok(Number.isFinite(run.mbPerCpuSecond) && run.mbPerCpuSecond > 0, JSON.stringify(run));
  });
}

for (const impl of implementations) {
  describe(`bench peers: ${impl.label}`, () => {

    test("UDP rate: the receiver counts a window, never more than was sent", async () => {
      const run = await udpRate(impl, loopback, { size: 64, warmup: 0.05, window: 0.2, idle: 0.3 });
      assert.ok(run.sent > 0 && run.received > 0 && run.received <= run.sent, JSON.stringify(run));
      assert.ok(run.rate > 0 && Number.isFinite(run.rate));
      assert.ok(run.loss >= 0 && run.loss < 1);
    });

    test("memory: a process opens and holds the sockets and reports its RSS", async () => {
      const run = await socketMemory(impl, 50);
      assert.equal(run.count, 50);
      assert.ok(run.base > 0 && Number.isFinite(run.delta));
    });
  });
}

test("bench options: --quick is small, sizes and links can be chosen, bad options are refused", () => {
  const quick = parseOptions(["--quick"], {});
  assert.equal(quick.rounds, 1);
  assert.ok(quick.tcpBytes < parseOptions([], {}).tcpBytes);
  assert.equal(parseOptions([], { BENCH_QUICK: "1" }).rounds, 1);
  const chosen = parseOptions(["--rounds", "5", "--tcp-mib", "64", "--udp-seconds", "2", "--link", "loopback"], {});
  assert.deepEqual([chosen.rounds, chosen.tcpBytes, chosen.udpWindow, chosen.links], [5, 64 * 2 ** 20, 2, ["loopback"]]);
  assert.equal(parseOptions([], {}).labSpeed, true);
  assert.equal(parseOptions(["--no-lab-speed"], {}).labSpeed, false);
  assert.throws(() => parseOptions(["--rounds", "zero"], {}), /--rounds needs a positive number/);
  assert.throws(() => parseOptions(["--link", "wifi"], {}), /--link must be/);
  assert.throws(() => parseOptions(["--fast"], {}), /unknown option --fast/);
});

test("bench report: the receive-cost lines compare x/cpu-s of the best rounds and say PASS or FAIL", () => {
  const tcp = (mbPerCpuSecond: number) => ({ bytes: 1, seconds: 1, mbps: 1, ended: "eof", mbPerCpuSecond });
  const udp = (perCpuSecond: number) => ({ rate: 1, sent: 1, received: 1, loss: 0, perCpuSecond });
  const results: LinkResults = {
    description: "test",
    tcp: new Map([["module", [tcp(900), tcp(1200)]], ["cpython", [tcp(1000), "failed: x"]], ["module-into", [tcp(3000)]], ["cpython-into", [tcp(2000)]]]),
    udp: new Map([["module", [udp(80)]], ["cpython", [udp(100), udp(90)]]]),
  };
  const lines = costLines(results).join("\n");
  assert.match(lines, /TCP recv\(65536\)\s+this module \/ CPython socket\s+1\.20x \(1\.05x\)\s+target >= 1\.0x\s+PASS/);
  assert.match(lines, /UDP recvfrom 64 B\s+this module \/ CPython socket\s+0\.80x \(0\.84x\)\s+target >= 1\.0x\s+FAIL/);
  assert.match(lines, /TCP recv_into \(reused buffer\)\s+this module recv_into \/ CPython recv_into\s+1\.50x/);
  results.udp.set("module", ["failed: no datagrams"]);
  assert.match(costLines(results).join("\n"), /UDP recvfrom 64 B.*no result  FAIL/);
});

test("bench options: the same-work run is on by default at 50%, its share can be chosen or the run skipped", () => {
  assert.equal(parseOptions([], {}).pacedShare, 0.5);
  assert.equal(parseOptions(["--paced-share", "0.25"], {}).pacedShare, 0.25);
  assert.equal(parseOptions(["--no-paced"], {}).pacedShare, null);
  assert.throws(() => parseOptions(["--paced-share", "0"], {}), /--paced-share needs a positive number/);
  assert.throws(() => parseOptions(["--paced-share", "1.5"], {}), /--paced-share must be at most 1/);
});

test("bench report: the same-work loads are a share of the slower receiver's best rate, and the costs compare as CPU per unit", () => {
  const tcp = (mbps: number, mbPerCpuSecond: number) => ({ bytes: 1, seconds: 1, mbps, ended: "eof", mbPerCpuSecond });
  const udp = (rate: number, perCpuSecond: number, loss = 0) => ({ rate, sent: 1, received: 1, loss, perCpuSecond });
  const results: LinkResults = {
    description: "test",
    tcp: new Map([["module", [tcp(900, 1), tcp(1234, 1)]], ["cpython", [tcp(2000, 1)]], ["node", [tcp(100, 1)]]]),
    udp: new Map([["module", [udp(150_000, 1)]], ["cpython", [udp(123_456, 1), "failed: x"]], ["node", [udp(10, 1)]]]),
  };
  // Node's slower rates do not count: only the two receivers compared.
  assert.deepEqual(pacedRates(results, 0.5), { tcp: 610, udp: 61_000 });
  results.udp.set("cpython", ["failed: no datagrams"]);
  assert.equal(pacedRates(results, 0.5), null);

  const lines = pacedLines({
    share: 0.5, tcpRate: 610, tcpBytes: 64 * 2 ** 20, udpRate: 61_000,
    // 1e6 / (MB per CPU-second) = us of CPU per MB; 1e6 / (datagrams per CPU-second) = us per datagram
    tcp: new Map([["module", [tcp(610, 2000), tcp(609, 4000)]], ["cpython", [tcp(610, 2500)]]]),
    udp: new Map([["module", [udp(61_000, 200_000, 0.01)]], ["cpython", [udp(61_000, 250_000), "no datagrams"]]]),
  }).join("\n");
  assert.match(lines, /50% of the slowest receiver's best rate/);
  assert.match(lines, /TCP recv\(65536\), 610 MB\/s offered, 64 MiB \(us CPU\/MB\):\n\s+this module\s+250\s+\(375\)\s+500 at 610 MB\/s, 250 at 609 MB\/s/);
  assert.match(lines, /CPython socket\s+400\s+\(400\)/);
  assert.match(lines, /this module \/ CPython socket, CPU for the same work 0\.63x \(0\.94x\)  target <= 1\.0x  PASS/);
  assert.match(lines, /this module\s+5\.00\s+\(5\.00\)\s+5\.00 at 61,000\/s, loss 1\.0%/);
  assert.match(lines, /CPython socket\s+4\.00\s+\(4\.00\)\s+4\.00 at 61,000\/s, loss 0\.0%, failed: no datagrams/);
  assert.match(lines, /CPU for the same work 1\.25x \(1\.25x\)  target <= 1\.0x  FAIL/);
  assert.doesNotMatch(lines, /this module \/ floor/, "no floor ratios without floor rounds");

  // With the floor's rounds: the module's own overhead and the way of waiting, as two ratios.
  const withFloor = pacedLines({
    share: 0.5, tcpRate: 610, tcpBytes: 64 * 2 ** 20, udpRate: 61_000,
    tcp: new Map([["module", [tcp(610, 2000)]], ["floor", [tcp(610, 4000)]], ["cpython", [tcp(610, 5000)]]]),
    udp: new Map([["module", [udp(61_000, 200_000)]], ["floor", [udp(61_000, 250_000)]], ["cpython", [udp(61_000, 400_000)]]]),
  }).join("\n");
  assert.match(withFloor, /floor \(bare\)\s+250\s+\(250\)/);
  assert.match(withFloor, /this module \/ floor \(the module's own overhead\)\s+2\.00x \(2\.00x\)\n\s+floor \/ CPython socket \(event-loop waiting vs a blocking call\) 1\.25x \(1\.25x\)/);
  assert.match(withFloor, /this module \/ floor \(the module's own overhead\)\s+1\.25x \(1\.25x\)\n\s+floor \/ CPython socket \(event-loop waiting vs a blocking call\) 1\.60x \(1\.60x\)/);
});

test("bench peers: the floor's bare receivers take every byte and count datagrams like the module's (paced CPython sender)", async () => {
  const tcpRun = await tcpBulk(floor, loopback, TCP_BYTES, 20, { sender: cpython, rate: 200 });
  assert.equal(tcpRun.ended, "eof");
  assert.equal(tcpRun.bytes, TCP_BYTES);
  assert.ok(tcpRun.mbps < 260 && tcpRun.mbPerCpuSecond > 0, JSON.stringify(tcpRun));
  const udpRun = await udpRate(floor, loopback, { size: 64, warmup: 0.05, window: 0.3, idle: 0.3 }, { sender: cpython, rate: 5000 });
  assert.ok(udpRun.received > 0 && udpRun.rate < 6500 && udpRun.perCpuSecond > 0, JSON.stringify(udpRun));
  assert.ok(udpRun.received <= udpRun.sent, JSON.stringify(udpRun));
});

test("bench peers: a paced CPython sender offers the same load to this module's receiver (TCP and UDP)", async () => {
  const tcpRun = await tcpBulk(implementations[0], loopback, TCP_BYTES, 20, { sender: cpython, rate: 200 });
  assert.equal(tcpRun.ended, "eof");
  assert.equal(tcpRun.bytes, TCP_BYTES);
  // Paced to 200 MB/s: the transfer cannot be much faster than that (bursts of at most ~0.5 ms).
  assert.ok(tcpRun.mbps < 260, JSON.stringify(tcpRun));
  const udpRun = await udpRate(implementations[0], loopback, { size: 64, warmup: 0.05, window: 0.3, idle: 0.3 }, { sender: cpython, rate: 5000 });
  assert.ok(udpRun.received > 0 && udpRun.rate < 6500, JSON.stringify(udpRun));
});

test("bench:browser report: each figure beside Python's, the ratio, and ok or BELOW against its target", async () => {
  const { browserReport, quantile } = await import("../bench/browser");
  assert.equal(quantile([5, 1, 3, 2, 4], 0.5), 3);
  assert.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9);
  assert.ok(Number.isNaN(quantile([], 0.5)));
  const lines = browserReport({
    frontEnd: "lab",
    kernelReadyMs: { "udp romeo": 3000, "udp juliet": 2000, "tcp romeo": 3000, "tcp juliet": 2000 },
    cells: [{ part: "udp", host: "juliet", step: "U1", ms: 150, waits: false }, { part: "udp", host: "juliet", step: "setup", ms: 900, waits: true }],
    trivial: { kernelReadyMs: { typescript: 2500, python: 1250 }, typescriptMs: [100, 100, 100], pythonMs: [90, 90, 90] },
  });
  assert.match(lines[0], /^JupyterLab 4 \(3 \+ 3 trivial cells, 1 walkthrough cells/);
  assert.match(lines[1], /trivial cell p50 \(1 \+ 1\)\s+100 ms\s+python\s+90 ms\s+1\.11x\s+ok \(target <= 1\.3x\)/);
  assert.match(lines[3], /walkthrough cell p50.*150 ms.*1\.67x\s+ok \(target <= 2x\)/);
  assert.match(lines[5], /kernel ready, yardstick pair\s+2500 ms\s+python\s+1250 ms\s+2\.00x\s+BELOW \(target <= 1x\)/);
});

test("profile trace: a host kernel started as a launcher would writes its start and its cell stage by stage, on one clock, in order; SOCKETS_KERNEL_QUICK_START=0 turns the compile cache off", async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { spawnSync } = await import("node:child_process");
  const { readTrace, startStages, cellParts } = await import("../bench/trace-stages");
  const dir = mkdtempSync(join(tmpdir(), "sockets-profile-test-"));
  try {
    const run = (quick: boolean) => {
      const file = join(dir, `trace-${quick}.jsonl`);
      writeFileSync(file, "");
      // kernel-check: host-kernel as the ssh launcher starts it, kernel_info, one cell, stdin closed.
      const check = spawnSync(process.execPath, [join(__dirname, "..", "src", "host", "kernel-check.js")], {
        encoding: "utf8", timeout: 120_000,
        env: { ...process.env, SOCKETS_TRACE_FILE: file, ...(quick ? {} : { SOCKETS_KERNEL_QUICK_START: "0" }) },
      });
      assert.equal(check.status, 0, check.stderr);
      return readTrace(file);
    };
    const lines = run(true);
    const order = [["host-kernel", "process-start"], ["host-kernel", "code-start"], ["host-kernel", "spawn-tslab"], ["tslab", "process-start"], ["tslab", "code-start"],
      ["tslab", "loaded"], ["tslab", "preload-done"], ["tslab", "converter-created"], ["tslab", "bind-start"], ["tslab", "bound"], ["tslab", "first-send-Router"],
      ["tslab", "exec-start"], ["tslab", "converted"], ["tslab", "exec-end"]];
    const times = order.map(([who, event]) => {
      const line = lines.find((l) => l.who === who && l.event === event);
      assert.ok(line, `no ${who} ${event} line in ${JSON.stringify(lines.map((l) => `${l.who} ${l.event}`))}`);
      return line.t;
    });
    for (let i = 1; i < times.length; i++) assert.ok(times[i] >= times[i - 1], `${order[i].join(" ")} before ${order[i - 1].join(" ")}`);
    // tslab's stages all measured (kernel-check talks to tslab directly: the "plain" chain), each a real duration.
    const stages = startStages(lines, "plain", times[0], times[10], times[13]).filter(([label]) => label.startsWith("tslab"));
    assert.equal(stages.length, 8);
    for (const [label, ms] of stages) assert.ok(ms !== undefined && ms >= 0 && ms < 120_000, `${label}: ${ms}`);
    assert.ok(lines.find((l) => l.event === "loaded" && l.module === "typescript")!.ms! > 0);
    const [cell] = cellParts(lines);
    assert.ok(cell.compileMs > 0 && cell.runMs >= 0 && cell.execMs >= cell.compileMs, JSON.stringify(cell));
    assert.ok(lines.some((l) => l.event === "compile-cache-flushed"), "the compile cache is written after the first cell");
    assert.ok(!run(false).some((l) => l.event === "compile-cache-flushed"), "no compile cache with SOCKETS_KERNEL_QUICK_START=0");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bench lab parts' reports: the profile's stage table, the drift, the walkthrough's own time and the class throughput say OK or BELOW against their targets", async () => {
  const { stageTable, median, cellParts } = await import("../bench/trace-stages");
  const { driftLines } = await import("../bench/kernel-drift");
  const { ownTimes, overheadLines } = await import("../bench/walkthrough-overhead");
  const { throughputLines } = await import("../bench/class-grading");
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2);
  const table = stageTable([{ title: "a", runs: [[["x", 1], ["y", undefined]], [["x", 3], ["y", 5]]] }, { title: "b", runs: [[["x", 10]]] }]);
  assert.match(table[1], /^\s+x\s+1\.0\s+10\.0$/);
  assert.match(table[2], /^\s+y\s+5\.0\s+-$/);
  assert.match(driftLines({ cells: 505, earlyMs: 10, lateMs: 11, ratio: 1.1, earlyCompileMs: 5, lateCompileMs: 6 }).join("\n"), /cells 495-505 p50 11\.0 ms: 1\.10x, target <= 1\.2x: OK/);
  assert.match(driftLines({ cells: 505, earlyMs: 10, lateMs: 13, ratio: 1.3, earlyCompileMs: 5, lateCompileMs: 6 }).join("\n"), /1\.30x, target <= 1\.2x: BELOW/);
  // Two kernels of juliet (one per part) and one of romeo's: cells matched per host, in run order; waits-for-peer left out.
  const line = (pid: number, t: number, event: string, extra: object = {}) => ({ t, pid, who: "tslab", event, ...extra });
  const lines = [
    line(1, 0, "process-start", { host: "juliet" }), line(2, 0, "process-start", { host: "romeo" }), line(3, 0, "process-start", { host: "juliet" }),
    line(1, 10, "exec-start"), line(1, 12, "converted", { ms: 2 }), line(1, 20, "exec-end"),
    line(2, 21, "exec-start"), line(2, 22, "converted", { ms: 1 }), line(2, 25, "exec-end"),
    line(1, 30, "exec-start"), line(1, 31, "converted", { ms: 1 }), line(1, 90, "exec-end"),
    line(3, 100, "exec-start"), line(3, 101, "converted", { ms: 1 }), line(3, 105, "exec-end"),
  ];
  assert.deepEqual(cellParts(lines, 1).map((p) => p.runMs), [8, 59]);
  const entry = (host: string, index: number, waitsForPeer = false) => ({ host, index, waitsForPeer }) as never;
  const parts = [{ entries: [entry("juliet", 1), entry("romeo", 2), entry("juliet", 3, true)] }, { entries: [entry("juliet", 1)] }] as never;
  assert.deepEqual(ownTimes({ parts }, lines), { ownMs: 8 + 3 + 4, compileMs: 2 + 1 + 1 + 1, unmatched: 0 });
  const o = { cells: 4, runMs: 3000, wallMs: 5000, kernelStartMs: 1000, ownMs: 1500, compileMs: 100, passed: true, unmatched: 0 };
  assert.match(overheadLines({ ...o, ratio: 1.2 }).join("\n"), /1\.20x, target <= 1\.5x: OK/);
  assert.match(overheadLines({ ...o, ratio: 1.6 }).join("\n"), /1\.60x, target <= 1\.5x: BELOW/);
  assert.match(overheadLines({ ...o, ratio: 1.2, unmatched: 2 }).join("\n"), /not measured/);
  const t = throughputLines({ perMinute: { 1: 6, 2: 11 }, secondsPerSubmission: 10, cores: 2 }).join("\n");
  assert.match(t, /seconds per submission \(1 at once\): 10\.0 s, target <= 10 s: OK/);
  assert.match(t, /2 at once vs 1: 1\.83x, target >= 1\.8x: OK/);
  assert.match(t, /throughput per core: 5\.50 submissions\/min\/core/);
  assert.match(t, /200 students: about 18 min on this machine/);
  assert.match(throughputLines({ perMinute: { 1: 4, 2: 6 }, secondsPerSubmission: 15, cores: 2 }).join("\n"), /15\.0 s, target <= 10 s: BELOW[\s\S]*1\.50x, target >= 1\.8x: BELOW/);
});
