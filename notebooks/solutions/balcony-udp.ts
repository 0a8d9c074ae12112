// The balcony dialogue over UDP, as a standalone program. On each host:
//   node dist/notebooks/solutions/balcony-udp.js juliet     (start it first)
//   node dist/notebooks/solutions/balcony-udp.js romeo
// Sequence numbers, acknowledgements and retransmission (reliable-udp.ts) make up for
// what UDP does not promise; anything that still did not arrive is reported.
import * as socket from "@sockets-typescript/socket";
import { JULIET, ports } from "@sockets-typescript/topology";
import { DeliveryError, checkDelivery, linesOf } from "@sockets-typescript/dialogue";
import { DialogueEndpoint, checkAcknowledged, defaultTiming } from "./reliable-udp";
import { runAs } from "@sockets-typescript/dialogue";

async function juliet(): Promise<void> {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  sock.bind([JULIET, ports.juliet]);
  console.log(`juliet waits on ${JULIET}:${ports.juliet}`);
  const endpoint = new DialogueEndpoint(sock);
  const { heard } = await endpoint.receiveLines(linesOf("romeo"));
  if (endpoint.peer === null) throw new DeliveryError("nothing arrived from romeo, so there is no address to answer to");
  const unacknowledged = await endpoint.sendLines(linesOf("juliet"), endpoint.peer);
  sock.close();
  checkDelivery("romeo", heard);
  checkAcknowledged(unacknowledged);
}

async function romeo(): Promise<void> {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  // Juliet may start a little later: keep repeating the first lines for up to 6 s.
  const endpoint = new DialogueEndpoint(sock, { ...defaultTiming, maxSends: 30 });
  const unacknowledged = await endpoint.sendLines(linesOf("romeo"), [JULIET, ports.juliet]);
  const { heard } = await endpoint.receiveLines(linesOf("juliet"));
  sock.close();
  checkAcknowledged(unacknowledged);
  checkDelivery("juliet", heard);
}

if (require.main === module) runAs("dist/notebooks/solutions/balcony-udp.js", { juliet, romeo });
