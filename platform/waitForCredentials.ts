import type * as pulumi from "@pulumi/pulumi";

/** Workloads whose pods read a store's password when they start. */
const STARTS_PODS = new Set(["kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:CronJob", "kubernetes:apps/v1:StatefulSet"]);

/**
 * Makes every workload of a component wait for the stores' credentials Jobs: a rotation's new
 * password reaches no pod before the store accepts it. Only workloads wait, so a first deploy
 * still creates Services, ConfigMaps and policies while the stores start.
 */
export function waitForCredentials(jobs: pulumi.Resource[]): pulumi.ResourceTransformation {
    return (args) => {
        if (jobs.length === 0 || !STARTS_PODS.has(args.type)) return undefined;
        const declared = args.opts.dependsOn;
        const dependsOn = declared === undefined ? jobs : ([] as pulumi.Input<pulumi.Resource>[]).concat(declared as never, jobs);
        return { props: args.props, opts: { ...args.opts, dependsOn } };
    };
}
