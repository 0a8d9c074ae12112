#!/usr/bin/env bash
# Installs, from the distribution's archive, the system packages the lab, the notebooks'
# runner and the tests use. Idempotent: installs only what is missing. Needs root.
#   --check   only say what is missing (exit 1 if anything is), install nothing
#   --grader  only what grading a submission needs (the autograder bundles: Gradescope's
#             setup.sh, a Classroom runner): the packages marked [grader] below
set -euo pipefail

packages=(
  iproute2            # [grader] ip netns, veth: the local lab's two hosts
  util-linux          # [grader] unshare: each host's own hostname (UTS namespace); setpriv and prlimit: the grader's sandbox
  bubblewrap          # [grader] the grader's sandbox: each submission's kernels in their own mount and PID namespaces (src/host/sandbox.ts)
  jupyter-notebook    # [grader] the Jupyter server that npm start opens and the runner drives
  jupyter-nbconvert
  python3-nbclient
  python3-jupyter-client  # [grader]
  python3-ipykernel       # [grader]
  openssh-server      # sshd in the lab hosts: the testbeds' SSH kernel launcher is tested against it
  openssh-client
  sudo                # the testbed hosts' login user reaches root through sudo -n (rehearsed in the lab: test/testbeds-sudo-hosts.test.ts)
  tcpdump             # to watch the wire from a lab shell
  ethtool             # testbeds/host-setup.sh turns segmentation offloads off (tested in the lab)
  curl                # testbeds/host-setup.sh fetches the Node.js package key (its failure path is tested)
  iptables            # [grader] the exercise checker counts each line on the LAN and loses chosen datagrams (string + nth matches)
  sudo                # the Classroom workflow's commands are tested as GitHub's runners run them (sudo)
  chromium            # the browser test drives the Notebook page as a student would (puppeteer-core, this executable)
)

check_only=""
grader_only=""
for arg in "$@"; do
  case "$arg" in
    --check) check_only=1 ;;
    --grader) grader_only=1 ;;
    *) echo "usage: install-system-packages.sh [--check] [--grader]" >&2; exit 2 ;;
  esac
done
if [ -n "$grader_only" ]; then
  # The [grader] lines of the list above, read from this file: one list, no copy.
  mapfile -t packages < <(sed -n '/^packages=(/,/^)/p' "$0" | grep '# \[grader\]' | awk '{print $1}')
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "system packages: all present"; exit 0; }

if [ -n "$check_only" ] || [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Missing system packages: ${missing[*]}" >&2
  if command -v apt-get >/dev/null; then
    echo "Run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  else
    echo "This is not a Debian/Ubuntu system: install the equivalents with its package manager." >&2
  fi
  exit 1
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: installed"
