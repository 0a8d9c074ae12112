#!/usr/bin/env python3
"""Jupyter kernel launcher for a testbed host: the TypeScript kernel runs on the host, over SSH.

Kernelspec argv (written by register_kernels.py):
    python3 .../ssh_kernel_launcher.py --host romeo --target .../ts-romeo/ssh-target.json {connection_file}
    python3 .../ssh_kernel_launcher.py --host romeo --target .../ssh-target.json --check

One ssh connection (its own session, no connection sharing) forwards the five kernel ports from
the hub's 127.0.0.1 to unix sockets on the host (a private temp folder) that host-kernel.js opens
once tslab listens on all five of its loopback ports, and runs
`node dist/src/host/host-kernel.js --relay-dir DIR` in the project on the host. The connection info (with the key) is the first line on that command's stdin,
never on a command line. SIGINT (Jupyter's interrupt) becomes an "interrupt" line; SIGTERM closes
stdin, which stops the host's kernel; if this launcher is killed, ssh sees stdin close and the host's
kernel stops the same way. Standard library only: the hub promises nothing else.
"""
import argparse
import json
import math
import os
import secrets
import shlex
import signal
import subprocess
import sys
import threading
import time

# The host-kernel protocol, as src/host/protocol.ts defines it (test/protocol.test.ts compares them).
CHANNELS = ("shell", "iopub", "stdin", "control", "hb")
PORT_NAMES = tuple(f"{channel}_port" for channel in CHANNELS)
HOST_KERNEL = "dist/src/host/host-kernel.js"
RELAY_DIR_OPTION = "--relay-dir"
INTERRUPT_LINE = "interrupt"
STARTED_MARKER = "host-kernel: tslab started"
NOT_SET_UP = 97  # remote exit codes of the command below
NO_NODE = 98
STOP_GRACE_SECONDS = 10
# Options that keep each kernel's connection its own, fail fast and notice a dead link (3 x 5 s).
SSH_OPTIONS = [
    "-o", "BatchMode=yes",
    "-o", "ExitOnForwardFailure=yes",
    "-o", "ServerAliveInterval=5",
    "-o", "ServerAliveCountMax=3",
    "-o", "ConnectTimeout=20",
    "-o", "ControlMaster=no",
    "-o", "ControlPath=none",
    "-o", "StrictHostKeyChecking=accept-new",
    "-o", "LogLevel=ERROR",
]


class LaunchError(Exception):
    """A problem the student can act on; its text is the whole message."""


class ConnectionInfoError(LaunchError):
    """Connection info that breaks a rule of src/host/connection.ts (same rules, same words)."""


def _shown(value, missing=False):
    """A value as the messages show it: its JSON as JavaScript writes it, or "missing"."""
    if missing:
        return "missing"
    if isinstance(value, float) and not math.isfinite(value):
        return "null"  # as JSON.stringify writes Infinity (from a literal like 1e400)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        value = int(value)  # JavaScript has one number type: 5001.0 is 5001
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _not_json(constant):
    raise ValueError(f"{constant} is not JSON")


def parse_connection_info(text):
    """The connection info's rules, as src/host/connection.ts states and explains them: transport
    "tcp", ip "127.0.0.1" (the ssh forwards listen on IPv4 loopback only), a non-empty key with
    signature_scheme "hmac-sha256" (what tslab signs with), five different ports 1-65535. Refused
    here with host-kernel's words rather than by host-kernel on the host after an ssh login."""
    try:
        info = json.loads(text, parse_constant=_not_json)
    except ValueError:
        raise ConnectionInfoError("connection info is not JSON") from None
    if not isinstance(info, dict):
        raise ConnectionInfoError("connection info is not a JSON object")
    prefix = "connection info: "

    def check(name, good, rule):
        if not good(info.get(name)):
            raise ConnectionInfoError(f"{prefix}{name} {rule}, not {_shown(info.get(name), name not in info)}")

    check("transport", lambda v: v == "tcp", 'must be "tcp"')
    check("ip", lambda v: v == "127.0.0.1", 'must be "127.0.0.1" (kernels listen on IPv4 loopback only)')
    check("key", lambda v: isinstance(v, str) and v != "", "must be a non-empty string (tslab signs every message with it)")
    check("signature_scheme", lambda v: v == "hmac-sha256", 'must be "hmac-sha256" (the only one tslab signs with)')
    seen = {}
    for name in PORT_NAMES:
        port = info.get(name)
        is_number = isinstance(port, (int, float)) and not isinstance(port, bool)
        if not (is_number and float(port).is_integer() and 1 <= port <= 65535):
            raise ConnectionInfoError(f"{prefix}{name} must be a port number 1-65535, not {_shown(port, name not in info)}")
        port = int(port)
        if port in seen:
            raise ConnectionInfoError(f"{prefix}{name} is {port}, as {seen[port]} is: each channel needs its own port")
        seen[port] = name
    return info


