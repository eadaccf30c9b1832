/**
 * Quantities as their receivers parse them: Kubernetes resource quantities as apimachinery's
 * ParseQuantity reads them, Redis sizes as redis-server's memtoull does. The schema accepts a value
 * exactly when its receiver does (test/integration/configReceivers.test.ts checks both against the
 * real servers), and the semantic checks compare the numbers these return.
 */

const BINARY_SI: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SI: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * `<sign><number><suffix>`: a number is digits, digits.digits, digits. or .digits (a lone "." or
 * sign reads as 0, as the API server reads it); the suffix a binary (Ki..Ei) or decimal (n..E) SI
 * unit, or an exponent e<int>/E<int>.
 */
const QUANTITY = /^(?=.)([+-]?)(\d*)(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

/**
 * A Kubernetes quantity's value ("500m" -> 0.5, "1Gi" -> 1073741824, "1e3" -> 1000); undefined when
 * the API server refuses it. Surrounding white space is dropped, as the API server's JSON decoding does.
 */
export function kubeQuantity(text: unknown): number | undefined {
    if (typeof text !== "string") return undefined;
    const m = QUANTITY.exec(text.trim());
    if (!m) return undefined;
    const [, sign, whole, fraction, unit, exponent] = m;
    if (!whole && !fraction && needsDigits(unit, exponent)) return undefined;
    const magnitude = Number(`${whole || "0"}.${fraction || "0"}`);
    if (magnitude === 0) return 0; // "0e400" too, where 0 * 10 ** 400 would be NaN
    const factor = exponent !== undefined ? 10 ** Number(exponent) : (BINARY_SI[unit ?? ""] ?? DECIMAL_SI[unit ?? ""]);
    // The API server keeps nanos and rounds away from zero: no non-zero quantity is smaller than 1n.
    return (sign === "-" ? -1 : 1) * Math.max(magnitude * factor, 1e-9);
}

/**
 * A number without digits ("", ".", "-") reads as 0 only on the API server's fast path. Pi and Ei,
 * and exponents below e-9, take its exact-decimal path instead, which needs at least one digit.
 */
function needsDigits(unit: string | undefined, exponent: string | undefined): boolean {
    return unit === "Pi" || unit === "Ei" || (exponent !== undefined && Number(exponent) < -9);
}

/** CPU in cores: "500m" -> 0.5, "2" -> 2; undefined for what is not a non-negative quantity. */
export function cpuCores(quantity: unknown): number | undefined {
    const value = kubeQuantity(quantity);
    return value !== undefined && value >= 0 ? value : undefined;
}

/** Memory or storage in bytes: "256Mi", "1G", "1000"; undefined for what is not a non-negative quantity. */
export function memoryBytes(quantity: unknown): number | undefined {
    return cpuCores(quantity);
}

const REDIS_UNITS: Record<string, number> = { "": 1, b: 1, k: 1e3, kb: 2 ** 10, m: 1e6, mb: 2 ** 20, g: 1e9, gb: 2 ** 30 };

/**
 * A Redis size in bytes as redis-server reads it (memtoull): digits and a unit in any case, where
 * k/m/g are powers of 1000 and kb/mb/gb powers of 1024 ("768mb", "512m", "1GB", "1024").
 */
export function redisBytes(size: unknown): number | undefined {
    if (typeof size !== "string") return undefined;
    const m = /^(\d*)([a-z]*)$/i.exec(size);
    const factor = m ? REDIS_UNITS[m[2].toLowerCase()] : undefined;
    if (!m || factor === undefined || m[1].length >= 128) return undefined;
    return Number(m[1] || "0") * factor;
}

/** Go duration ("2160h", "720h30m", "90s") in seconds. */
export function durationSeconds(duration: unknown): number | undefined {
    if (typeof duration !== "string") return undefined;
    const m = /^(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
    if (!m) return undefined;
    return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
