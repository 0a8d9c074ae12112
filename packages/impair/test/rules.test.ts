// The queue rules: what is added, and that clear finds them again in iptables -S's listing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ruleArgs, deletionsFrom, queueNumber } from "../src/rules";

test("egress and ingress rules: mangle table, the interface, our mark skipped, queue with bypass", () => {
  assert.deepEqual(ruleArgs("-A", "egress", "lan0", 30002), [
    "-t", "mangle", "-A", "POSTROUTING", "-o", "lan0", "-m", "mark", "!", "--mark", "0x5ee0d0",
    "-m", "comment", "--comment", "sockets-typescript impair lan0", "-j", "NFQUEUE", "--queue-num", "30002", "--queue-bypass",
  ]);
  assert.deepEqual(ruleArgs("-D", "ingress", "ens7", 1).slice(2, 6), ["-D", "PREROUTING", "-i", "ens7"]);
  assert.equal(queueNumber(2), 30002);
});

test("deletions from a listing: ours on the interface only, with the quoted comment kept whole", () => {
  const listing = [
    "-P PREROUTING ACCEPT",
    "-P POSTROUTING ACCEPT",
    '-A PREROUTING -i lan0 -m mark ! --mark 0x5ee0d0 -m comment --comment "sockets-typescript impair lan0" -j NFQUEUE --queue-num 30002 --queue-bypass',
    '-A POSTROUTING -o lan0 -m mark ! --mark 0x5ee0d0 -m comment --comment "sockets-typescript impair lan0" -j NFQUEUE --queue-num 30002 --queue-bypass',
    '-A POSTROUTING -o ens7 -m mark ! --mark 0x5ee0d0 -m comment --comment "sockets-typescript impair ens7" -j NFQUEUE --queue-num 30003 --queue-bypass',
    '-A POSTROUTING -o lan0 -m comment --comment "a student\'s rule" -j ACCEPT',
  ].join("\n");
  const dels = deletionsFrom(listing, "lan0");
  assert.equal(dels.length, 2);
  assert.deepEqual(dels[1], ["-t", "mangle", ...ruleArgs("-D", "egress", "lan0", 30002).slice(2)]);
  assert.equal(deletionsFrom(listing).length, 3);
});
