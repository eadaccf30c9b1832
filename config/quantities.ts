/** Parsing of the Kubernetes and Redis quantities the config compares against each other. */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** CPU in cores: "500m" -> 0.5, "2" -> 2. Returns undefined for anything unparseable. */
export function cpuCores(quantity: unknown): number | undefined {
    if (typeof quantity !== "string") return undefined;
    const milli = /^([0-9]+)m$/.exec(quantity);
    if (milli) return Number(milli[1]) / 1000;
    return /^[0-9]+(\.[0-9]+)?$/.test(quantity) ? Number(quantity) : undefined;
}

/** Memory in bytes: "256Mi", "1G", "1000". Returns undefined for anything unparseable. */
export function memoryBytes(quantity: unknown): number | undefined {
    if (typeof quantity !== "string") return undefined;
    const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
    if (!m) return undefined;
    const unit = m[2];
    const factor = unit === undefined ? 1 : (BINARY[unit] ?? DECIMAL[unit]);
    return Number(m[1]) * factor;
}

/** Redis size ("768mb", "1gb", "1024"): Redis reads kb/mb/gb as binary multiples. */
export function redisBytes(size: unknown): number | undefined {
    if (typeof size !== "string") return undefined;
    const m = /^([0-9]+)(kb|mb|gb)?$/i.exec(size);
    if (!m) return undefined;
    const unit = (m[2] ?? "").toLowerCase();
    const factor = unit === "kb" ? 2 ** 10 : unit === "mb" ? 2 ** 20 : unit === "gb" ? 2 ** 30 : 1;
    return Number(m[1]) * factor;
}

/** Go duration ("2160h", "720h30m", "90s") in seconds. */
export function durationSeconds(duration: unknown): number | undefined {
    if (typeof duration !== "string") return undefined;
    const m = /^(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
    if (!m) return undefined;
    return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
