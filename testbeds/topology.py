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


def diagram(interfaces=None, topology=None):
    """The two hosts on their LAN as text, e.g. for a reservation notebook.
    interfaces: optional {host: interface name} to show where each address lives."""
    topology = topology or load()
    (left, right) = host_names(topology)[:2]
    label = {h: address_with_prefix(h, topology) + (f" on {interfaces[h]}" if interfaces and interfaces.get(h) else "")
             for h in (left, right)}
    lan = f"--- {topology['network']['name']} {topology['network']['subnet']} ---"
    width = max(len(left), len(label[left]))
    return "\n".join([f"{left:<{width}}  {' ' * len(lan)}  {right}", f"{label[left]:<{width}}  {lan}  {label[right]}"])
