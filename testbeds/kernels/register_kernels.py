#!/usr/bin/env python3
"""Registers the kernelspecs ts-romeo and ts-juliet in the hub user's Jupyter: each host's kernel
runs on that host over SSH (ssh_kernel_launcher.py). Re-runnable: registering again replaces the
kernelspec, so after a hub restart the reservation notebook's registration cell is all it takes.

From Python (the reservation notebooks):
    from testbeds.kernels.register_kernels import register_kernel, check_host
    register_kernel("romeo", "ubuntu@192.0.2.10", ["-i", key, "-F", ssh_config], "sockets-typescript")
From a shell (CloudLab, tests):
    python3 testbeds/kernels/register_kernels.py --host juliet --destination juliet \
        --ssh-options "-i ~/.ssh/id_ed25519" --project-dir /local/repository
Standard library only.
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys

LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ssh_kernel_launcher.py")


def jupyter_data_dir():
    """Where Jupyter looks for the user's kernelspecs (as jupyter_core computes it on Linux)."""
    if os.environ.get("JUPYTER_DATA_DIR"):
        return os.environ["JUPYTER_DATA_DIR"]
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "jupyter")


def kernel_name(host):
    return f"ts-{host}"


def kernelspec_dir(host, data_dir=None):
    return os.path.join(data_dir or jupyter_data_dir(), "kernels", kernel_name(host))


def register_kernel(host, destination, ssh_options=(), project_dir="sockets-typescript", data_dir=None,
                    python=None, ssh="ssh"):
    """Writes kernels/ts-<host>/kernel.json and ssh-target.json; returns the kernelspec directory.

    destination: user@address for ssh; ssh_options: extra ssh arguments (-i key, -F config, -p port);
    project_dir: the project on the host, relative to the remote home or absolute.
    """
    if not destination:
        raise ValueError(f"no ssh destination for {host}")
    directory = kernelspec_dir(host, data_dir)
    os.makedirs(directory, exist_ok=True)
    target_file = os.path.join(directory, "ssh-target.json")
    target = {"host": host, "destination": destination, "ssh_options": list(ssh_options),
              "project_dir": project_dir, "ssh": ssh}
    spec = {
        "argv": [python or sys.executable or "python3", LAUNCHER, "--host", host, "--target", target_file,
                 "{connection_file}"],
        "display_name": f"TypeScript on {host}",
        "language": "typescript",
        "interrupt_mode": "signal",
        "metadata": {"sockets-typescript": {"runs-on": host, "via": "ssh"}},
    }
    for name, content in (("ssh-target.json", target), ("kernel.json", spec)):
        with open(os.path.join(directory, name), "w", encoding="utf-8") as file:
            json.dump(content, file, indent=1)
            file.write("\n")
    return directory


def unregister_kernel(host, data_dir=None):
    shutil.rmtree(kernelspec_dir(host, data_dir), ignore_errors=True)


def check_host(host, data_dir=None):
    """Reaches the host with the registered target and checks the project is set up there.
    Prints one line (ok, or what is wrong) and returns True when the kernel can start."""
    target = os.path.join(kernelspec_dir(host, data_dir), "ssh-target.json")
    result = subprocess.run([sys.executable or "python3", LAUNCHER, "--host", host, "--target", target, "--check"],
                            capture_output=True, text=True)
    print((result.stdout + result.stderr).strip())
    return result.returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description="Register the ts-<host> kernelspec that runs over ssh.")
    parser.add_argument("--host", required=True)
    parser.add_argument("--destination", required=True, help="user@address (or a Host of an ssh config)")
    parser.add_argument("--ssh-options", default="", help='extra ssh arguments, e.g. "-i KEY -p 2222"')
    parser.add_argument("--project-dir", default="sockets-typescript", help="the project on the host")
    parser.add_argument("--data-dir", default=None, help="Jupyter data directory (default: the user's)")
    parser.add_argument("--check", action="store_true", help="then check that the host is reachable and set up")
    args = parser.parse_args(argv)
    directory = register_kernel(args.host, args.destination, shlex.split(args.ssh_options), args.project_dir,
                                args.data_dir)
    print(f"registered {kernel_name(args.host)} in {directory}")
    if args.check:
        return 0 if check_host(args.host, args.data_dir) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
