// @sockets-typescript/notebook: the notebooks' views (re-exports only).
export * from "./errors";
export * from "./pcap";
export * from "./packets";
export * from "./names";
export * from "./ss";
export * from "./render-wire";
export * from "./render-table";
export * from "./render-topology";
export * from "./render-png";
export * from "./view-bundle";
export * from "./display";
export * from "./capture";
export * from "./where";
export * from "./host";
export * from "./impair";
