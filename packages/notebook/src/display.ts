// Sends one display bundle (a rich MIME type plus text/plain) to the notebook. Inside tslab the
// bundle goes through the kernel's writer for the running cell (tslab's public display API sends
// one MIME type per call, so a fallback would be a second output); outside tslab (plain node, a
// script) the text is printed.

export interface Bundle {
  "text/plain": string;
  "text/html"?: string;
  "image/svg+xml"?: string;
  /** Base64, as nbformat keeps it. */
  "image/png"?: string;
}

type WriteDisplayData = (data: { data: Record<string, string>; metadata: object; transient: object }, update: boolean) => void;

/** tslab's writer for the running cell, or null when this process is no tslab kernel. */
function tslabWriter(): WriteDisplayData | null {
  try {
    // Only a module tslab already loaded counts (the same instance that runs the cell); loading
    // it here in a plain node process would start nothing useful and cost time.
    const loaded = require.cache[require.resolve("tslab/dist/jupyter")];
    const write = loaded?.exports?.lastWriteDisplayData;
    return typeof write === "function" ? write : null;
  } catch {
    return null;
  }
}

/** Shows the bundle in the notebook (one output with every MIME type), or prints its text. */
export function display(bundle: Bundle, print: (text: string) => void = console.log): "bundle" | "text" {
  const write = tslabWriter();
  if (write === null) {
    print(bundle["text/plain"]);
    return "text";
  }
  write({ data: { ...bundle }, metadata: {}, transient: {} }, false);
  return "bundle";
}
