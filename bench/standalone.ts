// One lab part of the bench (lab speed, views cost, class grading) run by itself:
// `node dist/bench/<part>.js`. Needs root (network namespaces). Ctrl-C or SIGTERM aborts the
// part, which stops its servers and labs before it settles; then the exit status is 130.

export function runStandalone(name: string, run: (signal: AbortSignal) => Promise<unknown>): void {
  if (process.getuid?.() !== 0) {
    console.log(`${name}: needs root (network namespaces); skipped`);
    return;
  }
  const abort = new AbortController();
  const onSignal = (signal: string) => {
    console.error(`${name}: ${signal}: stopping its Jupyter server and lab`);
    abort.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  run(abort.signal).then(
    () => process.exit(abort.signal.aborted ? 130 : 0),
    (err: Error) => {
      console.error(`${name}: ${err.message}`);
      process.exit(abort.signal.aborted ? 130 : 1);
    },
  );
}
