// The TCP receivers' start, shared by this module's peer and the floor's: listen on (host, 0),
// say "READY <port>", accept one connection within `limit` seconds.
import * as socket from "@sockets-typescript/socket";
import { ready } from "./lines";

export async function acceptOne(host: string, limit: number): Promise<{ server: socket.Socket; conn: socket.Socket }> {
  const server = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  server.bind([host, 0]);
  server.listen(1);
  ready(server.getsockname()[1]);
  server.settimeout(limit);
  const [conn] = await server.accept();
  return { server, conn };
}
