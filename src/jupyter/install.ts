// npm run kernels:install: writes the lab's kernelspecs into the project's Jupyter data folder,
// for a Jupyter of your own (JupyterLab, VS Code): JUPYTER_PATH=<project>/jupyter.
import { runMain } from "../common/errors";
import { projectJupyterDir } from "../common/paths";
import { Lab } from "../lab/lab";
import { writeLabKernelspecs } from "./kernelspecs";

async function main(): Promise<number> {
  for (const dir of writeLabKernelspecs(projectJupyterDir, new Lab())) console.log(`kernelspec written: ${dir}`);
  console.log(`Point Jupyter at them: export JUPYTER_PATH=${projectJupyterDir}   (the lab must be up: npm run lab:up)`);
  return 0;
}

runMain("kernels:install", main);
