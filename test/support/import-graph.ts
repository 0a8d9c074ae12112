// The project's import graph, read from the TypeScript sources with the compiler's own
// pre-processor (ts.preProcessFile: every import, `import type`, `export ... from`, `import()` and
// `require()`, never text inside strings or comments), and the circles in it. A type-only import
// counts: a circle of types is still two modules that cannot be understood one without the other.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

export interface ImportGraph {
  /** Project-relative source file -> the project-relative source files it imports. */
  edges: Map<string, Set<string>>;
}

const SKIP = new Set(["node_modules", "dist", ".git", ".tools", ".lab", "jupyter"]);

function sourcesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name) || name.startsWith(".")) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** A file or module path to its TypeScript source: `x` / `x.js` -> `x.ts` or `x/index.ts`. */
function sourceFile(path: string): string | null {
  const base = path.replace(/\.(c|m)?js$/, "");
  for (const candidate of [`${base}.ts`, join(base, "index.ts")]) if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  return null;
}

interface WorkspacePackage {
  dir: string;
  main: string;
  outDir: string;
  rootDir: string;
}

/** The workspace packages by name (`@scope/name` -> its folder, main, and where its compiled files come from). */
function workspacePackages(root: string): Map<string, WorkspacePackage> {
  const found = new Map<string, WorkspacePackage>();
  const packagesDir = join(root, "packages");
  if (!existsSync(packagesDir)) return found;
  for (const name of readdirSync(packagesDir)) {
    const dir = join(packagesDir, name);
    const manifest = join(dir, "package.json");
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, "utf8"));
    const config = existsSync(join(dir, "tsconfig.json")) ? ts.readConfigFile(join(dir, "tsconfig.json"), ts.sys.readFile).config ?? {} : {};
    const options = config.compilerOptions ?? {};
    found.set(pkg.name, { dir, main: pkg.main ?? "index.js", outDir: options.outDir ?? "dist", rootDir: options.rootDir ?? "." });
  }
  return found;
}

/** `@sockets-typescript/socket/dist/src/libc` -> packages/socket/src/libc.ts (compiled path mapped back to its source). */
function packageSource(pkg: WorkspacePackage, subpath: string): string | null {
  const compiled = subpath || pkg.main;
  const out = pkg.outDir.replace(/^\.\/|\/$/g, "");
  const inside = compiled.startsWith(`${out}/`) ? join(pkg.rootDir, compiled.slice(out.length + 1)) : compiled;
  return sourceFile(join(pkg.dir, inside));
}

/** The import graph of the TypeScript sources under `folders` (project-relative), inside `root`. */
export function importGraph(root: string, folders: readonly string[]): ImportGraph {
  const packages = workspacePackages(root);
  const edges = new Map<string, Set<string>>();
  for (const file of folders.flatMap((folder) => sourcesUnder(join(root, folder)))) {
    const targets = new Set<string>();
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName: specifier } of info.importedFiles) {
      let target: string | null = null;
      if (specifier.startsWith(".")) target = sourceFile(resolve(dirname(file), specifier));
      else {
        const match = /^(@[^/]+\/[^/]+|[^@/][^/]*)(?:\/(.*))?$/.exec(specifier);
        const pkg = match && packages.get(match[1]);
        if (pkg) target = packageSource(pkg, match[2] ?? "");
      }
      if (target) targets.add(relative(root, target));
    }
    edges.set(relative(root, file), targets);
  }
  return { edges };
}

/** The same graph between parts (`src/grader`, `packages/socket`, `bench`...): what `partOf` maps each file to. */
export function partGraph(graph: ImportGraph, partOf: (file: string) => string): ImportGraph {
  const edges = new Map<string, Set<string>>();
  for (const [file, targets] of graph.edges) {
    const from = partOf(file);
    const set = edges.get(from) ?? new Set<string>();
    edges.set(from, set);
    for (const target of targets) if (partOf(target) !== from) set.add(partOf(target));
  }
  return { edges };
}

/**
 * Every circle, each once, as the path that closes it (`a -> b -> a`): the strongly connected
 * components (Tarjan) with more than one member, or a member that imports itself, each shown by
 * one shortest circle through its first member.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const next = (node: string) => [...(graph.edges.get(node) ?? [])].sort();
  // Iterative, so that a long chain of imports cannot overflow the stack.
  for (const start of [...graph.edges.keys()].sort()) {
    if (index.has(start)) continue;
    const work: { node: string; children: string[]; at: number }[] = [];
    const visit = (node: string) => {
      index.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, children: next(node), at: 0 });
    };
    visit(start);
    while (work.length) {
      const frame = work[work.length - 1];
      if (frame.at < frame.children.length) {
        const child = frame.children[frame.at++];
        if (!index.has(child)) visit(child);
        else if (onStack.has(child)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(child)!));
        continue;
      }
      work.pop();
      if (work.length) low.set(work[work.length - 1].node, Math.min(low.get(work[work.length - 1].node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1 || graph.edges.get(frame.node)?.has(frame.node)) components.push(component.sort());
      }
    }
  }
  return components.map((component) => shortestCircle(graph, component[0], new Set(component)));
}

/** A shortest path from `start` back to itself inside one component (breadth first). */
function shortestCircle(graph: ImportGraph, start: string, members: ReadonlySet<string>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const child of [...(graph.edges.get(node) ?? [])].sort()) {
      if (!members.has(child)) continue;
      if (child === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at)!) path.unshift(at);
        return [start, ...path];
      }
      if (!previous.has(child)) {
        previous.set(child, node);
        queue.push(child);
      }
    }
  }
  return [start, start];
}
