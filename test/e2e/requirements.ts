import { pulumiCliForTests } from "../support/opsProject";
import { languageHostFor } from "./languageHost";
import { stackEnvironment } from "../../ops/stack/environment";
import { installPlugins, missingPlugins, missingPluginsMessage } from "../../ops/stack/plugins";
import { REPO_ROOT } from "../support/platform";

/**
 * Before any end-to-end test: the Pulumi CLI, its Node.js language host and the pinned provider
 * plugins. Missing plugins are installed the normal way; where that fails, the suite refuses to
 * start and names each one.
 */
export default function requirements(): void {
    const pulumi = pulumiCliForTests();
    languageHostFor(pulumi);
    const env = { ...process.env, ...stackEnvironment(REPO_ROOT, "local") };
    const missing = missingPlugins(pulumi, env);
    if (missing.length === 0) return;
    const failed = installPlugins(pulumi, env, missing, (line) => console.log(line));
    if (failed.length > 0) throw new Error(`npm run test:e2e cannot start: ${missingPluginsMessage(pulumi, failed)}`);
}
