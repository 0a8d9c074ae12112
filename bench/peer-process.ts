// One peer process of a measurement: started, waited for ("READY <port>", "RESULT <json>"),
// bounded in time, and killed at the end or on Ctrl-C. Only processes the bench started are killed.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

const running = new Set<Peer>();
let stopped = false;

/** Kills every peer still running and starts no more (Ctrl-C, or a failure half-way). */
export function killAllPeers(): void {
  stopped = true;
  for (const peer of running) peer.kill();
}

export class Peer {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiters: (() => void)[] = [];
  #stderr = "";
  #exited: string | null = null;

  constructor(readonly name: string, argv: readonly string[]) {
    if (stopped) throw new Error(`${name}: not started, the bench is stopping`);
    this.#child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    running.add(this);
    createInterface({ input: this.#child.stdout! }).on("line", (line) => {
      this.#lines.push(line);
      this.#wake();
    });
    this.#child.stderr!.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-2000);
    });
    this.#child.on("error", (err) => this.#end(`could not start: ${err.message}`));
    this.#child.on("exit", (code, signal) => this.#end(signal ? `killed by ${signal}` : `exited with code ${code}`));
  }

  #end(how: string): void {
    this.#exited ??= how;
    running.delete(this);
    this.#wake();
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** The text after `word ` on the first stdout line starting with it; rejects on exit or after timeoutMs. */
  async #line(word: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.#lines.find((l) => l.startsWith(word + " "));
      if (line !== undefined) return line.slice(word.length + 1);
      if (this.#exited !== null) {
        // Lines may still be in the pipe when "exit" fires: give them one more turn.
        await new Promise((resolve) => setTimeout(resolve, 20));
        const late = this.#lines.find((l) => l.startsWith(word + " "));
        if (late !== undefined) return late.slice(word.length + 1);
        throw new Error(`${this.name} ${this.#exited} before ${word}${this.#stderr ? `: ${this.#stderr.trim().split("\n").slice(-3).join(" | ")}` : ""}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.kill();
        throw new Error(`${this.name}: no ${word} within ${timeoutMs / 1000} s (killed)`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The port the peer listens on. */
  async ready(timeoutMs: number): Promise<number> {
    return Number(await this.#line("READY", timeoutMs));
  }

  async result<T>(timeoutMs: number): Promise<T> {
    return JSON.parse(await this.#line("RESULT", timeoutMs)) as T;
  }

  kill(): void {
    if (this.#exited === null && this.#child.pid !== undefined) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
