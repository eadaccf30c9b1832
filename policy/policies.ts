import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { isPinnedImage } from "../config/images";
import { containersOf, podTemplateOf, selects, WORKLOAD_TYPES } from "./workloads";

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const BUCKET = "aws:s3/bucket:Bucket";

/** Pod Security "restricted", container by container, with the field and the fix in each message. */
const podSecurityRestricted: ResourceValidationPolicy = {
    name: "pod-security-restricted",
    description:
        "Workloads meet Pod Security 'restricted': non-root, no privilege escalation, all capabilities dropped, seccomp RuntimeDefault, " +
        "read-only root filesystem, no host namespaces or hostPath.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const pod = podTemplateOf(args.type, args.props);
        if (!pod) return;
        const podContext = pod.spec.securityContext ?? {};
        for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
            if (pod.spec[field]) report(`${args.name}: spec.${field} must be false; the pod would share the node's namespaces`);
        }
        for (const volume of pod.spec.volumes ?? []) {
            if (volume.hostPath) report(`${args.name}: volume "${volume.name}" uses hostPath; use an emptyDir or a PersistentVolumeClaim`);
        }
        for (const c of containersOf(pod.spec)) {
            const sc = c.securityContext ?? {};
            const at = `${args.name}/${c.name}`;
            if (!(sc.runAsNonRoot ?? podContext.runAsNonRoot)) report(`${at}: set securityContext.runAsNonRoot: true`);
            if (sc.allowPrivilegeEscalation !== false) report(`${at}: set securityContext.allowPrivilegeEscalation: false`);
            if (sc.privileged) report(`${at}: securityContext.privileged must not be true`);
            if (!(sc.capabilities?.drop ?? []).includes("ALL"))
                report(`${at}: drop all capabilities (securityContext.capabilities.drop: [ALL])`);
            if ((sc.seccompProfile ?? podContext.seccompProfile)?.type !== "RuntimeDefault")
                report(`${at}: set seccompProfile.type: RuntimeDefault`);
            if (sc.readOnlyRootFilesystem !== true)
                report(`${at}: set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where it writes`);
        }
    },
};

/** A mandatory policy that looks at every container of every workload, with "<resource>/<container>: " in front of each message. */
function everyContainer(
    name: string,
    description: string,
    check: (container: any, report: (message: string) => void) => void,
): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: "mandatory",
        validateResource: (args, report) => {
            const pod = podTemplateOf(args.type, args.props);
            for (const c of pod ? containersOf(pod.spec) : []) check(c, (message) => report(`${args.name}/${c.name}: ${message}`));
        },
    };
}

const resourcesSet = everyContainer("container-resources", "Every container declares CPU and memory requests and limits.", (c, report) => {
    for (const kind of ["requests", "limits"]) {
        for (const resource of ["cpu", "memory"]) {
            if (c.resources?.[kind]?.[resource] === undefined) report(`set resources.${kind}.${resource}`);
        }
    }
});

const probesSet: ResourceValidationPolicy = {
    name: "container-probes",
    description: "Long-running containers have readiness and liveness probes.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== WORKLOAD_TYPES.deployment && args.type !== WORKLOAD_TYPES.statefulSet && args.type !== WORKLOAD_TYPES.daemonSet)
            return;
        for (const c of podTemplateOf(args.type, args.props)?.spec.containers ?? []) {
            if (!c.readinessProbe) report(`${args.name}/${c.name}: add a readinessProbe`);
            if (!c.livenessProbe) report(`${args.name}/${c.name}: add a livenessProbe`);
        }
    },
};

const pinnedImages = everyContainer("pinned-images", "Images are pinned by tag or digest, never latest or untagged.", (c, report) => {
    if (typeof c.image === "string" && !isPinnedImage(c.image)) report(`image "${c.image}" is not pinned; use a version tag or a digest`);
});

const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

const noLiteralSecrets = everyContainer(
    "no-literal-secret-env",
    "Secret-looking environment variables come from a Secret (valueFrom), never a literal value.",
    (c, report) => {
        for (const env of c.env ?? []) {
            if (SECRET_NAME.test(env.name) && typeof env.value === "string" && env.value.length > 0)
                report(`env ${env.name} holds a literal value; use valueFrom.secretKeyRef`);
        }
    },
);

