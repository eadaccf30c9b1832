/** Shorter values would mask ordinary words; no generated secret is this short. */
const MIN_SECRET_LENGTH = 6;

/**
 * Masks every occurrence of the given secret values (and their base64 form, which is how a
 * careless log line or an env dump shows them) in text taken from the cluster: logs and events.
 */
export function secretMasker(values: string[]): (text: string) => string {
    const needles = [...new Set(values.filter((v) => v.length >= MIN_SECRET_LENGTH).flatMap((v) => [v, Buffer.from(v).toString("base64")]))]
        // Longest first, so a value that contains another is masked whole.
        .sort((a, b) => b.length - a.length);
    return (text) => needles.reduce((masked, needle) => masked.split(needle).join("[secret]"), text);
}
