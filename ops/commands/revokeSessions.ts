import { connectRedis, RedisTarget } from "../redis/connect";
import { assertNarrowPattern, revokeSessions, SweepProgress, SweepResult } from "../redis/sweep";

export interface RevokeSessionsOptions extends RedisTarget {
    pattern: string;
    preview: boolean;
    count: number;
    timeoutMs: number;
    onProgress?: (p: SweepProgress) => void;
}

/** `mcp-ops redis revoke-sessions`. */
export async function revokeSessionsCommand(options: RevokeSessionsOptions): Promise<SweepResult> {
    assertNarrowPattern(options.pattern);
    const redis = await connectRedis(options);
    try {
        return await revokeSessions(redis, options);
    } finally {
        redis.disconnect();
    }
}
