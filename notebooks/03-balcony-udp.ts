// The balcony exercise over UDP as a standalone program: your version (the reference
// solution is solutions/balcony-udp.ts; try first). Write each host's part below, with the
// same code as your notebook cells, then build and run it on both hosts, juliet first:
//   npm run build
//   node dist/notebooks/03-balcony-udp.js juliet     in juliet's shell (npm run lab:shell -- juliet)
//   node dist/notebooks/03-balcony-udp.js romeo      in romeo's shell  (npm run lab:shell -- romeo)
import * as socket from "@sockets-typescript/socket";
import { JULIET, ports } from "@sockets-typescript/topology";
import { RECEIVED_PREFIX, SENT_PREFIX, checkDelivery, linesOf } from "@sockets-typescript/dialogue";
import { runAs } from "@sockets-typescript/dialogue";

async function juliet(): Promise<void> {
  // your code: steps B1, B3, B6 and B7 of 03-balcony-udp-juliet.ipynb
  // (bind to [JULIET, ports.juliet], receive and acknowledge romeo's numbered lines, send
  // linesOf("juliet") to his address and resend what is not acknowledged, print each line with
  // SENT_PREFIX / RECEIVED_PREFIX, report what never arrived, checkDelivery("romeo", linesHeard), close)
  throw new Error("juliet's part is not written yet: see notebooks/03-balcony-udp.ts");
}

async function romeo(): Promise<void> {
  // your code: steps B2, B4, B5 and B7 of 03-balcony-udp-romeo.ipynb
  throw new Error("romeo's part is not written yet: see notebooks/03-balcony-udp.ts");
}

// Keeps the imports in use until your code uses them (delete this line then).
void [socket, JULIET, ports, RECEIVED_PREFIX, SENT_PREFIX, checkDelivery, linesOf];

if (require.main === module) runAs("dist/notebooks/03-balcony-udp.js", { juliet, romeo });
