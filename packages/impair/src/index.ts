// @sockets-typescript/impair: make a host's link lossy, slow, duplicating or reordering (re-exports only).
export * from "./errors";
export { parseImpairmentArgs, validateImpairment, describeImpairment, type Impairment } from "./args";
export { sudoRefusal, sudoRuleMessage, loginName, type ImpairTarget } from "./exec";
export { impair, clearImpairment, activeImpairment, findStages, type ImpairOptions, type ImpairResult, type ActiveImpairment } from "./control";
export { support, type Support, type Mechanism } from "./support";
export { fateOf, packetKey, generator } from "./fate";
export { impairThisHost, clearThisHost, thisHostImpairment, thisHostTarget } from "./this-host";
