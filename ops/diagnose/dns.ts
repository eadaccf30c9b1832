import { connect } from "node:net";
import * as dnsPacket from "dns-packet";
import { openTunnel, SimulatedPodsError } from "../kube/tunnel";

/** What the cluster's DNS answered for a Service's name, beside what it should answer. */
export interface DnsCheck {
    name: string;
    /** Addresses answered (A records); empty when the name does not resolve. */
    addresses: string[];
    /** DNS response code: NOERROR, NXDOMAIN, SERVFAIL, … */
    rcode?: string;
    /** The Service's cluster IP, or its ready pods' addresses for a headless Service. */
    expected: string[];
    /** Why nothing was asked (no cluster DNS, simulated, unreachable). */
    notChecked?: string;
}

/** The cluster DNS every pod asks: kube-system's kube-dns Service, as kubeadm and CoreDNS name it. */
const CLUSTER_DNS = { namespace: "kube-system", service: "kube-dns", port: 53 };

/**
 * Resolves the Service's name with the cluster's own DNS server, the one its pods ask, reached
 * over TCP through a port-forward to one of its pods: the answer is what a pod in the cluster
 * gets, asked from wherever the operator is.
 */
export async function resolveInCluster(kubeconfig: string, name: string, expected: string[], timeoutMs = 5_000): Promise<DnsCheck> {
    let tunnel: Awaited<ReturnType<typeof openTunnel>>;
    try {
        tunnel = await openTunnel(kubeconfig, CLUSTER_DNS.namespace, CLUSTER_DNS.service, CLUSTER_DNS.port);
    } catch (error) {
        const why = error instanceof SimulatedPodsError ? "the cluster DNS runs on a simulated node" : (error as Error).message;
        return { name, addresses: [], expected, notChecked: `cluster DNS not reached: ${why}` };
    }
    try {
        const answer = await queryTcp(tunnel.host, tunnel.port, name, timeoutMs);
        return { name, expected, ...answer };
    } catch (error) {
        return { name, addresses: [], expected, notChecked: `cluster DNS did not answer: ${(error as Error).message}` };
    } finally {
        tunnel.close();
    }
}

/** One A query over TCP (a two-byte length before each message, RFC 1035 4.2.2). */
export function queryTcp(host: string, port: number, name: string, timeoutMs: number): Promise<{ addresses: string[]; rcode?: string }> {
    return new Promise((resolve, reject) => {
        const socket = connect({ host, port });
        let received = Buffer.alloc(0);
        const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        socket.on("connect", () =>
            socket.write(
                dnsPacket.streamEncode({ type: "query", id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", name }] }),
            ),
        );
        socket.on("data", (chunk) => {
            received = Buffer.concat([received, chunk]);
            if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
            clearTimeout(timer);
            socket.end();
            // dns-packet decodes the response code; its published types leave it out.
            const reply = dnsPacket.streamDecode(received) as dnsPacket.DecodedPacket & { rcode?: string };
            resolve({
                rcode: reply.rcode,
                addresses: (reply.answers ?? []).flatMap((a) => (a.type === "A" ? [a.data] : [])),
            });
        });
        socket.on("error", (error) => {
            clearTimeout(timer);
            reject(error);
        });
        socket.on("close", () => {
            clearTimeout(timer);
            reject(new Error("the connection closed before an answer"));
        });
    });
}
