import type { Command } from "commander";
import { InvalidInputError } from "../errors";
import { numberOption } from "../commandLine/flags";
import { report } from "../commandLine/output";
import type { CommandContext } from "../commandLine/context";
import { type CredentialValues, postgresCandidates, postgresDesired, redisAccepted } from "../credentials/desired";
import { applyPostgresLogins } from "../credentials/postgresLogins";
import { applyRedisPasswords } from "../credentials/redisPasswords";
import { waitUntilReachable } from "../credentials/reachable";

interface ApplyFlags {
    host: string;
    port: number;
    database?: string;
    owner?: string;
    inUse: number;
    also: number;
    wait: number;
    retireWait: number;
}

/**
 * `mcp-ops credentials apply <store>`: what the store's credentials Job runs at every stage of a
 * rotation — the live store accepts exactly the values its Secret holds. The values come from the
 * environment (CREDENTIAL, CREDENTIAL_ALSO), never from flags.
 */
export function define(command: Command, _ctx: CommandContext): void {
    command
        .command("apply")
        .description("make a running store accept exactly its Secret's values (run by the store's credentials Job)")
        .argument("<store>", "redis or postgres")
        .requiredOption("--host <host>", "the store's address")
        .addOption(numberOption("--port <port>", "the store's port").makeOptionMandatory())
        .option("--database <name>", "PostgreSQL: database to log in to")
        .option("--owner <role>", "PostgreSQL: the role that owns the objects; login roles are <owner>_a and <owner>_b")
        .addOption(numberOption("--in-use <generation>", "generation of CREDENTIAL, the value consumers use").makeOptionMandatory())
        .addOption(
            numberOption(
                "--also <generation>",
                "generation of CREDENTIAL_ALSO (the same as --in-use outside a rotation)",
            ).makeOptionMandatory(),
        )
        .addOption(numberOption("--wait <s>", "seconds to keep trying while the store is unreachable").default(60))
        .addOption(numberOption("--retire-wait <s>", "seconds to wait for sessions of a retired login to end").default(120))
        .action(async (store: string, o: ApplyFlags) => {
            const values = valuesFromEnvironment(o);
            await waitUntilReachable(o.host, o.port, o.wait * 1000);
            const target = { host: o.host, port: o.port };
            if (store === "redis") {
                const accepted = redisAccepted(values);
                await applyRedisPasswords(target, [values.inUse.value, values.also.value], accepted);
                report(`redis accepts generation(s) ${[...new Set([o.also, o.inUse])].sort().join(" and ")}`);
            } else if (store === "postgres") {
                if (!o.owner || !o.database) throw new InvalidInputError("postgres needs --owner <role> and --database <name>");
                const desired = postgresDesired(o.owner, values);
                const applied = await applyPostgresLogins(
                    { ...target, database: o.database },
                    postgresCandidates(o.owner, values),
                    desired,
                    o.retireWait * 1000,
                );
                report(
                    `postgres: login(s) ${desired.accepted.map((l) => l.role).join(", ")} accepted` +
                        (applied.created.length ? `; created ${applied.created.join(", ")}` : "") +
                        (applied.retired.length ? `; retired ${applied.retired.join(", ")}` : "") +
                        (applied.ownerPasswordChanged ? `; ${o.owner}'s own password follows the retirement` : ""),
                );
            } else {
                throw new InvalidInputError(`"${store}" is not a store; use redis or postgres`);
            }
        });
}

function valuesFromEnvironment(o: ApplyFlags): CredentialValues {
    const inUse = process.env.CREDENTIAL;
    const also = process.env.CREDENTIAL_ALSO ?? inUse;
    if (!inUse || !also) throw new InvalidInputError("set CREDENTIAL (and CREDENTIAL_ALSO during a rotation) from the store's Secret");
    return { inUse: { generation: o.inUse, value: inUse }, also: { generation: o.also, value: also } };
}
