import Redis from "ioredis";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CredentialValues, postgresCandidates, postgresDesired, redisAccepted } from "../../ops/credentials/desired";
import { applyPostgresLogins } from "../../ops/credentials/postgresLogins";
import { applyRedisPasswords } from "../../ops/credentials/redisPasswords";
import { postgresLoginRole } from "../../platform/credentialGenerations";
import { type PostgresServer, startPostgresServer } from "../support/postgresServer";
import { type RedisServer, startRedisServer } from "../support/redisServer";
import type { LoadCounts } from "../support/rollingClients";
import { postgresLoad, redisLoad } from "../support/storeLoad";

/**
 * Rotations under load against real servers (Debian's redis-server and PostgreSQL, loopback): four
 * client instances send requests continuously and reconnect every 150 ms with the credential they
 * were started with, and a rolling update replaces them one at a time. The phased rotation
 * (add, roll, retire) and a one-step rotation (the store switches, then the clients roll) run in
 * the same test; both counts are printed.
 */
const INSTANCES = 4;
const values = (inUse: [number, string], also: [number, string] = inUse): CredentialValues => ({
    inUse: { generation: inUse[0], value: inUse[1] },
    also: { generation: also[0], value: also[1] },
});
const report = (what: string, c: LoadCounts) =>
    console.log(`${what}: ${c.requests} requests, ${c.failed} failed, ${c.refusedLogins} refused logins ${c.samples.join(" | ")}`);

