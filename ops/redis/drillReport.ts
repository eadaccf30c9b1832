import { OperationFailedError } from "../errors";
import type { DrillReport } from "./restoreDrill";

/** A drill's result as a person reads it. */
export function renderDrill(drill: DrillReport): string {
    const checksum =
        drill.checksumMatches === undefined
            ? "the RDB's own CRC64, checked by loading it (no manifest)"
            : drill.checksumMatches
              ? "matches"
              : "DIFFERS";
    const expected = drill.keyspace.expected ? `expected ${JSON.stringify(drill.keyspace.expected)}, ` : "";
    return [
        `restore drill ${drill.ok ? "passed" : "FAILED"}: ${drill.file}`,
        `  checksum: ${checksum}`,
        `  keys: ${expected}restored ${JSON.stringify(drill.keyspace.restored)}`,
        ...(drill.sample.checked ? [`  sampled values: ${drill.sample.matched}/${drill.sample.checked} match`] : []),
    ].join("\n");
}

/** A failed drill is an operation failure: CI and cron jobs must see a non-zero exit. */
export function assertDrillPassed(drill: DrillReport): void {
    if (drill.ok) return;
    const problems = [
        drill.checksumMatches ? "" : "file checksum differs from the manifest",
        drill.keyspace.matches
            ? ""
            : `key counts differ (expected ${JSON.stringify(drill.keyspace.expected)}, restored ` +
              `${JSON.stringify(drill.keyspace.restored)})`,
        drill.sample.mismatched.length ? `${drill.sample.mismatched.length} of ${drill.sample.checked} sampled keys differ` : "",
    ];
    throw new OperationFailedError(`restore drill failed: ${problems.filter(Boolean).join("; ")}`);
}
