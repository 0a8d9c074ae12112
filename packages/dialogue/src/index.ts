// @sockets-typescript/dialogue: the balcony exercise's data (re-exports only).
export * from "./text";
export * from "./dialogue";
export * from "./variant";
export * from "./delivery";
export * from "./run-as";