describe("Redis password rotation under load", () => {
    let server: RedisServer;
    const P = ["redis-generation-0-aaaaaaaaaaaa", "redis-generation-1-bbbbbbbbbbbb", "redis-generation-2-cccccccccccc"];

    beforeAll(async () => {
        // As the StatefulSet starts it: the default user takes the Secret's value and also-accepted value.
        server = await startRedisServer({ password: P[0], args: ["--user", "default", "on", `>${P[0]}`, `>${P[0]}`, "~*", "&*", "+@all"] });
    });
    afterAll(async () => server?.stop());

    const load = () => redisLoad(server.port);
    const target = () => ({ host: "127.0.0.1", port: server.port });

    it("phased (add, roll, retire): 0 failed requests; one step (switch, then roll): requests fail", async () => {
        const phased = load();
        await phased.begin(INSTANCES, P[0]);
        await phased.hold(300);
        await applyRedisPasswords(target(), [P[0]], redisAccepted(values([0, P[0]], [1, P[1]])));
        await phased.hold(300);
        await phased.roll(P[1]);
        await phased.hold(300);
        await applyRedisPasswords(target(), [P[1], P[0]], redisAccepted(values([1, P[1]])));
        await phased.hold(300);
        const phasedCounts = await phased.end();

        const oneStep = load();
        await oneStep.begin(INSTANCES, P[1]);
        await oneStep.hold(300);
        await applyRedisPasswords(target(), [P[1]], [P[2]]);
        await oneStep.roll(P[2]);
        await oneStep.hold(300);
        const oneStepCounts = await oneStep.end();

        report("redis, phased", phasedCounts);
        report("redis, one step", oneStepCounts);
        expect(phasedCounts.requests).toBeGreaterThan(500);
        expect(phasedCounts).toMatchObject({ failed: 0, refusedLogins: 0 });
        expect(oneStepCounts.refusedLogins).toBeGreaterThan(0);
    }, 60_000);

    it("retired passwords are refused and the current one works; a login with none of the values names the problem", async () => {
        await applyRedisPasswords(target(), [P[2]], [P[2]]);
        const login = (password: string) => {
            const c = new Redis({ port: server.port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
            c.on("error", () => undefined);
            return c.connect().then(
                () => (c.disconnect(), "accepted"),
                () => (c.disconnect(), "refused"),
            );
        };
        expect(await Promise.all(P.map(login))).toEqual(["refused", "refused", "accepted"]);
        await expect(applyRedisPasswords(target(), [P[0], P[1]], [P[0]])).rejects.toThrow(
            /accepts none of the secret's values .*the store and its Secret disagree/,
        );
        await expect(applyRedisPasswords(target(), [P[0], P[1]], [P[0]])).rejects.not.toThrow(new RegExp(P.join("|")));
    });
});

describe("Redis started as before rotations had phases (--requirepass)", () => {
    it("takes a second password live from the credentials Job, and its clients never see a refused login", async () => {
        const P = ["old-layout-generation-0-aaaa", "old-layout-generation-1-bbbb"];
        const server = await startRedisServer({ password: P[0] });
        try {
            const clients = redisLoad(server.port);
            await clients.begin(INSTANCES, P[0]);
            await clients.hold(300);
            const target = { host: "127.0.0.1", port: server.port };
            await applyRedisPasswords(target, [P[0]], redisAccepted(values([0, P[0]], [1, P[1]])));
            await clients.roll(P[1]);
            await applyRedisPasswords(target, [P[1], P[0]], redisAccepted(values([1, P[1]])));
            await clients.hold(300);
            const counts = await clients.end();
            report("redis, from --requirepass, phased", counts);
            expect(counts.requests).toBeGreaterThan(300);
            expect(counts).toMatchObject({ failed: 0, refusedLogins: 0 });
        } finally {
            await server.stop();
        }
    }, 60_000);
});

describe("PostgreSQL password rotation under load, from the layout before login roles", () => {
    let server: PostgresServer;
    const P = ["pg-generation-0-aaaaaaaaaaaaaaa", "pg-generation-1-bbbbbbbbbbbbbbb", "pg-generation-2-ccccccccccccccc"];
    const OWNER = "mcp";
    const target = () => ({ host: "127.0.0.1", port: server.port, database: "mcp" });
    const superuser = async () => {
        const c = new Client({ connectionString: server.url });
        await c.connect();
        return c;
    };

    beforeAll(async () => {
        server = await startPostgresServer({ statements: false });
        // What the image's first start makes of POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB: a superuser owning the database.
        const c = await superuser();
        await c.query(`CREATE ROLE ${OWNER} SUPERUSER LOGIN PASSWORD '${P[0]}'`);
        await c.query(`CREATE DATABASE mcp OWNER ${OWNER}`);
        await c.end();
        const owner = new Client({ ...target(), user: OWNER, password: P[0] });
        await owner.connect();
        await owner.query("CREATE TABLE items (id serial primary key, note text)");
        await owner.end();
    }, 60_000);
    afterAll(async () => server?.stop());

    const load = () => postgresLoad(target());
    const apply = (c: CredentialValues) => applyPostgresLogins(target(), postgresCandidates(OWNER, c), postgresDesired(OWNER, c), 10_000);
    const login = async (user: string, password: string) => {
        const client = new Client({ ...target(), user, password });
        try {
            await client.connect();
            return "accepted";
        } catch (e) {
            return /password authentication failed|not permitted/.test((e as Error).message) ? "refused" : (e as Error).message;
        } finally {
            await client.end().catch(() => undefined);
        }
    };

    it("moves clients from the owner's login to a login role, then rotates in phases: 0 failed requests, 0 refused logins", async () => {
        const clients = load();
        // The layout before login roles: every client logs in as the owner.
        await clients.begin(INSTANCES, { user: OWNER, password: P[0] });
        await clients.hold(300);
        // Upgrade: the first update creates the login role of generation 0 and rolls the clients onto it.
        expect(await apply(values([0, P[0]]))).toEqual({ created: ["mcp_a"], retired: [], ownerPasswordChanged: false });
        await clients.roll({ user: postgresLoginRole(OWNER, 0), password: P[0] });
        await clients.hold(300);
        // add
        expect(await apply(values([0, P[0]], [1, P[1]]))).toEqual({ created: ["mcp_b"], retired: [], ownerPasswordChanged: false });
        await clients.hold(300);
        // roll
        await apply(values([1, P[1]], [0, P[0]]));
        await clients.roll({ user: postgresLoginRole(OWNER, 1), password: P[1] });
        await clients.hold(300);
        // retire
        expect(await apply(values([1, P[1]]))).toEqual({ created: [], retired: ["mcp_a"], ownerPasswordChanged: true });
        await clients.hold(300);
        const phased = await clients.end();

        const oneStep = load();
        await oneStep.begin(INSTANCES, { user: "mcp_b", password: P[1] });
        await oneStep.hold(300);
        const c = await superuser();
        await c.query(`ALTER ROLE mcp_b PASSWORD '${P[2]}'`);
        await c.end();
        await oneStep.roll({ user: "mcp_b", password: P[2] });
        await oneStep.hold(300);
        const oneStepCounts = await oneStep.end();

        report("postgres, upgrade then phased", phased);
        report("postgres, one step", oneStepCounts);
        expect(phased.requests).toBeGreaterThan(300);
        expect(phased).toMatchObject({ failed: 0, refusedLogins: 0 });
        expect(oneStepCounts.refusedLogins).toBeGreaterThan(0);
    }, 90_000);

    it("leaves everything a login role creates to the owner, and only the current values log in", async () => {
        // After the one-step rotation above mcp_b logs in with P[2]; the applier brings the owner's password along.
        expect(await apply(values([1, P[2]]))).toEqual({ created: [], retired: [], ownerPasswordChanged: true });
        expect({
            owner0: await login(OWNER, P[0]),
            owner2: await login(OWNER, P[2]),
            a: await login("mcp_a", P[0]),
            b1: await login("mcp_b", P[1]),
            b2: await login("mcp_b", P[2]),
        }).toEqual({ owner0: "refused", owner2: "accepted", a: "refused", b1: "refused", b2: "accepted" });
        const asLogin = new Client({ ...target(), user: "mcp_b", password: P[2] });
        await asLogin.connect();
        await asLogin.query("CREATE TABLE made_by_login (id int)");
        const owners = await asLogin.query<{ tableowner: string }>(
            "SELECT tableowner FROM pg_tables WHERE tablename IN ('items', 'made_by_login') ORDER BY tablename",
        );
        const session = await asLogin.query<{ session_user: string; current_user: string }>("SELECT session_user, current_user");
        await asLogin.end();
        expect(owners.rows.map((r) => r.tableowner)).toEqual([OWNER, OWNER]);
        expect(session.rows[0]).toEqual({ session_user: "mcp_b", current_user: OWNER });
    });

    it("refuses to retire a login a session still uses, and changes nothing", async () => {
        // Generation 1 (mcp_b) is in use; a rotation to 2 (mcp_a) is added and rolled, but a client of generation 1 stays.
        await apply(values([1, P[2]], [2, P[0]]));
        await apply(values([2, P[0]], [1, P[2]]));
        const straggler = new Client({ ...target(), user: "mcp_b", password: P[2], application_name: "straggler" });
        await straggler.connect();
        try {
            const retired = values([2, P[0]]);
            const retire = applyPostgresLogins(target(), postgresCandidates(OWNER, retired), postgresDesired(OWNER, retired), 1500);
            await expect(retire).rejects.toThrow(
                /1 session\(s\) still log in with the credential being retired: mcp_b from 127\.0\.0\.1\/32 \(straggler\); nothing was/,
            );
            expect([await login("mcp_b", P[2]), await login("mcp_a", P[0]), await login(OWNER, P[2])]).toEqual([
                "accepted",
                "accepted",
                "accepted",
            ]);
        } finally {
            await straggler.end();
        }
        expect(await apply(values([2, P[0]]))).toEqual({ created: [], retired: ["mcp_b"], ownerPasswordChanged: true });
    });
});
