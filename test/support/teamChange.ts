// Runs one slow ops change (scale router) in a checkout of a team project, so a test can kill it mid-update.
import { CommandContext } from "../../ops/commandLine/context";
import { applyChange } from "../../ops/change/pipeline";
import { planScaleReplicas } from "../../ops/commands/scale";
import { openStack } from "../../ops/stack/automation";
import { configOnlyProgram } from "./opsProject";

const [dir, pulumi, stack, replicas] = process.argv.slice(2);
const ctx = new CommandContext(dir, () => openStack({ projectDir: dir, stack, pulumi, program: configOnlyProgram(60_000) }));
const flags = { stack, reason: "killed on purpose", yes: true, preview: false, revert: true, wait: false, git: false, verifyTimeout: 5 };
applyChange(ctx, flags, (current) => planScaleReplicas(current, "router", Number(replicas))).catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
