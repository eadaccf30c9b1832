import type { Command } from "commander";
import { InvalidInputError } from "../errors";
import { readSecretValue } from "../kube/secrets";
import { openTunnel } from "../kube/tunnel";
import { report } from "./output";
import type { CommandContext } from "./context";
import { withJson, withStack } from "./flags";

/** How a store command reaches its store: where (the stack's config, or --url) and with which password. */
export interface StoreAccessFlags {
    stack: string;
    url?: string;
    passwordEnv: string;
    passwordSecret?: string;
    kubeconfig?: string;
    tlsCa?: string;
    json: boolean;
}

/** The flags every Redis and PostgreSQL command shares. A password is never a flag: it comes from the environment or a Secret. */
export function withStoreAccess(command: Command, store: { name: string; url: string; passwordEnv: string; secret: string }): Command {
    return withJson(withStack(command, `stack whose config says where ${store.name} is`))
        .option("--url <url>", `${store.url} (default: the stack's store; one in the cluster through a port-forward)`)
        .option("--password-env <var>", `environment variable holding the password (the ${store.secret} secret)`, store.passwordEnv)
        .option("--password-secret <name>", `read the password from this Kubernetes Secret of the stack's namespace (e.g. ${store.secret})`)
        .option("--kubeconfig <file>", "cluster for --password-secret (default: $KUBECONFIG, else the local cluster if up)")
        .option("--tls-ca <file>", "CA certificate (PEM) to trust; implies TLS");
}

/** The password: straight from the stack's Kubernetes Secret with --password-secret, else from the environment. */
export async function storePassword(ctx: CommandContext, o: StoreAccessFlags): Promise<string | undefined> {
    if (!o.passwordSecret) return process.env[o.passwordEnv];
    const kubeconfig = ctx.kubeconfig(o.stack, o.kubeconfig);
    if (!kubeconfig) throw new InvalidInputError("--password-secret needs a cluster: pass --kubeconfig or set KUBECONFIG");
    return readSecretValue(kubeconfig, ctx.config(o.stack).namespace, o.passwordSecret);
}

/**
 * Where a store that runs in the cluster answers from here: through a port-forward via the API
 * server when a cluster is known (an operator's laptop, a CI runner), else at its Service's DNS name
 * (the command runs in a pod of the cluster).
 */
export async function inClusterAddress(
    ctx: CommandContext,
    o: StoreAccessFlags,
    service: string,
    port: number,
): Promise<{ host: string; port: number }> {
    const namespace = ctx.config(o.stack).namespace;
    const kubeconfig = ctx.kubeconfig(o.stack, o.kubeconfig);
    if (!kubeconfig) return { host: `${service}.${namespace}.svc.cluster.local`, port };
    const tunnel = await openTunnel(kubeconfig, namespace, service, port);
    report(`reaching ${service} through a port-forward to pod ${namespace}/${tunnel.pod}`);
    return { host: tunnel.host, port: tunnel.port };
}
