#!/usr/bin/env bash
# Prepares one testbed host (romeo or juliet) for the tutorial. The same script serves FABRIC,
# Chameleon and CloudLab, and may run any number of times (testbeds rerun boot scripts): each
# step first looks whether its work is already done.
#
#   sudo bash testbeds/host-setup.sh --host romeo [--mac 02:00:00:aa:bb:cc] [--offline] [--with-jupyter]
#   bash testbeds/host-setup.sh --host romeo ...   (as the login user, ubuntu or cc: it runs itself through sudo -n)
#
# Run from the project's copy on the host (the folder this script is in, one level up). Steps:
#   1. Node.js >= 22 (24 installed; from the official Node.js package source, deb.nodesource.com, if missing or older)
#   2. host name, experiment address (on the interface with --mac) and /etc/hosts names, from
#      packages/topology/topology.json; an address put there by this script is also written to a
#      netplan file (matched by MAC), so that it survives a reboot, and re-checked at every run
#   3. segmentation/receive offloads off on the experiment interface (captures show real segments)
#   4. npm ci in the project (skipped when package-lock.json is unchanged), npm run build
#   5. a tslab kernel is started on this host and runs one cell
# Logs every step (also to $SETUP_LOG, default /var/log/sockets-typescript-setup.log) and ends
# with "host-setup: ready" or "host-setup: FAILED: <what to do>". apt waits up to $APT_LOCK_TIMEOUT s
# (default 600) for its locks: minutes after a first boot, unattended-upgrades holds them.
set -uo pipefail

NODE_MAJOR_MIN="${NODE_MAJOR_MIN:-22}"  # raised only by tests, to exercise the install path
NODE_MAJOR_INSTALL=24  # the major the whole test suite runs on (scripts/test.sh)
NODESOURCE_URL="${NODESOURCE_URL:-https://deb.nodesource.com}"
PROJECT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SETUP_LOG="${SETUP_LOG:-/var/log/sockets-typescript-setup.log}"
APT_LOCK_TIMEOUT="${APT_LOCK_TIMEOUT:-600}"
NETPLAN_DIR="${NETPLAN_DIR:-/etc/netplan}"  # tests point it elsewhere: a lab host shares the machine's /etc
NETPLAN_FILE="$NETPLAN_DIR/60-sockets-typescript-lan.yaml"
HOST="" MAC="" OFFLINE="" JUPYTER=""
ARGS=("$@")

say() { echo "host-setup: $*"; }
fail() { echo "host-setup: FAILED: $*"; exit 1; }

usage() {
  echo "usage: sudo bash testbeds/host-setup.sh --host romeo|juliet [--mac MAC] [--offline]"
  echo "  --mac      MAC address of the experiment interface (the address is put there when missing)"
  echo "  --offline  npm ci --offline (from the npm cache; for tests without internet)"
  echo "  --with-jupyter  also install the distribution's Jupyter Notebook (CloudLab: a Jupyter server on romeo)"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --host) HOST="${2:-}"; shift 2 ;;
    --mac) MAC="$(echo "${2:-}" | tr 'A-F' 'a-f')"; shift 2 ;;
    --offline) OFFLINE="--offline"; shift ;;
    --with-jupyter) JUPYTER=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; fail "unknown argument $1" ;;
  esac
done
[ -n "$HOST" ] || { usage >&2; fail "--host is missing"; }
# Root does the system's part. The testbeds' login user (ubuntu, cc) has password-less sudo: run
# as that user, the script runs itself again through `sudo -n` (never asking for a password: it
# may run from a notebook cell or a boot script). sudo resets the environment (env_reset), so
# the variables above take their defaults there.
if [ "$(id -u)" -ne 0 ]; then
  me="$(id -un 2>/dev/null || echo "uid $(id -u)")"
  command -v sudo >/dev/null || fail "host-setup needs root and $me is not root, and sudo is not installed here: run it as root"
  if said="$(sudo -n true 2>&1)"; then
    say "running as $me: again as root through sudo -n"
    exec sudo -n bash "$0" "${ARGS[@]}"
  fi
  fail "host-setup needs root and $me is not root: it runs itself as \`sudo -n bash $0\`, and sudo refused (${said#sudo: }). Give $me password-less sudo: the line \"$me ALL=(ALL) NOPASSWD: ALL\" in /etc/sudoers.d/90-$me (edit it with visudo -f), as FABRIC's and Chameleon's images have for their login user; or run it as root: sudo bash $0 --host $HOST ..."
fi

