// What each walkthrough step must show (../../shared walkthrough spec, steps U1-U10 and
// T1-T14), checked against the text the step's cells printed on that host.
import { JULIET, ROMEO, ports, type HostName } from "@sockets-typescript/topology";

export interface StepOutput {
  /** Everything the step's cells printed on this host, stdout and stderr. */
  text: string;
}

/** Values one step learns and a later one checks (e.g. romeo's ephemeral port). */
export type Memory = Map<string, number>;

export interface Expectation {
  step: string;
  host: HostName;
  /** What the student must see, in words, for the report. */
  shows: string;
  /** Null when the output is right, else what is wrong. */
  check(output: StepOutput, memory: Memory): string | null;
}

const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const tuple = (host: string, port: number | string) => `('${host}', ${port})`;

function needs(text: string, pattern: RegExp | string, what: string): string | null {
  const found = typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
  return found ? null : `expected ${what}`;
}

function all(...results: (string | null)[]): string | null {
  return results.find((result) => result !== null) ?? null;
}

/** An error the way the operating system words it, on one line, without stack frames. */
function osError(errnoNumber: number, words: string, className = "OSError") {
  return (output: StepOutput) =>
    all(
      needs(output.text, `${className}: [Errno ${errnoNumber}] ${words}`, `"${className}: [Errno ${errnoNumber}] ${words}"`),
      /^\s+at /m.test(output.text) ? "the error shows a stack trace instead of one line" : null,
    );
}

/** An ephemeral port: a number the OS picked, in the usual dynamic range. */
function ephemeral(text: string, pattern: RegExp, name: string, memory: Memory): string | null {
  const match = pattern.exec(text);
  if (!match) return `expected ${name}`;
  const port = Number(match[1]);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) return `${name}: ${match[1]} is not an ephemeral port`;
  memory.set(name, port);
  return null;
}

function samePort(text: string, pattern: RegExp, name: string, memory: Memory): string | null {
  const match = pattern.exec(text);
  if (!match) return `expected the peer address with ${name}`;
  const expected = memory.get(name);
  return Number(match[1]) === expected ? null : `the peer port ${match[1]} is not ${name} ${expected}`;
}

const socketRepr = (type: string) => new RegExp(`<socket\\.socket fd=\\d+, family=AF_INET, type=${type}, proto=0(, laddr=\\('0\\.0\\.0\\.0', 0\\))?>`);
const laddr = (host: string, port: number) => `laddr=${tuple(host, port)}`;
const row = (state: string, endpoint: string) => new RegExp(`^${state}\\s.*\\s${esc(endpoint)}\\s`, "m");
const noRow = (text: string, endpoint: string, states: string) =>
  new RegExp(`^(${states})\\s.*\\s${esc(endpoint)}\\s`, "m").test(text) ? `${endpoint} is still in the socket table` : null;

/**
 * The views' text fallbacks (packages/notebook): a wire view prints one line per packet,
 * "  3   +0.123 ms  romeo:41234 -> juliet:4000  TCP [SYN] seq=0 win=64240"; a socket table
 * starts with "TCP sockets on juliet ..." and lays its rows out like ss.
 */
const packet = (line: string) => new RegExp(`^ +\\d+ +\\+[\\d.]+ ms  ${line}`, "m");

/** The patterns found in this order (each after the previous one's match); null or what is missing. */
function inOrder(text: string, steps: [RegExp, string][]): string | null {
  let from = 0;
  for (const [i, [pattern, what]] of steps.entries()) {
    const found = new RegExp(pattern.source, pattern.flags + "g");
    found.lastIndex = from;
    const match = found.exec(text);
    if (!match) return i === 0 ? `expected ${what} on the wire` : `expected ${what} on the wire after ${steps[i - 1][1]}`;
    from = match.index + match[0].length;
  }
  return null;
}

