#!/usr/bin/env bash
# npm test: sets up what the tests need on a fresh machine, then runs every test.
#   1. the distribution's packages (scripts/install-system-packages.sh; as root, else it says what to run)
#   2. the Node.js LTS lines 24 and 22 and a venv with JupyterLab 4 / Notebook 7 (scripts/tools.sh,
#      into the ignored .tools/ folder)
#   3. the build, then the whole suite on Node 24 (the major host-setup.sh installs on testbed
#      hosts), then on Node 22 the socket module's tests, one full walkthrough and one exercise check.
# Arguments are test files (dist/test/x.test.js ...): only those run, on Node 24 only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
node24="$(bash scripts/tools.sh node 24)"
node22="$(bash scripts/tools.sh node 22)"
jupyter_bin="$(bash scripts/tools.sh jupyter)"
export SOCKETS_JUPYTER_BIN="$jupyter_bin"
npm run -s build

run_tests() {  # run_tests NODE_BIN_DIR FILE...: node --test on files (Node 21+ takes no folders)
  local bin="$1"; shift
  echo "== node --test on Node.js $("$bin/node" --version): $*"
  # The chosen node first on PATH: whatever a test starts as `node` or `npm` runs on it too.
  # --test-force-exit: a file whose test failed before closing a socket or a timer ends when its
  # tests have (a failed capture test once kept its file, and so CI, waiting for 75 minutes);
  # cleanup in after() hooks and exit handlers still runs.
  PATH="$bin:$PATH" "$bin/node" --test --test-concurrency=1 --test-timeout=600000 --test-force-exit "$@"
}

if [ $# -gt 0 ]; then
  run_tests "$node24" "$@"
  exit
fi
# Each part runs whatever the one before it did; the exit status says whether all passed.
failed=()
run_tests "$node24" packages/socket/dist/test/*.test.js packages/impair/dist/test/*.test.js dist/test/*.test.js || failed+=("Node 24: the whole suite")
run_tests "$node22" packages/socket/dist/test/*.test.js dist/test/walkthrough-notebooks.test.js || failed+=("Node 22: socket tests and the walkthrough")
run_tests "$node22" --test-name-pattern="UDP reference solution meets every requirement" dist/test/check-exercise.test.js || failed+=("Node 22: an exercise check")
if [ ${#failed[@]} -gt 0 ]; then
  printf 'npm test: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "npm test: all passed (Node 24: whole suite; Node 22: socket tests, walkthrough, exercise check)"
