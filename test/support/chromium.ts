// Debian's chromium, headless, driven by puppeteer-core (which never downloads a browser), with a
// profile folder of its own that is removed again, and a way to kill it now from a signal handler.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";

export const CHROMIUM = "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);

const CLOSE_DEADLINE_MS = 10_000;

export interface Chromium {
  browser: Browser;
  profileDir: string;
  /** Closes the browser (killing its process group if it does not close in time) and removes the profile. */
  close(): Promise<void>;
  /** Synchronous, for a signal handler: kills the process group, removes the profile. */
  killNow(): void;
}

export async function launchChromium(): Promise<Chromium> {
  const profileDir = mkdtempSync(join(tmpdir(), "sockets-chromium-"));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profileDir,
      // Our own signal handlers clean up (the lab, the server, then the browser).
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      timeout: 30_000,
      protocolTimeout: 60_000,
      defaultViewport: { width: 1280, height: 900 },
      args: [
        // Chromium refuses to start its sandbox as root (the tests run as root: they create network
        // namespaces), and the sandbox's user namespaces are not available in every CI container.
        // The browser only opens our own Jupyter server on 127.0.0.1.
        "--no-sandbox",
        // Two notebook tabs: the one in the background must keep handling its kernel's messages at
        // full speed (a student's background tab does too: a visible window is not throttled).
        "--disable-background-timer-throttling",
        "--disable-backgrounding-occluded-windows",
        "--disable-renderer-backgrounding",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-dev-shm-usage",
      ],
    });
  } catch (err) {
    rmSync(profileDir, { recursive: true, force: true });
    throw new Error(`${CHROMIUM} did not start: ${(err as Error).message}`);
  }
  const pid = browser.process()?.pid;
  const killNow = () => {
    // puppeteer starts chromium in a process group of its own (detached): end the whole group.
    if (pid) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(profileDir, { recursive: true, force: true });
  };
  const close = async () => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([browser.close().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_DEADLINE_MS)))]);
    clearTimeout(timer);
    killNow();
  };
  return { browser, profileDir, close, killNow };
}

/** pids of the chromium processes whose command line names this profile folder (none after close). */
export function chromiumProcesses(profileDir: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(profileDir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * What a browser test's signal handler ends at once (node --test ends a file that runs too long
 * with SIGTERM, without its after hooks): the browser, the Jupyter server's process group and the
 * scratch folder. Pass it to takeLabDownOnSignal; `now` reads the test's current ones.
 */
export function endBrowserTestNow(now: () => { chromium?: Chromium; server?: { process: { pid?: number } }; scratch: string }): () => void {
  return () => {
    const { chromium, server, scratch } = now();
    chromium?.killNow();
    if (server?.process.pid) {
      try {
        process.kill(-server.process.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(scratch, { recursive: true, force: true });
  };
}