mkdir -p "$(dirname "$SETUP_LOG")" 2>/dev/null
exec > >(tee -a "$SETUP_LOG") 2>&1
setup_tee=$!
# Why: tee runs beside the script; without this wait the script could end before tee wrote its
# last lines, and the caller's next output (an ssh command's `echo`, the shell's prompt) came
# before "host-setup: ready" (seen once in CI). Closing our ends gives tee its EOF; the status stays ours.
trap 'exec >&- 2>&-; wait "$setup_tee" 2>/dev/null || true' EXIT
say "$(date -u '+%Y-%m-%d %H:%M:%S') UTC: setting up $HOST from $PROJECT"

# The project's owner runs npm and the kernel (as the ssh user does later), root does the rest.
OWNER="$(stat -c %U "$PROJECT")"
as_owner() {
  if [ "$OWNER" = root ]; then "$@"; else
    runuser -u "$OWNER" -- env HOME="$(getent passwd "$OWNER" | cut -d: -f6)" PATH="$PATH" "$@"
  fi
}

# apt-get, waiting for apt's locks instead of failing at once. On a fresh VM, unattended-upgrades
# (or cloud-init's package step) holds them for minutes. apt waits for the dpkg lock itself when
# given DPkg::Lock::Timeout; for the package lists' lock (apt-get update) it does not (apt 2.6/2.7):
# that one is retried here. Not waiting for cloud-init itself: a testbed may run this very script
# from cloud-init, which would then wait for itself. A held lock is said first, with its holder
# (apt -qq says nothing while it waits); apt's output is kept, and shown on failure.
apt_lock_file() {  # the lock the apt-get command $1 takes, where this apt keeps it (APT_CONFIG honoured)
  local STATUS="" LISTS=""
  eval "$(apt-config shell STATUS Dir::State::status/f LISTS Dir::State::lists/d 2>/dev/null)"
  if [ "$1" = update ]; then [ -n "$LISTS" ] && echo "${LISTS%/}/lock"
  else [ -n "$STATUS" ] && echo "$(dirname "$STATUS")/lock-frontend"; fi
}
lock_holder() {  # "name (pid N)" of a process holding a POSIX lock on file $1 (dpkg and apt lock so), or nothing
  local inode pid
  inode="$(stat -c %i "$1" 2>/dev/null)" || return 0
  pid="$(awk -v inode="$inode" '$2 != "->" { n = split($6, id, ":"); if (id[n] == inode) { print $5; exit } }' /proc/locks 2>/dev/null)"
  [ -n "$pid" ] && echo "$(cat "/proc/$pid/comm" 2>/dev/null || echo "?") (pid $pid)"
}
apt_get() {
  local began=$SECONDS log status said="" lock holder
  lock="$(apt_lock_file "$1")"
  holder="$([ -n "$lock" ] && lock_holder "$lock")"
  if [ -n "$holder" ]; then
    say "apt's lock $lock is held by $holder (e.g. unattended-upgrades after a first boot): waiting for it, up to $APT_LOCK_TIMEOUT s"
    said=1
  fi
  log="$(mktemp)"
  while :; do
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" "$@" > "$log" 2>&1
    status=$?
    [ "$status" -eq 0 ] && { rm -f "$log"; return 0; }
    if grep -q "Could not get lock .*lists" "$log" && [ $((SECONDS - began)) -lt "$APT_LOCK_TIMEOUT" ]; then
      [ -n "$said" ] || say "apt's package lists are locked by another apt (e.g. unattended-upgrades after a first boot): waiting, up to $APT_LOCK_TIMEOUT s"
      said=1
      sleep 3
      continue
    fi
    echo "apt-get $*: exit $status:"; tail -n 15 "$log"
    rm -f "$log"
    return "$status"
  done
}

node_major() { command -v node >/dev/null && node --version | sed -E 's/^v([0-9]+).*/\1/' || echo 0; }

install_node() {
  export DEBIAN_FRONTEND=noninteractive
  command -v apt-get >/dev/null || fail "Node.js >= $NODE_MAJOR_MIN is missing and this is not an apt system: install it by hand"
  local keyring=/etc/apt/keyrings/nodesource.gpg tmp
  tmp="$(mktemp)"
  # Download first: if the source is unreachable nothing on the system has been changed.
  command -v curl >/dev/null || apt_get install -y -qq curl || fail "could not install curl (apt-get failed)"
  curl -fsSL --max-time 60 "$NODESOURCE_URL/gpgkey/nodesource-repo.gpg.key" -o "$tmp" \
    || { rm -f "$tmp"; fail "could not download the Node.js package key from $NODESOURCE_URL (no internet on this host?)"; }
  command -v gpg >/dev/null || apt_get install -y -qq gnupg || fail "could not install gnupg (apt-get failed)"
  mkdir -p /etc/apt/keyrings
  gpg --dearmor --yes -o "$keyring" "$tmp" || fail "the Node.js package key from $NODESOURCE_URL is not a valid key"
  rm -f "$tmp"
  echo "deb [signed-by=$keyring] $NODESOURCE_URL/node_$NODE_MAJOR_INSTALL.x nodistro main" > /etc/apt/sources.list.d/nodesource.list
  apt_get update -qq || fail "apt-get update failed (see above)"
  apt_get install -y -qq nodejs || fail "apt-get install nodejs failed (see above)"
}

