import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { Redis } from "../../../components/redis";
import { postgresSchema, redisSchema } from "../../../config/schema";
import { declareComponent, declarePostgres, idleCredentials, noTraffic, secretRef } from "../../support/component";
import { K8S } from "../../support/platform";

const resolve = <T>(output: pulumi.Output<T>) => new Promise<T>((r) => output.apply(r));

describe("Redis", () => {
    it("runs in the cluster with a required password that never appears in its spec", async () => {
        let redis!: Redis;
        const d = await declareComponent(
            () =>
                (redis = new Redis("redis", {
                    namespace: "ns",
                    config: redisSchema.parse({}),
                    password: secretRef("redis-password"),
                    traffic: noTraffic,
                    credentials: idleCredentials,
                })),
        );
        const container = d.one(K8S.statefulSet).inputs.spec.template.spec.containers[0];
        // Both values the Secret holds (the same one outside a rotation); the probe's user may only PING.
        expect(container.args.slice(0, 14)).toEqual(
            "--user default on >$(REDIS_PASSWORD) >$(REDIS_PASSWORD_ALSO) ~* &* +@all --user probe on nopass -@all +ping".split(" "),
        );
        expect(container.env.map((e: { name: string; valueFrom: unknown }) => [e.name, e.valueFrom])).toEqual([
            ["REDIS_PASSWORD", { secretKeyRef: { name: "redis-password", key: "value" } }],
            ["REDIS_PASSWORD_ALSO", { secretKeyRef: { name: "redis-password", key: "also-accepted" } }],
        ]);
        expect(JSON.stringify(container.readinessProbe)).not.toMatch(/REDISCLI_AUTH|REDIS_PASSWORD/);
        expect(d.one(K8S.statefulSet).inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(
            redisSchema.parse({}).storage,
        );
        expect(await resolve(redis.host)).toBe("redis.ns.svc.cluster.local");
        expect(redis.port).toBe(6379);
    });

    it("declares nothing in the cluster for an external store, and points consumers at it", async () => {
        let redis!: Redis;
        const config = redisSchema.parse({ mode: "external", external: { host: "cache.example.com", port: 6380, tls: true } });
        const d = await declareComponent(
            () =>
                (redis = new Redis("redis", {
                    namespace: "ns",
                    config,
                    password: secretRef("redis-password"),
                    traffic: noTraffic,
                    credentials: idleCredentials,
                })),
        );
        expect(d.resources.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
        expect([await resolve(redis.host), redis.port]).toEqual(["cache.example.com", 6380]);
    });
});

describe("Postgres", () => {
    it("keeps its data in a subdirectory of its volume and checks readiness with pg_isready", async () => {
        const config = postgresSchema.parse({});
        const d = await declarePostgres(config);
        const container = d.one(K8S.statefulSet).inputs.spec.template.spec.containers[0];
        expect(container.env).toContainEqual({ name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" });
        expect(container.env).toContainEqual({
            name: "POSTGRES_PASSWORD",
            valueFrom: { secretKeyRef: { name: "postgres-password", key: "value" } },
        });
        expect(container.readinessProbe.exec.command).toEqual(["pg_isready", "-h", "127.0.0.1", "-U", config.user, "-d", config.database]);
        expect(d.one(K8S.service).inputs.spec.ports[0].port).toBe(5432);
    });

    it("starts with pg_stat_statements loaded and the configured parameters, as postgres -c arguments", async () => {
        const config = postgresSchema.parse({ settings: { max_connections: 200, work_mem: "16MB" } });
        const d = await declarePostgres(config);
        expect(d.one(K8S.statefulSet).inputs.spec.template.spec.containers[0].args).toEqual([
            ...["-c", "shared_preload_libraries=pg_stat_statements", "-c", "pg_stat_statements.track=top"],
            ...["-c", "max_connections=200", "-c", "work_mem=16MB"],
        ]);
    });
});
