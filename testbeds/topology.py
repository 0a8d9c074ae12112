"""The experiment topology for the hub side, read from packages/topology/topology.json (never retyped)."""
import json
import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOPOLOGY_FILE = os.path.join(REPO_ROOT, "packages", "topology", "topology.json")


def load(path=TOPOLOGY_FILE):
    """The topology as a dict: network (name, subnet, prefix), hosts (name -> address, role), ports."""
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def host_names(topology=None):
    """Host names in the order of the file (romeo, juliet)."""
    return list((topology or load())["hosts"])


def address(host, topology=None):
    """The host's experiment address, e.g. 10.10.0.100."""
    return (topology or load())["hosts"][host]["address"]


def address_with_prefix(host, topology=None):
    """The host's experiment address with the LAN's prefix length, e.g. 10.10.0.100/24."""
    topology = topology or load()
    return f"{topology['hosts'][host]['address']}/{topology['network']['prefix']}"


def hosts_file_lines(topology=None):
    """The /etc/hosts lines that name every host: "10.10.0.100 romeo"."""
    topology = topology or load()
    return [f"{entry['address']} {name}" for name, entry in topology["hosts"].items()]
