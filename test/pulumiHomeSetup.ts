import { privatePulumiHome, userPulumiHome } from "./support/pulumiHome";

/** Every test process runs the Pulumi CLI with a home of this run's own (test/support/pulumiHome.ts). */
export default function setup(): () => void {
    const original = process.env.PULUMI_HOME;
    const user = userPulumiHome();
    const { home, remove } = privatePulumiHome(user);
    // Tests that check what the run leaves on the host look at the user's home.
    process.env.MCP_TEST_USER_PULUMI_HOME = user;
    process.env.PULUMI_HOME = home;
    return () => {
        remove();
        if (original === undefined) delete process.env.PULUMI_HOME;
        else process.env.PULUMI_HOME = original;
        delete process.env.MCP_TEST_USER_PULUMI_HOME;
    };
}
