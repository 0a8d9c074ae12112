// Where the bench finds its peers: compiled TypeScript peers next to this file (dist/bench/peers),
// Python peers in the source tree (bench/peers), and the Python it runs them with.
import { join } from "node:path";
import { projectRoot } from "../src/common/paths";

/** The repository root. */
export const root = projectRoot;
export const tsPeers = join(__dirname, "peers");
export const pyPeers = join(root, "bench", "peers");
/** The distribution's CPython, as a student on a Debian/Ubuntu host would run it. */
export const python = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
