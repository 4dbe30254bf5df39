"""A two-node Ray cluster on 127.0.0.1 for tests/test_sweep_ray.py, in a process of its own.

    python tests/ray_cluster.py CPUS_PER_NODE

starts a head node and one worker node (ray.cluster_utils.Cluster: real raylets, each with
its own worker processes, as `ray start --head` and `ray start --address` would), prints one
JSON line {"address", "pids"} and keeps the cluster up until its standard input closes; then
it stops every process it started. The pids let the test check that nothing is left behind.

The caller sets RAY_TMPDIR (a private directory: nothing under the shared /tmp/ray) and
RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0, which makes Ray take 127.0.0.1 as this machine's
address (ray/_private/services.py get_node_ip_address) instead of the network interface's,
for the nodes and for the driver that connects to them.
"""

from __future__ import annotations

import json
import os
import sys

import ray
from ray.cluster_utils import Cluster

LOOPBACK = "127.0.0.1"


def main() -> None:
    cpus = int(sys.argv[1])
    os.makedirs(os.path.join(os.environ["RAY_TMPDIR"], "ray"), exist_ok=True)  # Cluster writes its address there
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": cpus, "node_ip_address": LOOPBACK,
                                                           "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=cpus, node_ip_address=LOOPBACK)
        cluster.wait_for_nodes()
        pids = [info.process.pid for node in cluster.list_all_nodes()
                for infos in node.all_processes.values() for info in infos]
        print(json.dumps({"address": cluster.address, "pids": pids}), flush=True)
        sys.stdin.read()  # until the test closes the pipe (or dies)
    finally:
        cluster.shutdown()
        ray.shutdown()


if __name__ == "__main__":
    main()
