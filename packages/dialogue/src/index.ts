// @sockets-typescript/dialogue: the balcony exercise's data (re-exports only).
export * from "./dialogue";
export * from "./run-as";
