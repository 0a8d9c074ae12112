// Newline framing for the TCP balcony solution. TCP delivers a byte stream: one recv may
// return half a line or several lines run together, so the receiver buffers bytes and
// cuts them at each "\n"; the sender ends every line with one.
import * as socket from "@sockets-typescript/socket";

const NEWLINE = 0x0a;

/** The bytes to send for one line of text: UTF-8, ended by a newline. */
export function frameLine(text: string): Buffer {
  if (text.includes("\n")) throw new RangeError(`a framed line cannot contain a newline: ${JSON.stringify(text)}`);
  return Buffer.from(text + "\n", "utf8");
}

/** Reads newline-ended lines from a connected TCP socket, whatever sizes recv returns. */
export class LineReader {
  private pending = Buffer.alloc(0);
  /** How many recv calls returned data: fewer than the lines read means lines arrived merged. */
  recvCalls = 0;

  constructor(private readonly sock: socket.Socket, private readonly bufsize = 4096) {}

  /** The next line without its newline, or null when the peer closed its side. */
  async readLine(): Promise<string | null> {
    for (;;) {
      const end = this.pending.indexOf(NEWLINE);
      if (end >= 0) {
        const line = this.pending.subarray(0, end).toString("utf8");
        this.pending = this.pending.subarray(end + 1);
        return line;
      }
      const chunk = await this.sock.recv(this.bufsize);
      if (chunk.length === 0) {
        if (this.pending.length > 0) throw new Error(`connection closed in the middle of a line (${this.pending.length} bytes without a newline)`);
        return null;
      }
      this.recvCalls += 1;
      this.pending = Buffer.concat([this.pending, chunk]);
    }
  }
}
