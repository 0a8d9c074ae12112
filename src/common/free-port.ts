// TCP ports on 127.0.0.1: one the OS picks that nothing listens on (as Jupyter picks kernel
// ports), and whether a given one is free (npm start prefers 8888). One probe for both.
import { createServer } from "node:net";

/** Listens on port (0: the OS picks) and closes again; resolves with the port, or null when it is taken. */
function probe(port: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" || err.code === "EACCES" ? resolve(null) : reject(err)));
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const port = await probe(0);
  if (port === null) throw new Error("no free TCP port on 127.0.0.1");
  return port;
}

/** True when nothing listens on 127.0.0.1:port. */
export async function portIsFree(port: number): Promise<boolean> {
  return (await probe(port)) !== null;
}
