"""Hub-side work on a testbed host over plain ssh: upload the hub's clone of the project, run the
host set-up in the background and follow its progress. The same ssh target (destination and
options) that the host's kernel uses later, so what works here works for the kernel. Stdlib only.
"""
import io
import os
import shlex
import subprocess
import tarfile
import time

from testbeds.kernels.ssh_kernel_launcher import SSH_OPTIONS
from testbeds.topology import REPO_ROOT

REMOTE_PROJECT = "sockets-typescript"  # on the host, relative to the ssh user's home
SETUP_OUT = "host-setup.out"  # in the project's folder on the host
SETUP_STATUS = "host-setup.status"
# What the hosts build or fetch themselves, and the set-up's own files; never uploaded.
SKIPPED = {".git", "node_modules", "dist", ".ipynb_checkpoints", "__pycache__", SETUP_OUT, SETUP_STATUS}


class RemoteError(Exception):
    """A command on the host failed; the text says which host, which command and what it printed."""


def project_archive(root=REPO_ROOT):
    """The project's sources as a gzipped tar in memory (no node_modules, dist, .git, build info)."""
    buffer = io.BytesIO()

    def keep(info):
        parts = info.name.split("/")
        if any(part in SKIPPED for part in parts) or info.name.endswith(".tsbuildinfo"):
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in sorted(os.listdir(root)):
            archive.add(os.path.join(root, name), arcname=name, filter=keep)
    return buffer.getvalue()


class Remote:
    def __init__(self, host, destination, ssh_options=(), ssh="ssh", remote_dir=REMOTE_PROJECT):
        self.host, self.destination, self.ssh_options, self.ssh = host, destination, list(ssh_options), ssh
        self.remote_dir = remote_dir  # the project on the host: relative to the ssh user's home, or absolute

    def argv(self, command):
        return [self.ssh, *SSH_OPTIONS, *self.ssh_options, "-T", self.destination, command]

    def run(self, command, input=None, timeout=600):
        """Runs a shell command on the host; returns its stdout; raises RemoteError on failure."""
        try:
            result = subprocess.run(self.argv(command), input=input, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RemoteError(f"{self.host}: `{command}` did not finish within {timeout} s") from None
        if result.returncode != 0:
            said = result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            reason = "ssh could not connect" if result.returncode == 255 else f"exit {result.returncode}"
            raise RemoteError(f"{self.host} ({self.destination}): `{command}` failed ({reason}): {' / '.join(said)}")
        return result.stdout.decode("utf-8", "replace")

    def upload_project(self, root=REPO_ROOT):
        """Copies the hub's clone to the project folder on the host (kept: node_modules, dist built there)."""
        data = project_archive(root)
        where = shlex.quote(self.remote_dir)
        self.run(f"mkdir -p {where} && tar -xzf - -C {where}", input=data)
        return len(data)

    def start_setup(self, mac=None, extra_args=()):
        """Starts testbeds/host-setup.sh in the background (as root: sudo unless the user is root);
        returns at once. Its output goes to host-setup.out in the project folder."""
        args = ["--host", self.host] + (["--mac", mac] if mac else []) + list(extra_args)
        job = f"$S bash testbeds/host-setup.sh {' '.join(shlex.quote(a) for a in args)} > {SETUP_OUT} 2>&1; echo $? > {SETUP_STATUS}"
        self.run(f'cd {shlex.quote(self.remote_dir)} && rm -f {SETUP_STATUS} && S=$([ "$(id -u)" = 0 ] || echo "sudo -n") && '
                 f"(S=\"$S\" nohup sh -c {shlex.quote(job)} > /dev/null 2>&1 < /dev/null &)")

    def setup_progress(self):
        """(last line of the set-up's output, exit status or None while it runs)."""
        where = shlex.quote(self.remote_dir)
        text = self.run(f'cd {where} && echo "last:$(tail -n 1 {SETUP_OUT} 2>/dev/null)" && '
                        f'echo "status:$(cat {SETUP_STATUS} 2>/dev/null)"')
        found = dict(line.split(":", 1) for line in text.splitlines() if line.startswith(("last:", "status:")))
        status = found.get("status", "").strip()
        return found.get("last", "").strip(), (int(status) if status.isdigit() else None)

    def setup_output(self):
        return self.run(f"cd {shlex.quote(self.remote_dir)} && cat {SETUP_OUT} 2>/dev/null || true")


def wait_for_setup(remotes, poll_seconds=10, timeout=1800, out=print):
    """Follows the set-up on every host, printing each new progress line; returns {host: status}.
    Raises RemoteError naming the hosts whose set-up failed, with the end of their output."""
    done, shown, began = {}, {}, time.monotonic()
    while len(done) < len(remotes):
        for remote in remotes:
            if remote.host in done:
                continue
            last, status = remote.setup_progress()
            if last and last != shown.get(remote.host):
                out(f"[{remote.host}] {last}")
                shown[remote.host] = last
            if status is not None:
                done[remote.host] = status
        if len(done) < len(remotes):
            if time.monotonic() - began > timeout:
                raise RemoteError(f"set-up still running after {timeout} s on "
                                  f"{', '.join(r.host for r in remotes if r.host not in done)}")
            time.sleep(poll_seconds)
    failed = [r for r in remotes if done[r.host] != 0]
    if failed:
        details = "\n".join(f"--- {r.host}:\n" + "\n".join(r.setup_output().splitlines()[-15:]) for r in failed)
        raise RemoteError(f"the set-up failed on {', '.join(r.host for r in failed)}:\n{details}")
    return done
