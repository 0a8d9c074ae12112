import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { realtimeUs } from "../src/clock";

test("realtimeUs is CPython's time.time_ns() to the microsecond: between the readings around it", () => {
  for (let i = 0; i < 5; i++) {
    const before = realtimeUs();
    const python = Number(execFileSync("python3", ["-c", "import time; print(time.time_ns())"], { encoding: "utf8" }).trim()) / 1000;
    const after = realtimeUs();
    assert.ok(before <= python && python <= after, `python's ${python} is not within [${before}, ${after}]`);
  }
});

test("realtimeUs has sub-millisecond steps and agrees with Date.now()", () => {
  const readings = Array.from({ length: 1000 }, () => realtimeUs());
  const steps = readings.slice(1).map((us, i) => us - readings[i]);
  assert.ok(steps.every((step) => step >= 0), "the clock went back within 1000 readings");
  assert.ok(steps.filter((step) => step > 0 && step < 100).length > 100, "fewer than 100 steps below 100 µs");
  const now = Date.now();
  assert.ok(Math.abs(realtimeUs() / 1000 - now) < 5, "more than 5 ms from Date.now()");
});
