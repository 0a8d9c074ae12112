// Byte relays between a kernel's TCP ports and unix sockets: the way from the Jupyter server's
// namespace into a lab host's namespace (a unix socket is a file, which both namespaces see).
import { createConnection, createServer, type NetConnectOpts, type Server, type Socket } from "node:net";

/** How long a relay keeps trying a target that is not listening yet (the kernel is starting). */
const TARGET_WAIT_MS = 60_000;
const RETRY_MS = 10;

/**
 * Pipes `incoming` both ways to a new connection to `target`. While the target refuses (the
 * kernel behind it is still starting) it retries, holding what `incoming` sends until connected.
 */
export function relayTo(incoming: Socket, target: NetConnectOpts): void {
  incoming.pause();
  const giveUpAt = Date.now() + TARGET_WAIT_MS;
  const attempt = () => {
    if (incoming.destroyed) return;
    const outgoing = createConnection(target);
    outgoing.once("connect", () => {
      outgoing.setNoDelay?.(true);
      outgoing.removeAllListeners("error");
      outgoing.on("error", () => incoming.destroy());
      incoming.on("error", () => outgoing.destroy());
      incoming.on("close", () => outgoing.destroy());
      outgoing.on("close", () => incoming.destroy());
      incoming.pipe(outgoing);
      outgoing.pipe(incoming);
    });
    outgoing.once("error", (err: NodeJS.ErrnoException) => {
      outgoing.destroy();
      const notYet = err.code === "ECONNREFUSED" || err.code === "ENOENT";
      if (notYet && Date.now() < giveUpAt) setTimeout(attempt, RETRY_MS);
      else incoming.destroy();
    });
  };
  incoming.on("error", () => incoming.destroy());
  attempt();
}

/** A server that relays every connection it accepts to `target`. */
export function relayServer(target: NetConnectOpts): Server {
  return createServer({ noDelay: true }, (incoming) => relayTo(incoming, target));
}

/** Listens; resolves once listening, rejects with the listen error (e.g. EADDRINUSE). */
export function listen(server: Server, where: { port: number; host: string } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(where, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
