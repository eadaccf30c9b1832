import { parseArgs } from "node:util";
import { buildImages, defaultOptions } from "./build";
import { IMAGES, imageByName } from "./catalog";

const USAGE = `Usage: npm run images -- [name...] [--out <dir>] [--fresh]
       npm run images -- --ref <name>

Builds the images as OCI archives (<out>/<name>.oci.tar), each with an SPDX SBOM (<name>.spdx.json),
and lists them in <out>/images.json. Default: all images, into .local/images.
  --fresh        make the Debian root filesystems and npm packages anew (cached by the package versions
                 the mirror has now, and by the lock files)
  --ref <name>   print the image's reference and exit

Images: ${IMAGES.map((i) => i.name).join(", ")}`;

async function main(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { out: { type: "string" }, fresh: { type: "boolean" }, ref: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
    if (values.help) {
        console.log(USAGE);
        return 0;
    }
    if (values.ref) {
        console.log(imageByName(values.ref).ref);
        return 0;
    }
    positionals.forEach(imageByName);
    const defaults = defaultOptions();
    const built = await buildImages({
        ...defaults,
        names: positionals,
        outDir: values.out ?? defaults.outDir,
        fresh: values.fresh ?? false,
    });
    for (const image of built) {
        console.log(`${image.ref.padEnd(56)} ${image.digest}  ${(image.archiveBytes / 1e6).toFixed(1).padStart(6)} MB  ${image.archive}`);
    }
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: Error) => {
        console.error(`images: ${error.message}`);
        process.exitCode = 1;
    },
);
