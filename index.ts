import { loadStackConfig } from "./platform/program";
import { declarePlatform } from "./platform/declarePlatform";

// Validated config first: nothing is declared unless every mcp: key is valid.
const { config, credentials } = loadStackConfig();

export = declarePlatform(config, credentials);
