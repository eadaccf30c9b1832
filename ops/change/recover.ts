import type { CommandContext } from "../commandLine/context";
import { type RecoverReport, recoverStack } from "../stack/recover";
import { recoverChangeLock } from "./changeLock";

/**
 * `mcp-ops recover`, the way back after a change was killed: this checkout's stack file put back from
 * its journal, the change lock in the team store cleared (its holder gone, or `force`: a holder on
 * another machine cannot be judged from here), then the engine's own lock and pending operations.
 */
export async function recoverChange(
    ctx: CommandContext,
    o: { stack: string; force: boolean; message: string; kubeconfig?: string },
): Promise<RecoverReport> {
    const store = await ctx.teamStore(o.stack);
    const changeLocks = await recoverChangeLock(store, ctx.projectDir, o.stack, o.force);
    const result = await recoverStack(await ctx.stack(o.stack, o.kubeconfig), { force: o.force, message: o.message });
    return { ...result, locksRemoved: [...changeLocks, ...result.locksRemoved] };
}