const cronJobsBounded: ResourceValidationPolicy = {
    name: "cronjob-forbid-and-deadlines",
    description: "CronJobs forbid overlapping runs and bound each run with deadlines.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== WORKLOAD_TYPES.cronJob) return;
        const spec = args.props.spec ?? {};
        if (spec.concurrencyPolicy !== "Forbid") report(`${args.name}: set spec.concurrencyPolicy: Forbid`);
        if (spec.startingDeadlineSeconds === undefined) report(`${args.name}: set spec.startingDeadlineSeconds`);
        if (spec.jobTemplate?.spec?.activeDeadlineSeconds === undefined)
            report(`${args.name}: set spec.jobTemplate.spec.activeDeadlineSeconds`);
    },
};

const DATA_ACTION =
    /^(s3:(Get|Put|Delete|List|Restore|Abort)|dynamodb:|kms:(Decrypt|Encrypt|GenerateDataKey)|secretsmanager:GetSecretValue|\*$|s3:\*)/;

const iamScoped: ResourceValidationPolicy = {
    name: "iam-no-wildcard-data-access",
    description: "IAM policies grant data actions on named resources, never on '*'.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== "aws:iam/rolePolicy:RolePolicy" && args.type !== "aws:iam/policy:Policy") return;
        if (typeof args.props.policy !== "string") return;
        const document = JSON.parse(args.props.policy);
        for (const statement of [document.Statement ?? []].flat()) {
            const actions: string[] = [statement.Action ?? []].flat();
            const resources: string[] = [statement.Resource ?? []].flat();
            if (
                statement.Effect === "Allow" &&
                actions.some((a) => DATA_ACTION.test(a)) &&
                resources.some((r) => r === "*" || r === "arn:aws:s3:::*")
            ) {
                report(`${args.name}: statement ${statement.Sid ?? ""} allows ${actions.join(", ")} on "*"; name the bucket or table`);
            }
        }
    },
};

/** Replica ownership: an HPA and a declared replica count would fight on every deployment. */
const hpaOwnsReplicas: StackValidationPolicy = {
    name: "hpa-owns-replicas",
    description: "A Deployment scaled by an HPA declares no spec.replicas.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const targets = new Set(args.resources.filter((r) => r.type === HPA).map((r) => r.props.spec?.scaleTargetRef?.name));
        for (const d of args.resources.filter((r) => r.type === WORKLOAD_TYPES.deployment)) {
            if (targets.has(d.props.metadata?.name) && d.props.spec?.replicas !== undefined) {
                report(`${d.name}: an HPA scales this Deployment; remove spec.replicas`, d.urn);
            }
        }
    },
};

const pdbWhereReplicated: StackValidationPolicy = {
    name: "pdb-where-replicated",
    description: "Every Deployment or StatefulSet that must run more than one replica has a PodDisruptionBudget.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const hpaMin = new Map(
            args.resources.filter((r) => r.type === HPA).map((r) => [r.props.spec?.scaleTargetRef?.name, r.props.spec?.minReplicas ?? 1]),
        );
        const pdbs = args.resources.filter((r) => r.type === PDB);
        for (const w of args.resources.filter((r) => r.type === WORKLOAD_TYPES.deployment || r.type === WORKLOAD_TYPES.statefulSet)) {
            const minimum = hpaMin.get(w.props.metadata?.name) ?? w.props.spec?.replicas ?? 1;
            const labels = w.props.spec?.template?.metadata?.labels ?? {};
            if (minimum > 1 && !pdbs.some((p) => selects(p.props.spec?.selector, labels))) {
                report(
                    `${w.name}: runs ${minimum} replicas but no PodDisruptionBudget selects its pods; add one with maxUnavailable: 1`,
                    w.urn,
                );
            }
        }
    },
};

