import assert from "node:assert/strict";
import { test } from "node:test";
import { platformProblem, supportedPlatforms } from "../src/platform";

test("Linux on x64 and arm64 is supported", () => {
  assert.deepEqual([...supportedPlatforms], ["linux/x64", "linux/arm64"]);
  assert.equal(platformProblem("linux", "x64"), null);
  assert.equal(platformProblem("linux", "arm64"), null);
});

test("other platforms get a message naming the platform and what to use instead", () => {
  for (const [platform, arch] of [["darwin", "arm64"], ["win32", "x64"], ["linux", "ia32"], ["linux", "riscv64"]]) {
    const problem = platformProblem(platform, arch);
    assert.match(problem ?? "", new RegExp(`runs only on Linux on x86-64 or arm64 .*this is ${platform}/${arch}`));
  }
});

test("this machine passes the check the import makes", () => {
  assert.equal(platformProblem(), null);
});
