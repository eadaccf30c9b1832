import { PolicyPack } from "@pulumi/policy";
import { RESOURCE_POLICIES, STACK_POLICIES } from "./policies";

// `pulumi preview --policy-pack policy` runs these against every stack of the project.
new PolicyPack("mcp-platform", { policies: [...RESOURCE_POLICIES, ...STACK_POLICIES] });