def load_target(path, host):
    """The ssh target of a host: destination, ssh options, project directory on the host."""
    try:
        with open(path, encoding="utf-8") as file:
            target = json.load(file)
    except FileNotFoundError:
        raise LaunchError(f"no ssh target for {host}: {path} is missing; run the reservation notebook's "
                          "'register the host kernels' cell again") from None
    except json.JSONDecodeError as error:
        raise LaunchError(f"the ssh target {path} is not valid JSON ({error}); register the kernels again") from None
    for field in ("destination", "project_dir"):
        if not target.get(field):
            raise LaunchError(f"the ssh target {path} has no {field}; register the kernels again")
    if target.get("host", host) != host:
        raise LaunchError(f"the ssh target {path} is for {target['host']}, not {host}")
    for index, option in enumerate(target.get("ssh_options", [])):
        if option in ("-i", "-F") and index + 1 < len(target["ssh_options"]):
            file = os.path.expanduser(target["ssh_options"][index + 1])
            if not os.path.isfile(file):
                what = "key" if option == "-i" else "ssh config"
                raise LaunchError(f"the {what} file {file} for {host} does not exist "
                                  "(FABRIC: rerun the configuration cells; Chameleon: check the key pair)")
    return target


def remote_command(project_dir, run, relay_dir=None):
    """The shell command run on the host, with exit codes that name what is missing there.
    relay_dir: host-kernel serves the five ports as unix sockets there, and only once tslab listens
    on all of them (a request that reaches tslab earlier is never answered); ssh forwards to them."""
    where = shlex.quote(project_dir)
    checks = (f"cd {where} 2>/dev/null && test -f {HOST_KERNEL} || exit {NOT_SET_UP}; "
              f"command -v node >/dev/null || exit {NO_NODE}; ")
    if run == "check":
        return checks + 'echo "node $(node --version) in $(pwd)"'
    if relay_dir is None:
        return checks + f"exec node {HOST_KERNEL}"
    relay = shlex.quote(relay_dir)
    return checks + f"mkdir -m 700 {relay} || exit 1; trap 'rm -rf {relay}' EXIT; node {HOST_KERNEL} {RELAY_DIR_OPTION} {relay}"


def forwards_to(connection, relay_dir):
    """ssh -L specs: each kernel port on the hub's 127.0.0.1 to its unix socket on the host."""
    return [f"127.0.0.1:{int(connection[f'{channel}_port'])}:{relay_dir}/{channel}.sock" for channel in CHANNELS]


def ssh_argv(target, forwards, command):
    """ssh with the forwards; for the destination "local" (CloudLab: romeo's own kernel beside a
    Jupyter on romeo), the same command without ssh: the ports are already this host's."""
    if target["destination"] == "local":
        return ["bash", "-c", command]
    argv = [target.get("ssh", "ssh"), *SSH_OPTIONS, *target.get("ssh_options", [])]
    for spec in forwards:
        argv += ["-L", spec]
    return argv + ["-T", target["destination"], command]


def explain(host, target, code, stderr_lines, connected=False):
    """One sentence on why ssh or the host's kernel ended, from the exit code and ssh's words.
    connected: the kernel had started on the host (so a 255 is a connection lost, not refused)."""
    where = f"{host} ({target['destination']})"
    text = "\n".join(stderr_lines)
    if code == NOT_SET_UP:
        return (f"{host} is not set up: {target['project_dir']}/{HOST_KERNEL} is missing there; "
                "run the set-up step of the reservation notebook (testbeds/host-setup.sh)")
    if code == NO_NODE:
        return f"{host} has no Node.js: run the set-up step of the reservation notebook (testbeds/host-setup.sh)"
    if code == 255:
        for words, reason in (
            ("Permission denied", "the host refused the key (wrong key, or the key is not installed there)"),
            ("Host key verification failed", "the host's key changed (a new host at the same address?)"),
            ("Could not resolve hostname", "the host's name does not resolve"),
            ("Connection refused", "nothing accepts ssh connections there (host still booting or down)"),
            ("No route to host", "no route to the host (host down or network unreachable)"),
            ("Network is unreachable", "the network is unreachable from the hub"),
            ("timed out", "the connection timed out (host down or unreachable)"),
            ("Timeout, server not responding", "the connection to the host was lost (no answer for 15 s)"),
            ("Broken pipe", "the connection to the host was lost"),
            ("Connection reset", "the connection to the host was reset"),
            ("Connection closed", "the host closed the connection"),
            ("forwarding", "a kernel port could not be forwarded (port in use on the hub?)"),
            ("Address already in use", "a kernel port is already in use on the hub"),
        ):
            if words in text:
                return f"ssh to {where} failed: {reason}. ssh said: {stderr_lines[-1] if stderr_lines else ''}"
        if connected:
            return (f"the connection to {where} was lost (no answer for 15 s: link down, host down or "
                    "hub network gone); restart the kernel once the host is reachable again")
        return f"ssh to {where} failed (exit 255). ssh said: {text or 'nothing'}"
    return f"the kernel on {where} exited with code {code}"