# 1. Node.js
major="$(node_major)"
if [ "$major" -ge "$NODE_MAJOR_MIN" ]; then
  say "Node.js $(node --version) present"
else
  [ "$major" -eq 0 ] && say "Node.js missing: installing Node.js $NODE_MAJOR_INSTALL from $NODESOURCE_URL" \
                     || say "Node.js $(node --version) is older than $NODE_MAJOR_MIN: installing Node.js $NODE_MAJOR_INSTALL from $NODESOURCE_URL"
  install_node
  major="$(node_major)"
  [ "$major" -ge "$NODE_MAJOR_MIN" ] || fail "after installing, node is $(node --version 2>&1); need >= $NODE_MAJOR_MIN"
  say "Node.js $(node --version) installed"
fi

# The topology, read by node (now present) from the one definition.
topology() { node -e 'const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(eval(process.argv[2]))' "$PROJECT/packages/topology/topology.json" "$1"; }
[ -f "$PROJECT/packages/topology/topology.json" ] || fail "$PROJECT/packages/topology/topology.json is missing: is $PROJECT a copy of the project?"
topology "t.hosts[\"$HOST\"].address" >/dev/null 2>&1 || fail "unknown host $HOST: the topology's hosts are $(topology 'Object.keys(t.hosts).join(" and ")')"
ADDRESS="$(topology "t.hosts[\"$HOST\"].address")"
PREFIX="$(topology 't.network.prefix')"

# 2. Host name, experiment address, /etc/hosts
if [ "$(hostname -s)" = "$HOST" ]; then  # short name: CloudLab nodes carry a domain
  say "host name is $HOST"
else
  say "host name $(hostname) -> $HOST"
  if command -v hostnamectl >/dev/null && hostnamectl set-hostname "$HOST" 2>/dev/null; then :; else
    hostname "$HOST" && echo "$HOST" > /etc/hostname
  fi
fi

