import { Backups } from "../../components/backups";
import { MCP_OPS_IMAGE } from "../../config/images";
import { backupsSchema } from "../../config/schema";
import { declareComponent, noTraffic, secretRef } from "./component";
import { K8S } from "./platform";

/**
 * The PostgreSQL backup CronJob's pod spec as the Backups component renders it (default config,
 * volume destination), for a server on 127.0.0.1; its password comes from the Secret "postgres-password".
 */
export async function postgresBackupPod(server: { port: number; database: string; user: string }) {
    const declared = await declareComponent(
        () =>
            new Backups("backups", {
                namespace: "ns",
                config: backupsSchema.parse({}),
                postgres: { host: "127.0.0.1", image: MCP_OPS_IMAGE, password: secretRef("postgres-password"), ...server },
                destination: { kind: "volume", size: "5Gi" },
                traffic: noTraffic,
                drillTraffic: noTraffic,
            }),
    );
    return declared.named(K8S.cronJob, "backups-postgres").inputs.spec.jobTemplate.spec.template.spec;
}
