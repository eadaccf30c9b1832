/**
 * Image references as the OCI distribution grammar defines them (distribution's reference
 * package): `[host[:port]/]path[:tag][@algorithm:hex]`, the name at most 255 characters, and a
 * digest of a registered algorithm carries exactly that algorithm's length of lower-case hex.
 */
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const MAX_NAME_LENGTH = 255;

/** Registered digest algorithms and the hex length of their encoded part (OCI image spec). */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

export interface ImageReference {
    name: string;
    tag?: string;
    digest?: string;
}

export type ParsedReference = { reference: ImageReference } | { problem: string };

export function parseImageReference(text: string): ParsedReference {
    const m = REFERENCE.exec(text);
    if (!m) return { problem: "is not an image reference ([registry/]name[:tag][@sha256:<64 hex digits>])" };
    const [, name, tag, digest] = m;
    if (name.length > MAX_NAME_LENGTH) return { problem: `has a name longer than ${MAX_NAME_LENGTH} characters` };
    if (digest !== undefined) {
        const [algorithm, hex] = digest.split(":");
        const length = DIGEST_HEX_LENGTH[algorithm];
        if (length === undefined) return { problem: `has a digest of algorithm "${algorithm}"; use sha256 or sha512` };
        if (hex.length !== length || !/^[0-9a-f]+$/.test(hex))
            return { problem: `has a ${algorithm} digest that is not ${length} lower-case hex digits` };
    }
    return { reference: { name, tag, digest } };
}