const networkPolicyCoverage: StackValidationPolicy = {
    name: "network-policy-coverage",
    description: "The namespace denies all traffic by default and every workload is selected by a policy of its own.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const policies = args.resources.filter((r) => r.type === NETWORK_POLICY);
        const workloads = args.resources.filter((r) => podTemplateOf(r.type, r.props));
        if (workloads.length === 0) return;
        const denyAll = policies.some(
            (p) =>
                Object.keys(p.props.spec?.podSelector?.matchLabels ?? {}).length === 0 &&
                !p.props.spec?.podSelector?.matchExpressions &&
                (p.props.spec?.policyTypes ?? []).includes("Ingress") &&
                (p.props.spec?.policyTypes ?? []).includes("Egress") &&
                !p.props.spec?.ingress &&
                !p.props.spec?.egress,
        );
        if (!denyAll) report("no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules) in the stack");
        const specific = policies.filter((p) => Object.keys(p.props.spec?.podSelector?.matchLabels ?? {}).length > 0);
        for (const w of workloads) {
            const labels = podTemplateOf(w.type, w.props)!.labels;
            if (!specific.some((p) => selects(p.props.spec.podSelector, labels)))
                report(`${w.name}: no NetworkPolicy selects its pods; declare which traffic it needs`, w.urn);
        }
    },
};

const bucketsProtected: StackValidationPolicy = {
    name: "s3-buckets-protected",
    description: "S3 buckets are versioned, encrypted and block all public access.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        // A bucket's settings resources name it by id; a new bucket's id is unknown during preview,
        // so siblings under the same component count as attached too.
        const sameComponent = (a: PolicyResource, b: PolicyResource) =>
            a.parent !== undefined && a.parent.type !== "pulumi:pulumi:Stack" && a.parent.urn === b.parent?.urn;
        const attached = (type: string, bucket: PolicyResource, ok: (props: any) => boolean) =>
            args.resources.some(
                (r) =>
                    r.type === type &&
                    ((bucket.props.id !== undefined && r.props.bucket === bucket.props.id) || sameComponent(r, bucket)) &&
                    ok(r.props),
            );
        for (const bucket of args.resources.filter((r) => r.type === BUCKET)) {
            if (!attached("aws:s3/bucketVersioning:BucketVersioning", bucket, (p) => p.versioningConfiguration?.status === "Enabled"))
                report(`${bucket.name}: enable versioning (aws.s3.BucketVersioning)`, bucket.urn);
            if (
                !attached(
                    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    bucket,
                    (p) => (p.rules ?? []).length > 0,
                )
            )
                report(`${bucket.name}: enable default encryption`, bucket.urn);
            if (
                !attached(
                    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                    bucket,
                    (p) => p.blockPublicAcls && p.blockPublicPolicy && p.ignorePublicAcls && p.restrictPublicBuckets,
                )
            ) {
                report(`${bucket.name}: block all public access (aws.s3.BucketPublicAccessBlock with all four flags)`, bucket.urn);
            }
        }
    },
};

/** Judgement calls: reported, never blocking. */
const surgeOnlyRollouts: ResourceValidationPolicy = {
    name: "surge-only-rollouts",
    description: "Deployments roll out with maxUnavailable 0, so capacity never drops during an update.",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        if (args.type !== WORKLOAD_TYPES.deployment) return;
        if (args.props.spec?.strategy?.rollingUpdate?.maxUnavailable !== 0)
            report(`${args.name}: consider strategy.rollingUpdate.maxUnavailable: 0`);
    },
};

const topologySpread: ResourceValidationPolicy = {
    name: "topology-spread",
    description: "Replicated Deployments spread across nodes.",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        if (args.type !== WORKLOAD_TYPES.deployment || (args.props.spec?.replicas ?? 2) < 2) return;
        if (!(args.props.spec?.template?.spec?.topologySpreadConstraints ?? []).length)
            report(`${args.name}: add topologySpreadConstraints so replicas do not share a node`);
    },
};

export const RESOURCE_POLICIES: ResourceValidationPolicy[] = [
    podSecurityRestricted,
    resourcesSet,
    probesSet,
    pinnedImages,
    noLiteralSecrets,
    cronJobsBounded,
    iamScoped,
    surgeOnlyRollouts,
    topologySpread,
];

export const STACK_POLICIES: StackValidationPolicy[] = [hpaOwnsReplicas, pdbWhereReplicated, networkPolicyCoverage, bucketsProtected];
