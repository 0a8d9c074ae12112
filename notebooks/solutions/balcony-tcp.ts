// The balcony dialogue over TCP, as a standalone program. On each host:
//   node dist/notebooks/solutions/balcony-tcp.js juliet     (the server: start it first)
//   node dist/notebooks/solutions/balcony-tcp.js romeo      (the client)
// Lines are framed with a newline, as in the solution notebooks (03-balcony-tcp-*.ipynb): TCP
// keeps the bytes in order but not the boundaries between sends.
import * as socket from "@sockets-typescript/socket";
import { JULIET, ports } from "@sockets-typescript/topology";
import { RECEIVED_PREFIX, SENT_PREFIX, Speaker, checkDelivery, linesOf } from "@sockets-typescript/dialogue";
import { runAs } from "@sockets-typescript/dialogue";

/** The bytes to send for one line of text: UTF-8, ended by a newline. */
function frameLine(text: string): Buffer {
  if (text.includes("\n")) throw new RangeError(`a framed line cannot contain a newline: ${JSON.stringify(text)}`);
  return Buffer.from(text + "\n", "utf8");
}

/** Reads newline-ended lines from a connected TCP socket, whatever sizes recv returns. */
class LineReader {
  private pending = Buffer.alloc(0);
  /** How many recv calls returned data: fewer than the lines read means lines arrived merged. */
  recvCalls = 0;

  constructor(private readonly sock: socket.Socket) {}

  /** The next line without its newline, or null when the peer closed its side. */
  async readLine(): Promise<string | null> {
    for (;;) {
      const end = this.pending.indexOf(0x0a);
      if (end >= 0) {
        const line = this.pending.subarray(0, end).toString("utf8");
        this.pending = this.pending.subarray(end + 1);
        return line;
      }
      const chunk = await this.sock.recv(4096);
      if (chunk.length === 0) {
        if (this.pending.length > 0) throw new Error(`connection closed in the middle of a line (${this.pending.length} bytes without a newline)`);
        return null;
      }
      this.recvCalls += 1;
      this.pending = Buffer.concat([this.pending, chunk]);
    }
  }
}

/** Sends this host's lines, each framed, printing each one. */
export async function speak(conn: socket.Socket, me: Speaker): Promise<void> {
  for (const line of linesOf(me)) {
    await conn.sendall(frameLine(line.text));
    console.log(SENT_PREFIX + line.text);
  }
}

/** Reads as many lines as the partner speaks, printing each one; stops early if the partner closes. */
export async function listen(reader: LineReader, partner: Speaker): Promise<string[]> {
  const heard: string[] = [];
  for (let i = 0; i < linesOf(partner).length; i++) {
    const text = await reader.readLine();
    if (text === null) break;
    heard.push(text);
    console.log(RECEIVED_PREFIX + text);
  }
  console.log(`(${heard.length} lines arrived in ${reader.recvCalls} recv calls)`);
  return heard;
}

/** Connects to juliet, trying again while she is not listening yet (for up to `seconds`). */
async function connectToJuliet(seconds: number): Promise<socket.Socket> {
  const giveUpAt = Date.now() + seconds * 1000;
  for (;;) {
    const sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    try {
      await sock.connect([JULIET, ports.juliet]);
      return sock;
    } catch (err) {
      sock.close();
      if (!(err instanceof socket.ConnectionRefusedError) || Date.now() > giveUpAt) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function juliet(): Promise<void> {
  const server = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
  server.bind([JULIET, ports.juliet]);
  server.listen(1);
  console.log(`juliet listens on ${JULIET}:${ports.juliet}`);
  const [conn, addr] = await server.accept();
  console.log(`romeo connected from ${String(addr)}`);
  const heard = await listen(new LineReader(conn), "romeo");
  await speak(conn, "juliet");
  conn.close();
  server.close();
  checkDelivery("romeo", heard);
}

async function romeo(): Promise<void> {
  const conn = await connectToJuliet(30);
  console.log(`romeo connected to ${JULIET}:${ports.juliet}`);
  await speak(conn, "romeo");
  const heard = await listen(new LineReader(conn), "juliet");
  conn.close();
  checkDelivery("juliet", heard);
}

if (require.main === module) runAs("dist/notebooks/solutions/balcony-tcp.js", { juliet, romeo });
