// Loaded into tslab's process by host-kernel (node -r): the stop button's message on one line.
// tslab makes the error it reports for an interrupt ("Interrupted asynchronously") once, when
// its executor is created, and prints it with its stack: tslab's own start-up frames, under every
// interrupted cell. Made (during that one synchronous call) as an Error that prints as
// "Error: Interrupted asynchronously", it reads like the socket module's one-line errors.
// If tslab's layout ever changes, this does nothing.
import { inspect } from "node:util";

class OneLineError extends Error {
  [inspect.custom](): string {
    return `${this.name}: ${this.message}`;
  }
}

function quietInterruptError(): void {
  let executor: { createExecutor?: (...args: unknown[]) => unknown };
  try {
    executor = require(require.resolve("tslab/dist/executor.js", { paths: [process.cwd(), __dirname] }));
  } catch {
    return;
  }
  const create = executor.createExecutor;
  if (typeof create !== "function") return;
  executor.createExecutor = function (this: unknown, ...args: unknown[]) {
    const original = globalThis.Error;
    globalThis.Error = OneLineError as unknown as ErrorConstructor;
    try {
      return create.apply(this, args);
    } finally {
      globalThis.Error = original;
    }
  };
}

quietInterruptError();
