// Runs one slow update against an ops test project, so a test can kill it mid-update.
import { openStack } from "../../ops/stack/automation";
import { configOnlyProgram } from "./opsProject";

const [dir, pulumi] = process.argv.slice(2);
openStack({ projectDir: dir, stack: "local", pulumi, program: configOnlyProgram(60_000) })
    .then((stack) => stack.up("slow update"))
    .catch((error) => {
        console.error(error);
        process.exitCode = 1;
    });