interface_with_address() { ip -o -4 addr show | awk -v a="$1" '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }'; }
interface_with_mac() {
  local dev
  for dev in /sys/class/net/*; do
    [ "$(cat "$dev/address" 2>/dev/null)" = "$1" ] && { basename "$dev"; return; }
  done
}
# The MAC recorded in our netplan file by an earlier run: after a reboot without netplan (or a lost
# address), a rerun without --mac (CloudLab reruns the boot script so) still finds the interface.
netplan_mac() { [ -f "$NETPLAN_FILE" ] && sed -n -E 's/^ *macaddress: *"?([0-9a-f:]{17})"?.*/\1/p' "$NETPLAN_FILE" | head -n 1; }
IFACE="$(interface_with_address "$ADDRESS")"
ADDED=""
if [ -z "$IFACE" ] && [ -z "$MAC" ] && [ -n "$(netplan_mac)" ]; then
  MAC="$(netplan_mac)"
  say "the experiment address is gone; $NETPLAN_FILE says the experiment interface has the MAC $MAC"
fi
if [ -n "$IFACE" ]; then
  say "experiment address $ADDRESS/$PREFIX is on $IFACE"
elif [ -n "$MAC" ]; then
  IFACE="$(interface_with_mac "$MAC")"
  [ -n "$IFACE" ] || fail "no interface has the MAC address $MAC (interfaces: $(ls /sys/class/net | tr '\n' ' '))"
  say "putting the experiment address $ADDRESS/$PREFIX on $IFACE ($MAC)"
  ip link set "$IFACE" up || fail "could not bring $IFACE up"
  ip addr add "$ADDRESS/$PREFIX" dev "$IFACE" || fail "could not add $ADDRESS/$PREFIX to $IFACE"
  ADDED=1
else
  fail "the experiment address $ADDRESS is on no interface; give the experiment interface's MAC: --mac MAC"
fi
ip link show "$IFACE" | grep -q "state UP\|,UP" || { ip link set "$IFACE" up; say "$IFACE set up"; }

# The address survives a reboot: a netplan file (Ubuntu's network configuration, on FABRIC, Chameleon
# and CloudLab images) for the interface, matched by its MAC (names may change at boot). Written when
# this script put the address there, or when an earlier run did (then re-checked, rewritten if it
# differs). An address the testbed put there itself (CloudLab) is the testbed's to keep: no file.
# Not `netplan apply`: the address is on the interface already, and apply reconfigures every
# interface, the one the hub's ssh session uses too; `netplan generate` checks the file and renders it
# for the next boot. Without netplan (e.g. Debian) the file is written but nothing reads it: a rerun
# of this script puts the address back (it finds the interface by the MAC in the file).
if [ -n "$ADDED" ] || [ -f "$NETPLAN_FILE" ]; then
  lan_mac="$(cat "/sys/class/net/$IFACE/address")"
  netplan_wanted="$(printf '%s\n' "# testbeds/host-setup.sh: $HOST's experiment address, kept across reboots (the interface is found by its MAC)" \
    "network:" "  version: 2" "  ethernets:" "    sockets-typescript-lan:" "      match:" "        macaddress: \"$lan_mac\"" \
    "      addresses:" "        - \"$ADDRESS/$PREFIX\"")"
  if [ -f "$NETPLAN_FILE" ] && [ "$(cat "$NETPLAN_FILE")" = "$netplan_wanted" ]; then
    say "the experiment address is kept across reboots ($NETPLAN_FILE)"
  else
    [ -f "$NETPLAN_FILE" ] && say "$NETPLAN_FILE differs (another MAC or address): rewriting it"
    mkdir -p "$NETPLAN_DIR" && (umask 077 && echo "$netplan_wanted" > "$NETPLAN_FILE.tmp") && mv "$NETPLAN_FILE.tmp" "$NETPLAN_FILE" \
      || fail "could not write $NETPLAN_FILE"
    say "wrote $NETPLAN_FILE: $ADDRESS/$PREFIX on the interface with MAC $lan_mac, also after a reboot"
  fi
  if command -v netplan >/dev/null; then
    netplan generate || fail "netplan generate rejected $NETPLAN_FILE (see above)"
    say "netplan generate: the configuration is valid and takes effect at the next boot"
  else
    say "netplan is not installed here: nothing reads $NETPLAN_FILE; after a reboot, run this script again to put the address back"
  fi
fi

# Every host's name -> its experiment address. Other lines naming our hosts are commented out
# (a "127.0.1.1 romeo" line would otherwise win and romeo would resolve to loopback).
HOSTS_FILE="${HOSTS_FILE:-/etc/hosts}"
node - "$PROJECT/packages/topology/topology.json" "$HOSTS_FILE" <<'NODE' || fail "could not update $HOSTS_FILE"
const fs = require("fs");
const [topologyFile, hostsFile] = process.argv.slice(2);
const hosts = JSON.parse(fs.readFileSync(topologyFile, "utf8")).hosts;
const lines = fs.readFileSync(hostsFile, "utf8").split("\n");
let changed = false;
const named = new Set();
const out = lines.map((line) => {
  const [address, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
  for (const name of names.filter((n) => Object.hasOwn(hosts, n))) {
    if (hosts[name].address !== address) { changed = true; console.log(`host-setup: ${hostsFile}: commented out "${line.trim()}"`); return `# host-setup: ${line}`; }
    named.add(name);
  }
  return line;
});
const missing = Object.keys(hosts).filter((name) => !named.has(name));
if (missing.length > 0) {
  if (out[out.length - 1] === "") out.pop();
  out.push("# sockets-typescript experiment hosts (testbeds/host-setup.sh)", ...missing.map((n) => `${hosts[n].address}\t${n}`), "");
  changed = true;
  console.log(`host-setup: ${hostsFile}: added ${missing.join(", ")}`);
}
if (changed) fs.writeFileSync(hostsFile, out.join("\n"));
else console.log(`host-setup: ${hostsFile} names the experiment hosts`);
NODE

# 3. Offloads: with them on, a capture shows 64 KB "segments" the wire never carried.
if ! command -v ethtool >/dev/null; then
  # a fresh image may have no package lists yet: then once more after apt-get update
  apt_get install -y -qq ethtool || { apt_get update -qq && apt_get install -y -qq ethtool; } \
    || say "warning: ethtool is missing and could not be installed: offloads left as they are"
fi
if command -v ethtool >/dev/null; then
  on="$(ethtool -k "$IFACE" 2>/dev/null | grep -E '^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload): on' | cut -d: -f1 | tr '\n' ' ')"
  if [ -z "$on" ]; then
    say "offloads (tso, gso, gro) are off on $IFACE"
  else
    ethtool -K "$IFACE" tso off gso off gro off 2>/dev/null || true
    still="$(ethtool -k "$IFACE" 2>/dev/null | grep -E '^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload): on' | cut -d: -f1 | tr '\n' ' ')"
    [ -z "$still" ] && say "offloads turned off on $IFACE ($on)" || say "warning: $IFACE keeps $still on (the driver does not allow changing them)"
  fi
fi

# 3a. The notebooks' wire view (packages/notebook) runs tcpdump on $IFACE from the kernel, as the
# login user through `sudo -n` (passwordless on the testbeds); it needs tcpdump and nothing else.
if ! command -v tcpdump >/dev/null; then
  apt-get install -y -qq tcpdump >/dev/null 2>&1 && say "tcpdump installed (the notebooks' wire view)" \
    || say "warning: tcpdump is missing and could not be installed: the notebooks' wire view will say so"
fi

# 3b. sshd ends sessions whose client vanished (a hub that lost the link) after 3 x 5 s without an
# answer: the session's host kernel then sees stdin close and stops, instead of staying for hours.
# And it lets the kernel launcher forward to the kernel's unix sockets (the default, made explicit).
SSHD_CONFIG_DIR="${SSHD_CONFIG_DIR:-/etc/ssh/sshd_config.d}"
sshd_dropin="$SSHD_CONFIG_DIR/10-sockets-typescript.conf"
sshd_wanted="$(printf '%s\n' "# testbeds/host-setup.sh: end sessions of vanished clients, so their kernels stop too;" \
  "# the SSH kernel launcher forwards the kernel's ports to unix sockets on this host" \
  "ClientAliveInterval 5" "ClientAliveCountMax 3" "AllowStreamLocalForwarding yes")"
