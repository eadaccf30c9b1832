import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { TlsConfig } from "../config/schema";
import { PART_OF } from "./labels";

export interface GatewayCertificateArgs {
    namespace: pulumi.Input<string>;
    /** The validated `mcp:tls` config: issuer kind, DNS names, duration, renewBefore, ACME account. */
    config: TlsConfig;
    /** Secret the certificate is written to and the gateway mounts. Default "gateway-tls". */
    secretName?: string;
}

/** Name of the gateway's Certificate; `mcp-ops cert renew` acts on it. */
export const GATEWAY_CERTIFICATE = "gateway";

/**
 * The gateway's cert-manager Certificate and its Issuer: self-signed or a private CA
 * (bootstrapped from a self-signed root) for local and staging, ACME for production. The
 * private key is regenerated on every renewal.
 */
export class GatewayCertificate extends pulumi.ComponentResource {
    readonly secretName: pulumi.Output<string>;
    readonly certificateName: pulumi.Output<string>;

    constructor(name: string, args: GatewayCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mcp:tls:GatewayCertificate", name, {}, opts);
        const { config } = args;
        const secretName = args.secretName ?? "gateway-tls";
        const labels = { "app.kubernetes.io/part-of": PART_OF };
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });
        const issuer = (role: string, spec: Record<string, unknown>, dependsOn: pulumi.Resource[] = []) =>
            new k8s.apiextensions.CustomResource(
                `${name}-${role}-issuer`,
                { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: metadata(`${name}-${role}`), spec },
                { parent: this, dependsOn },
            );

        let issuerName: pulumi.Output<string>;
        if (config.issuer === "acme" && config.acme) {
            issuerName = issuer("acme", {
                acme: {
                    server: config.acme.server,
                    email: config.acme.email,
                    privateKeySecretRef: { name: `${name}-acme-account` },
                    solvers: [{ http01: { ingress: { ingressClassName: config.acme.ingressClassName } } }],
                },
            }).metadata.name;
        } else if (config.issuer === "ca") {
            const root = issuer("selfsigned", { selfSigned: {} });
            const caSecret = `${name}-ca`;
            const caCertificate = new k8s.apiextensions.CustomResource(
                `${name}-ca-certificate`,
                {
                    apiVersion: "cert-manager.io/v1",
                    kind: "Certificate",
                    metadata: metadata(`${name}-ca`),
                    spec: {
                        isCA: true,
                        commonName: "mcp-platform-ca",
                        secretName: caSecret,
                        duration: "87600h",
                        privateKey: { algorithm: "ECDSA", size: 256 },
                        issuerRef: { name: root.metadata.name, kind: "Issuer", group: "cert-manager.io" },
                    },
                },
                { parent: this },
            );
            issuerName = issuer("ca", { ca: { secretName: caSecret } }, [caCertificate]).metadata.name;
        } else {
            issuerName = issuer("selfsigned", { selfSigned: {} }).metadata.name;
        }

        const certificate = new k8s.apiextensions.CustomResource(
            `${name}-certificate`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: metadata(GATEWAY_CERTIFICATE),
                spec: {
                    secretName,
                    dnsNames: config.dnsNames,
                    duration: config.duration,
                    renewBefore: config.renewBefore,
                    privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                    usages: ["server auth", "digital signature", "key encipherment"],
                    issuerRef: { name: issuerName, kind: "Issuer", group: "cert-manager.io" },
                },
            },
            { parent: this },
        );

        this.secretName = pulumi.output(secretName);
        this.certificateName = certificate.metadata.name;
        this.registerOutputs({ secretName: this.secretName, certificateName: this.certificateName });
    }
}
