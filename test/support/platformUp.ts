// Runs the platform's own update (the program mcp-ops runs) on a project, in a process a test can kill mid-update.
import { openStack } from "../../ops/stack/automation";

const [dir, pulumi, message] = process.argv.slice(2);
openStack({ projectDir: dir, stack: "local", pulumi })
    .then((stack) => stack.up(message))
    .catch((error) => {
        console.error(error);
        process.exitCode = 1;
    });
