import { z } from "zod";

/** A DNS subdomain prefix and "/", then a name of at most 63 characters: a label key as Kubernetes checks it. */
const DNS_SUBDOMAIN = "(?=[^/]{1,253}/)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*";
const LABEL_NAME = "[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
const LABEL_KEY = new RegExp(`^(?:${DNS_SUBDOMAIN}/)?${LABEL_NAME}$`);

const labelKey = z.string().regex(LABEL_KEY, { error: 'must be a label key such as "node-pool" or "example.com/pool"' });

const labelValue = z.string().regex(/^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, {
    error: "must be a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
});

/** A toleration with the rules the API server applies to one. */
const toleration = z
    .strictObject({
        /** The taint's key; empty with operator "Exists" tolerates every taint. */
        key: labelKey.optional(),
        /** Default "Equal". */
        operator: z.enum(["Equal", "Exists"]).default("Equal"),
        value: labelValue.optional(),
        /** Unset tolerates every effect. */
        effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
        /** With effect "NoExecute": how long the pod stays once tainted. */
        tolerationSeconds: z.int().min(0).optional(),
    })
    .superRefine((t, ctx) => {
        if (t.operator === "Exists" && t.value)
            ctx.addIssue({ code: "custom", path: ["value"], message: 'must be empty when operator is "Exists"; remove it' });
        if (t.key === undefined && t.operator !== "Exists")
            ctx.addIssue({
                code: "custom",
                path: ["operator"],
                message: 'must be "Exists" when key is empty (that tolerates every taint)',
            });
        if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute")
            ctx.addIssue({
                code: "custom",
                path: ["tolerationSeconds"],
                message: 'applies only with effect "NoExecute"; remove it or set that effect',
            });
    });

/**
 * Where a workload's pods may run: nodes with these labels (e.g. a dedicated node pool), and taints
 * they tolerate. Unset: anywhere the scheduler likes.
 */
export const placementSchema = z.strictObject({
    nodeSelector: z
        .record(z.string(), labelValue)
        .superRefine((selector, ctx) => {
            for (const key of Object.keys(selector)) {
                if (!LABEL_KEY.test(key))
                    ctx.addIssue({
                        code: "custom",
                        path: [key],
                        message: 'is not a label key; use one such as "node-pool" or "example.com/pool"',
                    });
            }
        })
        .default({}),
    tolerations: z.array(toleration).default([]),
});

export type Placement = z.infer<typeof placementSchema>;
