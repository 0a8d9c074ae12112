"""Two hosts, romeo and juliet, on one LAN, for the sockets-typescript tutorial: the socket API in
TypeScript, as Jupyter notebooks whose cells run on each host.

Instructions:
Wait until both nodes show "Finished" under Startup: the boot script
(/local/repository/testbeds/host-setup.sh, log in /var/log/sockets-typescript-setup.log) installs
Node.js and the project on each node. Then follow the CloudLab section of the repository's
README.md: a Jupyter server on romeo, reached through an SSH tunnel, whose juliet kernel runs on
juliet over SSH across the experiment LAN.
"""
# CloudLab repository-based profile: CloudLab clones this repository to /local/repository on
# every node. The addresses and names come from packages/topology/topology.json, like everywhere.
import ipaddress
import json
import os

import geni.portal as portal
import geni.rspec.pg as pg

REPOSITORY = "/local/repository"
IMAGE = "urn:publicid:IDN+emulab.net+image+emulab-ops//UBUNTU24-64-STD"

here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else os.getcwd()
with open(os.path.join(here, "packages", "topology", "topology.json")) as topology_file:
    topology = json.load(topology_file)
netmask = str(ipaddress.IPv4Network(topology["network"]["subnet"]).netmask)

context = portal.context
context.defineParameter("hardware", "Node type (empty: any available)", portal.ParameterType.NODETYPE, "")
params = context.bindParameters()
request = context.makeRequestRSpec()

hosts = list(topology["hosts"])  # romeo first: the client, and the host with the Jupyter server
lan = request.LAN(topology["network"]["name"])
for name, host in topology["hosts"].items():
    node = request.RawPC(name)
    node.disk_image = IMAGE
    if params.hardware:
        node.hardware_type = params.hardware
    interface = node.addInterface(f"{name}-{topology['network']['name']}")
    interface.addAddress(pg.IPv4Address(host["address"], netmask))
    lan.addInterface(interface)
    # Boot: set the host up (idempotent: CloudLab runs it again at every boot). romeo also gets
    # Jupyter: its server shows both hosts' notebooks, juliet's kernel runs on juliet over ssh.
    jupyter = " --with-jupyter" if name == hosts[0] else ""
    node.addService(pg.Execute(shell="bash", command=f"sudo bash {REPOSITORY}/testbeds/host-setup.sh --host {name}{jupyter}"))

context.printRequestRSpec(request)
