import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { InvalidInputError } from "../errors";
import { checkHealth, type HealthOptions, type HealthReport, type HealthTarget } from "./health";
import { ProbeMetrics } from "./metrics";

export interface ServeOptions extends HealthOptions {
    /** host:port to listen on; port 0 picks a free one. */
    address: string;
    intervalMs: number;
    targets: HealthTarget[];
    /** Stop after this many rounds (tests, one-off runs). Default: until closed. */
    rounds?: number;
    onRound?: (report: HealthReport) => void;
}

export interface Serving {
    /** Base URL of the metrics server, e.g. http://127.0.0.1:9102. */
    url: string;
    /** Resolves when the given number of rounds is done (never, without `rounds`). */
    finished: Promise<void>;
    close(): Promise<void>;
}

/** Splits "host:port" or ":port" (all interfaces). */
function parseAddress(address: string): { host: string; port: number } {
    const m = /^(.*):(\d{1,5})$/.exec(address);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port > 65535)
        throw new InvalidInputError(`--serve "${address}" is not host:port; write it as --serve 0.0.0.0:9102 or --serve :9102`);
    return { host: m[1] || "0.0.0.0", port };
}

/**
 * The checks of `mcp-ops health` on an interval, with their results as Prometheus metrics on
 * /metrics. Rounds never overlap and every check has its own timeout, so a hung server costs one
 * timeout per round and never stalls the others. /healthz answers 200 once a round has completed.
 */
export async function serveHealth(o: ServeOptions): Promise<Serving> {
    const metrics = new ProbeMetrics();
    let completed = 0;
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const server: Server = createServer((req, res) => {
        if (req.url === "/metrics") {
            metrics.registry.metrics().then(
                (text) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text),
                (error: Error) => res.writeHead(500).end(error.message),
            );
        } else if (req.url === "/healthz") {
            res.writeHead(completed > 0 ? 200 : 503).end(completed > 0 ? "ok\n" : "no round completed yet\n");
        } else {
            res.writeHead(404).end("see /metrics\n");
        }
    });
    const { host, port } = parseAddress(o.address);
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, host, resolve));
    const bound = server.address() as AddressInfo;

    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const round = async () => {
        try {
            const report = await checkHealth(o.targets, o);
            metrics.record(report);
            completed++;
            o.onRound?.(report);
        } catch (error) {
            // A round that could not run at all is reported and retried; the metrics keep the last round.
            process.stderr.write(`mcp-ops health: a round of checks failed: ${(error as Error).message}\n`);
        }
        if (o.rounds !== undefined && completed >= o.rounds) finish();
        else if (!closed) timer = setTimeout(round, o.intervalMs);
    };
    void round();

    return {
        url: `http://${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${bound.port}`,
        finished,
        close: async () => {
            closed = true;
            clearTimeout(timer);
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
