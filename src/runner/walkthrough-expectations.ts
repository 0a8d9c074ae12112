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

const J4000 = `${JULIET}:${ports.juliet}`;
const J4001 = `${JULIET}:${ports.julietSecond}`;
const romeoUdpPort = "romeo's UDP ephemeral port";
const romeoTcpPort = "romeo's TCP ephemeral port";

export const udpExpectations: Expectation[] = [
  { step: "U1", host: "juliet", shows: "a UDP socket with fd, family and type, no address", check: (o) => needs(o.text, socketRepr("SOCK_DGRAM"), "<socket.socket fd=N, family=AF_INET, type=SOCK_DGRAM, proto=0>") },
  { step: "U2", host: "juliet", shows: `bound to ${J4000}, listed in the socket table`, check: (o) => all(needs(o.text, laddr(JULIET, ports.juliet), laddr(JULIET, ports.juliet)), needs(o.text, row("UNCONN", J4000), `an UNCONN row for ${J4000}`)) },
  { step: "U3", host: "juliet", shows: "errno 98, Address already in use", check: osError(98, "Address already in use") },
  { step: "U4", host: "juliet", shows: `second socket bound to ${J4001}`, check: (o) => all(needs(o.text, laddr(JULIET, ports.julietSecond), laddr(JULIET, ports.julietSecond)), needs(o.text, row("UNCONN", J4001), `an UNCONN row for ${J4001}`), needs(o.text, row("UNCONN", J4000), `the ${J4000} row`)) },
  { step: "U5", host: "juliet", shows: "sendto returns 5", check: (o) => needs(o.text, /^sendto returned 5$/m, "sendto returned 5") },
  { step: "U6", host: "romeo", shows: "sendto returns 5; an ephemeral source port", check: (o, m) => all(needs(o.text, /^sendto returned 5$/m, "sendto returned 5"), ephemeral(o.text, /the OS picked \('0\.0\.0\.0', (\d+)\)/, romeoUdpPort, m)) },
  { step: "U7", host: "juliet", shows: "b'Hello' from romeo's address and ephemeral port", check: (o, m) => all(needs(o.text, `received b'Hello' from ('${ROMEO}', `, `received b'Hello' from ('${ROMEO}', <port>)`), samePort(o.text, new RegExp(`from \\('${esc(ROMEO)}', (\\d+)\\)`), romeoUdpPort, m)) },
  { step: "U8", host: "juliet", shows: "sendto returns 41", check: (o) => needs(o.text, /^sendto returned 41$/m, "sendto returned 41") },
  { step: "U9", host: "romeo", shows: "the line, from juliet's bound address", check: (o) => needs(o.text, `received b'O Romeo, Romeo, wherefore art thou Romeo?' from ${tuple(JULIET, ports.juliet)}`, "the line from juliet's 10.10.0.101:4000") },
  { step: "U10", host: "juliet", shows: "the sockets are gone from the socket table", check: (o) => all(needs(o.text, "[closed]", "a closed socket"), noRow(o.text, J4000, "UNCONN"), noRow(o.text, J4001, "UNCONN")) },
  { step: "U10", host: "romeo", shows: "the socket is gone from the socket table", check: (o, m) => all(needs(o.text, "[closed]", "a closed socket"), noRow(o.text, `:${m.get(romeoUdpPort)}`, "UNCONN")) },
];

export const tcpExpectations: Expectation[] = [
  { step: "T1", host: "juliet", shows: "a TCP socket with fd, family and type", check: (o) => needs(o.text, socketRepr("SOCK_STREAM"), "<socket.socket fd=N, family=AF_INET, type=SOCK_STREAM, proto=0>") },
  { step: "T2", host: "juliet", shows: `bound to ${J4000}`, check: (o) => needs(o.text, laddr(JULIET, ports.juliet), laddr(JULIET, ports.juliet)) },
  { step: "T3", host: "juliet", shows: "errno 98, Address already in use", check: osError(98, "Address already in use") },
  { step: "T4", host: "romeo", shows: "errno 111, Connection refused", check: osError(111, "Connection refused", "ConnectionRefusedError") },
  { step: "T5", host: "juliet", shows: "LISTEN in the socket table", check: (o) => needs(o.text, row("LISTEN", J4000), `a LISTEN row for ${J4000}`) },
  { step: "T6", host: "romeo", shows: "connected from an ephemeral port to juliet", check: (o, m) => all(needs(o.text, `raddr=${tuple(JULIET, ports.juliet)}`, `raddr=${tuple(JULIET, ports.juliet)}`), ephemeral(o.text, new RegExp(`laddr=\\('${esc(ROMEO)}', (\\d+)\\)`), romeoTcpPort, m), needs(o.text, row("ESTAB", `${ROMEO}:${m.get(romeoTcpPort)}`), "an ESTAB row")) },
  { step: "T7", host: "juliet", shows: "a new connected socket, the peer's address; still listening", check: (o, m) => all(samePort(o.text, new RegExp(`^peer \\('${esc(ROMEO)}', (\\d+)\\)$`, "m"), romeoTcpPort, m), needs(o.text, `raddr=('${ROMEO}', `, "the accepted socket's raddr"), needs(o.text, row("LISTEN", J4000), "the LISTEN row still there"), needs(o.text, row("ESTAB", J4000), "an ESTAB row for the connection")) },
  { step: "T8", host: "romeo", shows: "send returns 51", check: (o) => needs(o.text, /^send returned 51$/m, "send returned 51") },
  { step: "T9", host: "juliet", shows: "the line", check: (o) => needs(o.text, "received b'But, soft! what light through yonder window breaks?'", "the line as bytes") },
  { step: "T10", host: "juliet", shows: "errno 107, Transport endpoint is not connected", check: osError(107, "Transport endpoint is not connected") },
  { step: "T11", host: "juliet", shows: "send returns 82", check: (o) => needs(o.text, /^send returned 82$/m, "send returned 82") },
  { step: "T12", host: "romeo", shows: "the line", check: (o) => needs(o.text, `received b"What's in a name? that which we call a rose by any other name would smell as sweet"`, "the line as bytes") },
  { step: "T13", host: "romeo", shows: "shutdown succeeds", check: (o) => needs(o.text, "shut down and closed <socket.socket [closed]", "shut down and closed") },
  { step: "T14", host: "juliet", shows: "shutdown and close succeed; no LISTEN or ESTAB row left", check: (o) => all(needs(o.text, "closed <socket.socket [closed]", "the closed sockets"), noRow(o.text, J4000, "LISTEN|ESTAB")) },
];

export const expectationsFor = { udp: udpExpectations, tcp: tcpExpectations } as const;
export type Part = keyof typeof expectationsFor;
