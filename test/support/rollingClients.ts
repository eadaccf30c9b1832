/**
 * Clients that connect the way the platform's services do: each instance (a pod) is started with
 * one credential and reconnects with it whenever its connection drops; a rolling update replaces
 * the instances one at a time with the credential the new pods are started with. Every instance
 * sends requests continuously, and every failure is counted, refused logins separately.
 */
export interface Instance {
    /** One request: a round trip to the store. */
    request(): Promise<void>;
    /** Drops the connection and reconnects with the instance's credential, as a pool does after an idle timeout or a network blip. */
    reconnect(): Promise<void>;
    close(): Promise<void>;
}

export interface LoadCounts {
    requests: number;
    failed: number;
    /** Failures because the store refused the credential. */
    refusedLogins: number;
    /** The first few failure messages, for the report. */
    samples: string[];
}

export class RollingClients<C> {
    private instances: Array<{ instance: Instance; credential: C }> = [];
    private running = false;
    private loops: Promise<void>[] = [];
    /** The instance each slot's loop is using right now: a pod drains its requests before it stops. */
    private inUse: Array<Instance | undefined> = [];
    readonly counts: LoadCounts = { requests: 0, failed: 0, refusedLogins: 0, samples: [] };

    constructor(
        private readonly start: (credential: C) => Promise<Instance>,
        private readonly isRefusedLogin: (error: Error) => boolean,
        private readonly o: { reconnectEveryMs: number; requestEveryMs: number },
    ) {}

    /** Starts `count` instances with this credential and their request loops. */
    async begin(count: number, credential: C): Promise<void> {
        this.running = true;
        for (let i = 0; i < count; i++) this.instances.push({ instance: await this.start(credential), credential });
        for (let slot = 0; slot < count; slot++) this.loops.push(this.loop(slot));
    }

    /** A rolling update: instance by instance, a new one with `credential` is started, then the old one stops. */
    async roll(credential: C, pauseMs = 100): Promise<void> {
        for (let slot = 0; slot < this.instances.length; slot++) {
            const old = this.instances[slot];
            this.instances[slot] = { instance: await this.start(credential), credential };
            while (this.inUse[slot] === old.instance) await new Promise((r) => setTimeout(r, 5));
            await old.instance.close().catch(() => undefined);
            await new Promise((r) => setTimeout(r, pauseMs));
        }
    }

    /** Keeps the load running this long. */
    hold = (ms: number) => new Promise((r) => setTimeout(r, ms));

    async end(): Promise<LoadCounts> {
        this.running = false;
        await Promise.all(this.loops);
        await Promise.all(this.instances.map((i) => i.instance.close().catch(() => undefined)));
        return this.counts;
    }

    private async loop(slot: number): Promise<void> {
        let lastReconnect = Date.now();
        while (this.running) {
            const { instance } = this.instances[slot];
            this.inUse[slot] = instance;
            try {
                if (Date.now() - lastReconnect >= this.o.reconnectEveryMs) {
                    lastReconnect = Date.now();
                    await instance.reconnect();
                }
                this.counts.requests++;
                await instance.request();
            } catch (error) {
                this.counts.failed++;
                if (this.isRefusedLogin(error as Error)) this.counts.refusedLogins++;
                if (this.counts.samples.length < 3) this.counts.samples.push((error as Error).message.split("\n")[0]);
            }
            this.inUse[slot] = undefined;
            await new Promise((r) => setTimeout(r, this.o.requestEveryMs));
        }
    }
}
