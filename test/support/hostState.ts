import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The kernel settings a real node's kubelet, kube-proxy and CNI plugins are known to change. */
const WATCHED_SYSCTLS = [
    "vm.overcommit_memory",
    "vm.panic_on_oom",
    "kernel.panic",
    "kernel.panic_on_oops",
    "kernel.keys.root_maxkeys",
    "kernel.keys.root_maxbytes",
    "net.ipv4.ip_forward",
    "net.ipv4.conf.all.route_localnet",
    "net.bridge.bridge-nf-call-iptables",
    "net.netfilter.nf_conntrack_max",
];

/** Where a node's parts write by default, outside any folder they are told to use. */
const DEFAULT_PATHS = [
    "/var/lib/kubelet",
    "/var/lib/cni",
    "/var/lib/containerd",
    "/opt/containerd",
    "/opt/cni",
    "/etc/cni",
    "/run/containerd",
    "/run/netns",
    "/var/log/pods",
    "/var/log/containers",
    join(homedir(), ".kube"),
];

/**
 * What a cluster could leave behind on the host, as comparable text: processes whose command line
 * names the cluster's folder, network devices, mounts, cgroups at the top of every hierarchy,
 * firewall rules and sets, kernel settings, and which of the node's parts' default paths exist.
 */
export interface HostState {
    processes: string[];
    links: string[];
    mounts: string[];
    cgroups: string[];
    iptables: string[];
    ipsets: string[];
    sysctls: Record<string, string>;
    paths: string[];
}

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

function sysctl(key: string): string {
    const path = join("/proc/sys", ...key.split("."));
    return existsSync(path) ? readFileSync(path, "utf8").trim() : "(absent)";
}

function topCgroups(): string[] {
    const root = "/sys/fs/cgroup";
    const hierarchies = existsSync(join(root, "cgroup.controllers"))
        ? [root]
        : readdirSync(root)
              .map((h) => join(root, h))
              .filter((h) => existsSync(join(h, "cgroup.procs")));
    return hierarchies.flatMap((h) =>
        readdirSync(h, { withFileTypes: true })
            .filter((e) => e.isDirectory())
            .map((e) => join(h, e.name)),
    );
}

export function hostState(clusterDir: string): HostState {
    const ps = execFileSync("ps", ["-eo", "stat=,args="], { encoding: "utf8" });
    return {
        // Zombies are exited processes waiting for their parent to read the status: nothing runs.
        processes: lines(ps).filter((l) => l.includes(clusterDir) && !l.trim().startsWith("Z")),
        links: lines(execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" })).map((l) => l.split(":")[1].trim()),
        mounts: lines(readFileSync("/proc/self/mountinfo", "utf8")).map((l) => l.split(" ").slice(3, 5).join(" ")),
        cgroups: topCgroups(),
        // Comments carry timestamps and counters that change by themselves.
        iptables: lines(execFileSync("iptables-save", { encoding: "utf8" })).filter((l) => !l.startsWith("#")),
        ipsets: lines(execFileSync("ipset", ["list", "-n"], { encoding: "utf8" })),
        sysctls: Object.fromEntries(WATCHED_SYSCTLS.map((k) => [k, sysctl(k)])),
        paths: DEFAULT_PATHS.filter((p) => existsSync(p)),
    };
}
