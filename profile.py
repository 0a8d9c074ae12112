"""Two hosts, romeo and juliet, on one LAN, for the sockets-typescript tutorial: the socket API in
TypeScript, as Jupyter notebooks whose cells run on each host.

Instructions:
Wait until both nodes show "Finished" under Startup: the boot script
(/local/repository/testbeds/host-setup.sh, log in /var/log/sockets-typescript-setup.log) installs
Node.js and the project on each node. Then follow the CloudLab section of the repository's
README.md: a Jupyter server on romeo, reached through an SSH tunnel, whose juliet kernel runs on
juliet over SSH across the experiment LAN.
"""
# CloudLab repository-based profile. CloudLab runs this script ALONE: it copies only this file into
# an empty sandbox where geni-lib is the one library (the repository is cloned to the nodes later,
# to /local/repository). So it reads no file and imports nothing of the project: the names and
# addresses it needs are written out below. test/testbeds-cloudlab-profile.test.ts checks that
# they equal packages/topology/topology.json, the one definition everything else reads.
import ipaddress

import geni.portal as portal
import geni.rspec.pg as pg

# --- from packages/topology/topology.json (kept equal by the test) ---
TOPOLOGY = {
    "network": {"name": "lan", "subnet": "10.10.0.0/24"},
    "hosts": {"romeo": {"address": "10.10.0.100"}, "juliet": {"address": "10.10.0.101"}},
}
# --- end of the topology ---

REPOSITORY = "/local/repository"
IMAGE = "urn:publicid:IDN+emulab.net+image+emulab-ops//UBUNTU24-64-STD"

lan_name = TOPOLOGY["network"]["name"]
netmask = str(ipaddress.IPv4Network(TOPOLOGY["network"]["subnet"]).netmask)

context = portal.context
context.defineParameter("hardware", "Node type (empty: any available)", portal.ParameterType.NODETYPE, "")
params = context.bindParameters()
request = context.makeRequestRSpec()

hosts = list(TOPOLOGY["hosts"])  # romeo first: the client, and the host with the Jupyter server
lan = request.LAN(lan_name)
for name, host in TOPOLOGY["hosts"].items():
    node = request.RawPC(name)
    node.disk_image = IMAGE
    if params.hardware:
        node.hardware_type = params.hardware
    interface = node.addInterface(f"{name}-{lan_name}")
    interface.addAddress(pg.IPv4Address(host["address"], netmask))
    lan.addInterface(interface)
    # Boot: set the host up (idempotent: CloudLab runs it again at every boot). romeo also gets
    # Jupyter: its server shows both hosts' notebooks, juliet's kernel runs on juliet over ssh.
    jupyter = " --with-jupyter" if name == hosts[0] else ""
    node.addService(pg.Execute(shell="bash", command=f"sudo bash {REPOSITORY}/testbeds/host-setup.sh --host {name}{jupyter}"))

context.printRequestRSpec(request)