if [ -f "$sshd_dropin" ] && [ "$(cat "$sshd_dropin")" = "$sshd_wanted" ]; then
  say "sshd ends sessions of vanished clients ($sshd_dropin)"
elif mkdir -p "$SSHD_CONFIG_DIR" && echo "$sshd_wanted" > "$sshd_dropin"; then
  say "sshd: wrote $sshd_dropin (sessions of vanished clients end after 15 s)"
  # (only the system's own sshd directory concerns the system's sshd: tests write elsewhere)
  if [ "$SSHD_CONFIG_DIR" = /etc/ssh/sshd_config.d ] && [ -d /run/systemd/system ] && { systemctl reload ssh 2>/dev/null || systemctl reload sshd 2>/dev/null; }; then
    say "sshd reloaded"
  else
    say "sshd not reloaded here (no systemd, or not the system's sshd folder): new sshd processes read $sshd_dropin"
  fi
else
  say "warning: could not write $sshd_dropin: a kernel whose hub vanished may linger on this host"
fi

# 4. The project: dependencies (only when the lock file changed) and the build.
cd "$PROJECT" || fail "cannot enter $PROJECT"
stamp="node_modules/.host-setup-lock.sha256"
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ] && [ -d node_modules/tslab ]; then
  say "dependencies up to date (package-lock.json unchanged)"
else
  say "installing dependencies: npm ci $OFFLINE (as $OWNER)"
  as_owner npm ci $OFFLINE --no-audit --no-fund --loglevel=error || fail "npm ci failed (see above); with no internet on the host, npm cannot fetch packages"
  echo "$lock_sum" | as_owner tee "$stamp" >/dev/null
fi
say "building (npm run build)"
as_owner npm run -s build || fail "the build failed (see above)"
[ -f dist/src/host/host-kernel.js ] || fail "the build made no dist/src/host/host-kernel.js"

# 4b. CloudLab's romeo serves the notebooks itself: the distribution's Jupyter Notebook.
if [ -n "$JUPYTER" ]; then
  if command -v jupyter-notebook >/dev/null; then
    say "Jupyter Notebook present"
  else
    say "installing Jupyter Notebook (apt-get install jupyter-notebook)"
    apt_get install -y -qq jupyter-notebook \
      || { apt_get update -qq && apt_get install -y -qq jupyter-notebook; } \
      || fail "could not install jupyter-notebook (apt-get failed)"
  fi
fi

# 5. A kernel starts here and answers.
say "starting a tslab kernel to check it answers"
as_owner node dist/src/host/kernel-check.js || fail "no working tslab kernel on $HOST (see above)"

say "ready: $HOST ($ADDRESS/$PREFIX on $IFACE), Node.js $(node --version), project in $PROJECT"