/** The last socket table the step printed (a cell may show one before and one after a call). */
function lastTable(text: string): string {
  const start = Math.max(text.lastIndexOf("UDP sockets on "), text.lastIndexOf("TCP sockets on "));
  if (start < 0) return "";
  const lines = text.slice(start).split("\n");
  const end = lines.findIndex((line, i) => i > 0 && !/^(State |\S+ +(\d+|-) +(\d+|-)  |\(no )/.test(line));
  return (end < 0 ? lines : lines.slice(0, end)).join("\n") + "\n";
}

/** It is the view's table (not raw ss output). */
const table = (text: string, protocol: "UDP" | "TCP", host: HostName) => needs(text, `${protocol} sockets on ${host} `, `the ${protocol} socket table of ${host}`);

const remembered = (memory: Memory, name: string) => String(memory.get(name) ?? "\\d+");

const J4000 = `${JULIET}:${ports.juliet}`;
const J4001 = `${JULIET}:${ports.julietSecond}`;
const romeoUdpPort = "romeo's UDP ephemeral port";
const romeoTcpPort = "romeo's TCP ephemeral port";

export const udpExpectations: Expectation[] = [
  { step: "U1", host: "juliet", shows: "a UDP socket with fd, family and type, no address", check: (o) => needs(o.text, socketRepr("SOCK_DGRAM"), "<socket.socket fd=N, family=AF_INET, type=SOCK_DGRAM, proto=0>") },
  { step: "U2", host: "juliet", shows: `bound to ${J4000}, listed in the socket table`, check: (o) => all(needs(o.text, laddr(JULIET, ports.juliet), laddr(JULIET, ports.juliet)), table(o.text, "UDP", "juliet"), needs(o.text, row("UNCONN", J4000), `an UNCONN row for ${J4000}`)) },
  { step: "U3", host: "juliet", shows: "errno 98, Address already in use", check: osError(98, "Address already in use") },
  { step: "U4", host: "juliet", shows: `second socket bound to ${J4001}, its row marked new`, check: (o) => all(needs(o.text, laddr(JULIET, ports.julietSecond), laddr(JULIET, ports.julietSecond)), needs(o.text, new RegExp(`^UNCONN\\s.*\\s${esc(J4001)}\\s.*<- new *$`, "m"), `an UNCONN row for ${J4001} marked <- new`), needs(o.text, row("UNCONN", J4000), `the ${J4000} row`)) },
  { step: "U5", host: "juliet", shows: "sendto returns 5; on the wire juliet's 5-byte datagram to romeo:5000 and romeo's ICMP port unreachable", check: (o) => all(needs(o.text, /^sendto returned 5$/m, "sendto returned 5"), inOrder(o.text, [
    [packet(`juliet:${ports.juliet} -> romeo:${ports.romeoUnused}  UDP length=13 \\(5 bytes\\) b'Hello'`), `juliet:${ports.juliet} -> romeo:${ports.romeoUnused} UDP (5 bytes) b'Hello'`],
    [packet(esc(`romeo -> juliet  ICMP port unreachable (about UDP juliet:${ports.juliet} -> romeo:${ports.romeoUnused})`)), "romeo's ICMP port unreachable about that datagram"],
  ])) },
  { step: "U6", host: "romeo", shows: "sendto returns 5; an ephemeral source port, in the socket table and on the wire", check: (o, m) => all(needs(o.text, /^sendto returned 5$/m, "sendto returned 5"), ephemeral(o.text, /the OS picked \('0\.0\.0\.0', (\d+)\)/, romeoUdpPort, m),
    table(o.text, "UDP", "romeo"), needs(o.text, row("UNCONN", `0.0.0.0:${remembered(m, romeoUdpPort)}`), "an UNCONN row for romeo's ephemeral port"),
    needs(o.text, packet(`romeo:${remembered(m, romeoUdpPort)} -> juliet:${ports.juliet}  UDP length=13 \\(5 bytes\\) b'Hello'`), "the datagram from romeo's ephemeral port on the wire")) },
  { step: "U7", host: "juliet", shows: "b'Hello' from romeo's address and ephemeral port; that datagram on the wire", check: (o, m) => all(needs(o.text, `received b'Hello' from ('${ROMEO}', `, `received b'Hello' from ('${ROMEO}', <port>)`), samePort(o.text, new RegExp(`from \\('${esc(ROMEO)}', (\\d+)\\)`), romeoUdpPort, m),
    needs(o.text, packet(`romeo:${remembered(m, romeoUdpPort)} -> juliet:${ports.juliet}  UDP length=13 \\(5 bytes\\) b'Hello'`), "the datagram from romeo's ephemeral port on the wire")) },
  { step: "U8", host: "juliet", shows: "sendto returns 41", check: (o) => needs(o.text, /^sendto returned 41$/m, "sendto returned 41") },
  { step: "U9", host: "romeo", shows: "the line, from juliet's bound address", check: (o) => needs(o.text, `received b'O Romeo, Romeo, wherefore art thou Romeo?' from ${tuple(JULIET, ports.juliet)}`, "the line from juliet's 10.10.0.101:4000") },
  { step: "U10", host: "juliet", shows: "romeo's getsockname() port equals the port juliet saw; the sockets are gone from the socket table", check: (o, m) => all(samePort(o.text, /^juliet saw port (\d+) in step U7; romeo's getsockname\(\) says \d+: the same port$/m, romeoUdpPort, m), needs(o.text, "[closed]", "a closed socket"), noRow(o.text, J4000, "UNCONN"), noRow(o.text, J4001, "UNCONN"),
    needs(o.text, new RegExp(`^\\(gone\\)\\s.*\\s${esc(J4000)}\\s.*<- gone, was UNCONN *$`, "m"), `${J4000} marked gone`), needs(o.text, new RegExp(`^\\(gone\\)\\s.*\\s${esc(J4001)}\\s.*<- gone, was UNCONN *$`, "m"), `${J4001} marked gone`)) },
  { step: "U10", host: "romeo", shows: "the socket is gone from the socket table", check: (o, m) => all(needs(o.text, "[closed]", "a closed socket"), noRow(o.text, `:${m.get(romeoUdpPort)}`, "UNCONN"),
    needs(o.text, new RegExp(`^\\(gone\\)\\s.*\\s0\\.0\\.0\\.0:${remembered(m, romeoUdpPort)}\\s.*<- gone, was UNCONN *$`, "m"), "romeo's ephemeral port marked gone")) },
  // Demonstrations: datagram boundaries; a receive ended by the stop button, the socket still receives.
  { step: "U11", host: "juliet", shows: "a new socket bound to 10.10.0.101:4000", check: (o) => all(needs(o.text, "demo socket bound:", "demo socket bound"), needs(o.text, laddr(JULIET, ports.juliet), laddr(JULIET, ports.juliet))) },
  { step: "U12", host: "romeo", shows: "three sendto calls: 3, 3, 5", check: (o) => needs(o.text, /^sendto returned 3\nsendto returned 3\nsendto returned 5$/m, "sendto returned 3, 3 and 5") },
  { step: "U13", host: "juliet", shows: "three recvfrom calls, one datagram each; a fourth times out", check: (o) => needs(o.text, /^recvfrom 1: b'one'\nrecvfrom 2: b'two'\nrecvfrom 3: b'three'\nrecvfrom 4: TimeoutError: timed out/m, "recvfrom 1: b'one', 2: b'two', 3: b'three', then a timeout") },
  { step: "U14", host: "juliet", shows: "a recvfrom on an empty queue, ended by the stop button", check: (o) => stopped(o.text) },
  { step: "U15", host: "romeo", shows: "a later datagram: sendto returns 14", check: (o) => needs(o.text, /^sendto returned 14$/m, "sendto returned 14") },
  { step: "U16", host: "juliet", shows: "the later datagram arrives on the socket whose receive was stopped", check: (o) => needs(o.text, `received b'after the stop' from ('${ROMEO}', `, "received b'after the stop' from romeo") },
];

const romeoTakenBytes = "the bytes romeo's send took in T25";

/** romeo's TCP port as remembered from T6 (T4 used another ephemeral port: any). */
const rp = (m: Memory) => remembered(m, romeoTcpPort);
const handshake = (m: Memory): [RegExp, string][] => [
  [packet(`romeo:${rp(m)} -> juliet:${ports.juliet}  TCP \\[SYN\\] seq=0 win=\\d+`), "romeo's SYN"],
  [packet(`juliet:${ports.juliet} -> romeo:${rp(m)}  TCP \\[SYN, ACK\\] seq=0 ack=1 win=\\d+`), "juliet's SYN-ACK"],
  [packet(`romeo:${rp(m)} -> juliet:${ports.juliet}  TCP \\[ACK\\] seq=1 ack=1 win=\\d+`), "romeo's ACK"],
];
const romeoData = (m: Memory): [RegExp, string][] => [
  [packet(`romeo:${rp(m)} -> juliet:${ports.juliet}  TCP \\[PSH, ACK\\] seq=1 ack=1 win=\\d+ len=51 b'But, soft! what light th'\\.\\.\\.`), "romeo's 51-byte data segment"],
  [packet(`juliet:${ports.juliet} -> romeo:${rp(m)}  TCP \\[ACK\\] seq=1 ack=52 win=\\d+`), "juliet's ACK of it (ack=52)"],
];
const julietData = (m: Memory): [RegExp, string][] => [
  [packet(`juliet:${ports.juliet} -> romeo:${rp(m)}  TCP \\[PSH, ACK\\] seq=1 ack=52 win=\\d+ len=82 b"What's in a name\\? that w"\\.\\.\\.`), "juliet's 82-byte data segment"],
  [packet(`romeo:${rp(m)} -> juliet:${ports.juliet}  TCP \\[ACK\\] seq=52 ack=83 win=\\d+`), "romeo's ACK of it (ack=83)"],
];
const estab = (local: string, peer: string, recvQ: number) => new RegExp(`^ESTAB\\s+${recvQ}\\s+0\\s+${esc(local)}\\s+${esc(peer)}\\s`, "m");

export const tcpExpectations: Expectation[] = [
  { step: "T1", host: "juliet", shows: "a TCP socket with fd, family and type", check: (o) => needs(o.text, socketRepr("SOCK_STREAM"), "<socket.socket fd=N, family=AF_INET, type=SOCK_STREAM, proto=0>") },
  { step: "T2", host: "juliet", shows: `bound to ${J4000}`, check: (o) => needs(o.text, laddr(JULIET, ports.juliet), laddr(JULIET, ports.juliet)) },
  { step: "T3", host: "juliet", shows: "errno 98, Address already in use", check: osError(98, "Address already in use") },
  { step: "T4", host: "romeo", shows: "errno 111, Connection refused; on the wire romeo's SYN answered by an RST from juliet's port 4000", check: (o) => all(osError(111, "Connection refused", "ConnectionRefusedError")(o), inOrder(o.text, [
    [packet(`romeo:\\d+ -> juliet:${ports.juliet}  TCP \\[SYN\\] seq=0 win=\\d+`), "romeo's SYN to juliet:4000"],
    [packet(`juliet:${ports.juliet} -> romeo:\\d+  TCP \\[RST, ACK\\] seq=0 ack=1 win=0`), "juliet's RST from port 4000"],
  ])) },
  { step: "T5", host: "juliet", shows: "LISTEN in the socket table", check: (o) => all(table(o.text, "TCP", "juliet"), needs(o.text, row("LISTEN", J4000), `a LISTEN row for ${J4000}`)) },
  { step: "T6", host: "romeo", shows: "connected from an ephemeral port to juliet; ESTAB; SYN, SYN-ACK, ACK on the wire", check: (o, m) => all(needs(o.text, `raddr=${tuple(JULIET, ports.juliet)}`, `raddr=${tuple(JULIET, ports.juliet)}`), ephemeral(o.text, new RegExp(`laddr=\\('${esc(ROMEO)}', (\\d+)\\)`), romeoTcpPort, m),
    needs(o.text, row("ESTAB", `${ROMEO}:${m.get(romeoTcpPort)}`), "an ESTAB row"), inOrder(o.text, handshake(m))) },
  { step: "T7", host: "juliet", shows: "a new connected socket, the peer's address; still listening; the handshake on juliet's wire", check: (o, m) => all(samePort(o.text, new RegExp(`^peer \\('${esc(ROMEO)}', (\\d+)\\)$`, "m"), romeoTcpPort, m), needs(o.text, `raddr=('${ROMEO}', `, "the accepted socket's raddr"), needs(o.text, row("LISTEN", J4000), "the LISTEN row still there"), needs(o.text, row("ESTAB", J4000), "an ESTAB row for the connection"),
    inOrder(o.text, handshake(m))) },
  { step: "T8", host: "romeo", shows: "send returns 51; the data segment and juliet's ACK on the wire", check: (o, m) => all(needs(o.text, /^send returned 51$/m, "send returned 51"), inOrder(o.text, romeoData(m))) },
  { step: "T9", host: "juliet", shows: "51 bytes in Recv-Q before recv; the line; data and ACK on the wire", check: (o, m) => all(needs(o.text, estab(J4000, `${ROMEO}:${rp(m)}`, 51), "the ESTAB row with Recv-Q 51 before recv"), needs(o.text, "received b'But, soft! what light through yonder window breaks?'", "the line as bytes"), inOrder(o.text, romeoData(m))) },
  { step: "T10", host: "juliet", shows: "errno 107, Transport endpoint is not connected", check: osError(107, "Transport endpoint is not connected") },
  { step: "T11", host: "juliet", shows: "send returns 82; the data segment and romeo's ACK on the wire", check: (o, m) => all(needs(o.text, /^send returned 82$/m, "send returned 82"), inOrder(o.text, julietData(m))) },
  { step: "T12", host: "romeo", shows: "82 bytes in Recv-Q before recv; the line; data and ACK on the wire", check: (o, m) => all(needs(o.text, estab(`${ROMEO}:${rp(m)}`, J4000, 82), "the ESTAB row with Recv-Q 82 before recv"), needs(o.text, `received b"What's in a name? that which we call a rose by any other name would smell as sweet"`, "the line as bytes"), inOrder(o.text, julietData(m))) },
  { step: "T13", host: "romeo", shows: "shutdown succeeds; romeo's FIN on the wire; FIN-WAIT in the socket table", check: (o, m) => all(needs(o.text, "shut down and closed <socket.socket [closed]", "shut down and closed"),
    needs(o.text, packet(`romeo:${rp(m)} -> juliet:${ports.juliet}  TCP \\[FIN, ACK\\] seq=52 ack=83`), "romeo's FIN on the wire"), needs(o.text, row("FIN-WAIT-[12]", `${ROMEO}:${rp(m)}`), "a FIN-WAIT-1/2 row for romeo's side")) },
  { step: "T14", host: "juliet", shows: "CLOSE-WAIT before the shutdown; FIN and ACK each way on the wire; no LISTEN or ESTAB row left", check: (o, m) => all(needs(o.text, "closed <socket.socket [closed]", "the closed sockets"),
    needs(o.text, row("CLOSE-WAIT", J4000), "a CLOSE-WAIT row before juliet's shutdown"),
    inOrder(o.text, [
      [packet(`romeo:${rp(m)} -> juliet:${ports.juliet}  TCP \\[FIN, ACK\\] seq=52 ack=83`), "romeo's FIN"],
      // ack=53 acknowledges romeo's FIN. In CLOSE-WAIT Linux delays that ACK (pingpong mode, up to
      // ~40 ms): when juliet's shutdown comes first, her FIN carries it and no lone [ACK] is sent.
      // Both are right, so the lone ACK is not required; her FIN must acknowledge romeo's.
      [packet(`juliet:${ports.juliet} -> romeo:${rp(m)}  TCP \\[FIN, ACK\\] seq=83 ack=53`), "juliet's FIN, acknowledging romeo's (ack=53)"],
      [packet(`romeo:${rp(m)} -> juliet:${ports.juliet}  TCP \\[ACK\\] seq=53 ack=84`), "romeo's ACK of juliet's FIN"],
    ]),
    noRow(lastTable(o.text), J4000, "LISTEN|ESTAB|CLOSE-WAIT")) },
  // Demonstrations: no message boundaries; half-close; a send that takes part and then waits.
  { step: "T15", host: "juliet", shows: "listening again on 10.10.0.101:4000", check: (o) => all(needs(o.text, "listening:", "listening"), needs(o.text, laddr(JULIET, ports.juliet), laddr(JULIET, ports.juliet))) },
  { step: "T16", host: "romeo", shows: "three sends: 3, 3, 5", check: (o) => needs(o.text, /^send returned 3\nsend returned 3\nsend returned 5$/m, "send returned 3, 3 and 5") },
  { step: "T17", host: "juliet", shows: "one recv returns the three sends run together", check: (o) => needs(o.text, /^one recv: b'onetwothree' \(11 bytes\)$/m, "one recv: b'onetwothree' (11 bytes)") },
  { step: "T18", host: "romeo", shows: "shutdown(SHUT_WR); romeo's side in FIN-WAIT", check: (o) => all(needs(o.text, "shut down for writing", "shut down for writing"), needs(o.text, /FIN-WAIT-[12]/, "a FIN-WAIT-1/2 row")) },
  { step: "T19", host: "juliet", shows: "recv returns b'' after the FIN; juliet still sends; CLOSE-WAIT", check: (o) => all(needs(o.text, /^recv after romeo's FIN: b''$/m, "recv after romeo's FIN: b''"), needs(o.text, /^juliet can still send: send returned 34$/m, "send returned 34"), needs(o.text, /CLOSE-WAIT/, "a CLOSE-WAIT row")) },
  { step: "T20", host: "romeo", shows: "the other direction still delivers; romeo in FIN-WAIT-2", check: (o) => all(needs(o.text, "received b'Good night, good night! Parting is'", "juliet's line"), needs(o.text, /FIN-WAIT-2/, "a FIN-WAIT-2 row")) },
  { step: "T21", host: "juliet", shows: "juliet closes her direction", check: (o) => needs(o.text, "closed: <socket.socket [closed]", "closed") },
  { step: "T22", host: "romeo", shows: "recv returns b''; romeo's side in TIME-WAIT", check: (o) => all(needs(o.text, /^recv after juliet's FIN: b''$/m, "recv after juliet's FIN: b''"), needs(o.text, /TIME-WAIT/, "a TIME-WAIT row")) },
  { step: "T23", host: "romeo", shows: "a third connection", check: (o) => needs(o.text, `raddr=${tuple(JULIET, ports.juliet)}`, "connected to juliet") },
  { step: "T24", host: "juliet", shows: "accepted, not reading", check: (o) => needs(o.text, `accepted a connection from ('${ROMEO}', `, "accepted a connection from romeo") },
  {
    step: "T25",
    host: "romeo",
    shows: "send takes less than asked, the next send waits (timeout)",
    check: (o, m) => {
      const first = /^send\(10000000 bytes\) returned (\d+)$/m.exec(o.text);
      if (!first) return "expected send(10000000 bytes) returned <N>";
      if (Number(first[1]) >= 10_000_000 || Number(first[1]) <= 0) return `send took ${first[1]} bytes: expected part of the 10000000`;
      const total = /^then send waited 1 s: TimeoutError: timed out; (\d+) bytes taken in all$/m.exec(o.text);
      if (!total) return "expected the next send to wait and time out";
      m.set(romeoTakenBytes, Number(total[1]));
      return null;
    },
  },
  { step: "T26", host: "juliet", shows: "juliet reads exactly the bytes romeo's send took, then b''", check: (o, m) => {
    const read = /^juliet read (\d+) bytes, then b''$/m.exec(o.text);
    if (!read) return "expected juliet read <N> bytes, then b''";
    return Number(read[1]) === m.get(romeoTakenBytes) ? null : `juliet read ${read[1]} bytes, romeo's send took ${m.get(romeoTakenBytes)}`;
  } },
  { step: "T27", host: "juliet", shows: "closed", check: (o) => needs(o.text, "closed: <socket.socket [closed]", "closed") },
  { step: "T27", host: "romeo", shows: "closed", check: (o) => needs(o.text, "closed: <socket.socket [closed]", "closed") },
  // Loss: romeo's link drops 20% of what it sends; UDP loses datagrams, TCP delivers every line.
  { step: "T28", host: "juliet", shows: "a UDP socket on 4001 and a TCP socket listening on 4000", check: (o) => needs(o.text, `ready: UDP on ${tuple(JULIET, ports.julietSecond)} , TCP listening on ${tuple(JULIET, ports.juliet)}`, "both sockets ready") },
  { step: "T29", host: "romeo", shows: "loss on romeo's link; 200 datagrams sent", check: (o) => all(needs(o.text, /^this machine: /m, "impairLink's line on what this machine supports"), needs(o.text, /^sent 200 datagrams$/m, "sent 200 datagrams")) },
  { step: "T30", host: "juliet", shows: "some of the 200 datagrams are lost", check: (o) => {
    const count = /^UDP: (\d+) of 200 datagrams arrived/m.exec(o.text);
    if (!count) return "expected UDP: <n> of 200 datagrams arrived";
    const n = Number(count[1]);
    // 20% loss over 200 datagrams: 160 expected; below 100 or all 200 would mean the loss was not 20%.
    return n >= 100 && n < 200 ? null : `${n} of 200 datagrams arrived under 20% loss`;
  } },
  { step: "T31", host: "juliet", shows: "all 200 lines over TCP, in order", check: (o) => needs(o.text, /^TCP: 200 of 200 lines arrived in \d+ ms, all in order$/m, "TCP: 200 of 200 lines arrived in <ms> ms, all in order") },
  { step: "T32", host: "romeo", shows: "the retransmissions counted; the loss turned off", check: (o) => all(needs(o.text, /^romeo's kernel retransmitted \d+ segments$/m, "romeo's kernel retransmitted <k> segments"), needs(o.text, /^no impairment on this host$/m, "no impairment on this host")) },
];

/** A cell ended by the stop button: one line (tslab's "Error: Interrupted asynchronously", or the socket module's KeyboardInterrupt), no stack. */
function stopped(text: string): string | null {
  return all(needs(text, /^(KeyboardInterrupt\b|Error: Interrupted asynchronously$)/m, "the cell ended by the stop button (KeyboardInterrupt / Interrupted asynchronously)"), /^\s+at /m.test(text) ? "the interrupt shows a stack trace instead of one line" : null);
}

/** 00, start here: running cells, await, bytes, the stop button, switching hosts (steps S1-S7). */
export const basicsExpectations: Expectation[] = [
  { step: "S1", host: "juliet", shows: "a printed line and the cell's value", check: (o) => all(needs(o.text, /^hello from juliet$/m, "hello from juliet"), needs(o.text, /^JULIET$/m, "the result JULIET")) },
  { step: "S2", host: "juliet", shows: "a Promise before await, its value after; sendto without await is a Promise", check: (o) => all(needs(o.text, "before await: Promise { <pending> }", "before await: Promise { <pending> }"), needs(o.text, /^after await: done$/m, "after await: done"), needs(o.text, /^without await: Promise \{ 4 \}$/m, "without await: Promise { 4 }"), needs(o.text, /^with await: 4$/m, "with await: 4")) },
  { step: "S3", host: "juliet", shows: "bytes print as b'...', decode() gives the text; characters are not bytes", check: (o) => all(needs(o.text, "b'Hello' is 5 bytes", "b'Hello' is 5 bytes"), needs(o.text, /^got b'Hello'$/m, "got b'Hello'"), needs(o.text, /^decoded: Hello$/m, "decoded: Hello"), needs(o.text, '"Grüß dich" is 9 characters and 11 bytes in UTF-8', "9 characters and 11 bytes")) },
  { step: "S4", host: "juliet", shows: "a waiting recvfrom ended by the stop button; the socket still usable, then closed", check: (o) => all(needs(o.text, `waiting on ('${JULIET}', `, "waiting on (juliet's address, a port)"), stopped(o.text), needs(o.text, /still usable after the stop: <socket\.socket fd=\d+/, "the socket still open after the stop"), needs(o.text, "closed: <socket.socket [closed]", "the closed socket")) },
  { step: "S5", host: "juliet", shows: "juliet's socket on port 4000", check: (o) => needs(o.text, `juliet waits on ${tuple(JULIET, ports.juliet)}`, `juliet waits on ${tuple(JULIET, ports.juliet)}`) },
  { step: "S6", host: "romeo", shows: "sendto returns 16 from an ephemeral port", check: (o, m) => all(needs(o.text, /^sendto returned 16$/m, "sendto returned 16"), ephemeral(o.text, /sent from \('0\.0\.0\.0', (\d+)\)/, "romeo's port in S6", m)) },
  { step: "S7", host: "juliet", shows: "romeo's datagram, from his port, decoded", check: (o, m) => all(samePort(o.text, new RegExp(`received b'Hello from romeo' from \\('${esc(ROMEO)}', (\\d+)\\)`), "romeo's port in S6", m), needs(o.text, /^as text: Hello from romeo$/m, "as text: Hello from romeo")) },
];

export const expectationsFor = { basics: basicsExpectations, udp: udpExpectations, tcp: tcpExpectations } as const;
export type Part = keyof typeof expectationsFor;
