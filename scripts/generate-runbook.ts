import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderRunbookBook } from "../runbooks/render";

// Regenerates docs/runbook.md; a test fails when the checked-in file differs.
const target = join(__dirname, "..", "docs", "runbook.md");
writeFileSync(target, renderRunbookBook());
console.log(`wrote ${target}`);