class Launcher:
    def __init__(self, host, target, connection, log_file=None):
        self.host, self.target, self.connection = host, target, connection
        self.log_file = log_file
        self.process = None
        self.stderr_tail = []
        self.stopping = False
        self.stop_at = None
        self.connected = False

    def log(self, message):
        line = f"ssh-kernel {self.host}: {message}"
        print(line, file=sys.stderr, flush=True)
        if self.log_file:
            try:
                with open(self.log_file, "a", encoding="utf-8") as file:
                    file.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")
            except OSError:
                pass  # the log is a convenience; the kernel does not depend on it

    def relay_stderr(self):
        """ssh's and the host kernel's messages go to Jupyter's log; the last ones explain failures."""
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stderr_tail = (self.stderr_tail + [line])[-20:]
            if line.startswith(STARTED_MARKER):
                self.connected = True
            print(line, file=sys.stderr, flush=True)

    def send_line(self, line):
        try:
            self.process.stdin.write(line.encode("utf-8") + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass  # ssh has gone; its exit is reported by run()

    def on_interrupt(self, signum, frame):
        if self.process:
            self.send_line(INTERRUPT_LINE)

    def on_terminate(self, signum, frame):
        """Stop: closing stdin makes the host's kernel stop; ssh then exits by itself."""
        self.stopping = True
        self.stop_at = self.stop_at or time.monotonic() + STOP_GRACE_SECONDS
        if self.process and self.process.stdin and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except OSError:
                pass

    def run(self):
        ports = [int(self.connection[name]) for name in PORT_NAMES]
        if self.target["destination"] == "local":
            argv = ssh_argv(self.target, [], remote_command(self.target["project_dir"], "kernel"))
        else:
            relay_dir = f"/tmp/sockets-ts-kernel-{secrets.token_hex(8)}"
            argv = ssh_argv(self.target, forwards_to(self.connection, relay_dir),
                            remote_command(self.target["project_dir"], "kernel", relay_dir))
        # Own session: Jupyter's SIGINT to our process group must not reach ssh (it would quit).
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=None,
                                        stderr=subprocess.PIPE, start_new_session=True)
        self.log(f"ssh pid {self.process.pid} to {self.target['destination']}, ports {ports}")
        relay = threading.Thread(target=self.relay_stderr, daemon=True)
        relay.start()
        self.send_line(json.dumps(self.connection))
        while True:
            try:
                code = self.process.wait(timeout=1)
                break
            except subprocess.TimeoutExpired:
                # The host did not stop in time (link down?): end ssh; the host sees the connection close.
                if self.stopping and time.monotonic() > self.stop_at:
                    self.process.kill() if time.monotonic() > self.stop_at + 5 else self.process.terminate()
        relay.join(timeout=2)
        if self.stopping:
            self.log(f"stopped (ssh exit {code})")
            return 0
        if code == 0:
            self.log("the host's kernel exited")
            return 0
        self.log(explain(self.host, self.target, code, self.stderr_tail, self.connected))
        return code or 1


def check(host, target):
    """Reach the host and check that the project is set up there; print one line, return 0 or 1."""
    argv = ssh_argv(target, [], remote_command(target["project_dir"], "check"))
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    if result.returncode == 0:
        print(f"{host}: ok, {result.stdout.strip()} ({target['destination']})")
        return 0
    print(f"{host}: {explain(host, target, result.returncode, result.stderr.strip().splitlines())}")
    return 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True, help="romeo or juliet")
    parser.add_argument("--target", required=True, help="the host's ssh-target.json")
    parser.add_argument("--check", action="store_true", help="only check that the host is reachable and set up")
    parser.add_argument("connection_file", nargs="?")
    args = parser.parse_args(argv)
    log_file = os.path.join(os.path.dirname(os.path.abspath(args.target)), "launcher.log")
    try:
        target = load_target(args.target, args.host)
        if args.check:
            return check(args.host, target)
        if not args.connection_file:
            raise LaunchError("no connection file given (Jupyter passes {connection_file})")
        try:
            with open(args.connection_file, encoding="utf-8") as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as error:
            raise LaunchError(f"cannot read the connection file: {error}") from None
        try:
            connection = parse_connection_info(text)
        except ConnectionInfoError as error:
            raise LaunchError(f"{args.connection_file}: {error}") from None
    except LaunchError as error:
        print(f"ssh-kernel {args.host}: {error}", file=sys.stderr, flush=True)
        return 2
    launcher = Launcher(args.host, target, connection, log_file)
    signal.signal(signal.SIGINT, launcher.on_interrupt)
    signal.signal(signal.SIGTERM, launcher.on_terminate)
    signal.signal(signal.SIGHUP, launcher.on_terminate)
    return launcher.run()


if __name__ == "__main__":
    sys.exit(main())
