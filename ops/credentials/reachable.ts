import { connect } from "node:net";
import { UnavailableError } from "../errors";

/** Waits until something accepts TCP connections at host:port: a pod just started may wait seconds for its network policies. */
export async function waitUntilReachable(host: string, port: number, withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    for (;;) {
        const error = await new Promise<Error | undefined>((resolve) => {
            const socket = connect({ host, port, timeout: 3000 });
            socket.once("connect", () => (socket.destroy(), resolve(undefined)));
            socket.once("timeout", () => (socket.destroy(), resolve(new Error("timed out"))));
            socket.once("error", (e) => resolve(e));
        });
        if (!error) return;
        if (Date.now() >= deadline)
            throw new UnavailableError(`${host}:${port} is unreachable after ${Math.round(withinMs / 1000)}s: ${error.message}`);
        await new Promise((r) => setTimeout(r, 1000));
    }
}
