// Outside tslab (plain node) a bundle prints its text/plain; inside, it goes to tslab's writer
// (tested with a real kernel in notebook-kernel.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { display } from "@sockets-typescript/notebook";

test("plain node: the text fallback is printed", () => {
  const printed: string[] = [];
  assert.equal(display({ "text/plain": "wire on juliet (lan0): no packets since the previous view", "image/svg+xml": "<svg/>" }, (t) => printed.push(t)), "text");
  assert.deepEqual(printed, ["wire on juliet (lan0): no packets since the previous view"]);
});
