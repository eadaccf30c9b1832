import fc from "fast-check";
import { REDIS_POLICIES } from "../../config/fields";

/**
 * Values around the boundaries of each receiver's rule, valid and invalid: the pieces a user
 * writes (units, names, macros) and the near misses (a wrong case, one character too many, a
 * stray sign), joined at random.
 */

const pick = <T>(...values: T[]) => fc.constantFrom(...values);

/** A string of `length` characters drawn from `alphabet`. */
const ofLength = (alphabet: string, length: fc.Arbitrary<number>) =>
    length.chain((n) => fc.array(pick(...alphabet), { minLength: n, maxLength: n }).map((chars) => chars.join("")));

/** Kubernetes object names: mostly label-like, with upper case, dots, underscores and lengths around 63. */
export const kubeNames = fc.oneof(
    ofLength("abcz09-", fc.integer({ min: 1, max: 12 })),
    ofLength("abz0-.A_", fc.integer({ min: 0, max: 8 })),
    fc.tuple(pick("a", "0", "-", "z"), ofLength("a0-", fc.integer({ min: 60, max: 64 })), pick("a", "9", "-")).map((p) => p.join("")),
    pick("default", "kube-system", "kube-public", "mcp-system", "9lives", "a", "-a", "a-", "a..b", "a.b"),
);

const DECIMAL_SUFFIXES = ["", "m", "k", "M", "G", "T", "P", "E", "n", "u"];
const BINARY_SUFFIXES = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
/** Exponents either side of e-9 (the API server's exact-decimal path) and past a double's range, and near misses. */
const EXPONENTS_AND_MISSES = ["e3", "E-2", "e+1", "e-9", "e-10", "e400", "e-400", "e", "K", "i", "mi"];

/** Kubernetes quantities: sign, number, unit or exponent, and the near misses of each. */
export const kubeQuantities = fc.oneof(
    fc
        .tuple(
            pick("", "", "", "+", "-"),
            pick("", "0", "1", "12", "007", "500", "99999999999"),
            pick("", "", ".", ".5", ".25", ".0"),
            pick(...DECIMAL_SUFFIXES, ...BINARY_SUFFIXES, ...EXPONENTS_AND_MISSES),
            pick("", "", "", " ", "b", "B", "x"),
        )
        .map((p) => p.join("")),
    ofLength("0123456789.mMkKGie+-", fc.integer({ min: 0, max: 6 })),
);

/** CronJob schedules: five fields of values, names, ranges and steps, and macros; some with a field too many or too few. */
const cronField = pick(
    "*",
    "?",
    "0",
    "5",
    "59",
    "60",
    "1",
    "23",
    "24",
    "31",
    "32",
    "12",
    "13",
    "6",
    "7",
    "+5",
    "05",
    "jan",
    "JAN",
    "mon",
).chain((value) => pick(value, `${value}/5`, `${value}/0`, `${value}-30`, `1-${value}`, `${value},2`, "foo", "-1", "L"));
export const cronSchedules = fc.oneof(
    { weight: 3, arbitrary: fc.array(cronField, { minLength: 4, maxLength: 6 }).map((fields) => fields.join(" ")) },
    {
        weight: 1,
        arbitrary: pick(
            "@daily",
            "@midnight",
            "@hourly",
            "@weekly",
            "@monthly",
            "@yearly",
            "@annually",
            "@every 5m",
            "@every 1h30m",
            "@every 1.5h",
            "@every .5s",
            "@every 0",
            "@every -1s",
            "@every",
            "@every 5",
            "@every 5 m",
            "@DAILY",
            "@daily ",
            " @daily",
            "@reboot",
            "TZ=UTC 0 * * * *",
            "CRON_TZ=Europe/Paris 0 * * * *",
            "0 * * * *",
            "",
        ),
    },
);

/** Redis sizes: digits with Redis's units in any case, and what Redis does not read (tb, kib, %, signs, spaces). */
export const redisSizes = fc
    .tuple(
        pick("", "", "-", "+", " "),
        pick("", "0", "1", "768", "512", "4096", "99999999999"),
        pick("", "b", "k", "kb", "m", "mb", "g", "gb", "MB", "Gb", "K", "M", "G", "t", "tb", "kib", "%", " mb", "mB", "bb"),
    )
    .map((p) => p.join(""));

export const REDIS_POLICY_VALUES = fc
    .tuple(
        // Redis's own names, each then written as users mistype them; redis-server is the judge.
        pick(...REDIS_POLICIES),
        pick("lower", "upper", "typo", "space"),
    )
    .map(([policy, variant]) =>
        variant === "upper"
            ? policy.toUpperCase()
            : variant === "typo"
              ? policy.replace("-", "_")
              : variant === "space"
                ? ` ${policy}`
                : policy,
    );

/** PostgreSQL names: identifiers with what quoting allows (spaces, quotes, '=', upper case, UTF-8) and lengths around 63 bytes. */
const nameAlphabet = "abzAZ09_- =\"'.é/:";
export const postgresNames = fc.oneof(
    ofLength(nameAlphabet, fc.integer({ min: 0, max: 10 })),
    fc.tuple(ofLength("ab_", fc.integer({ min: 56, max: 64 })), pick("", "é", "ab")).map((p) => p.join("")),
    ofLength("é", fc.integer({ min: 30, max: 33 })),
    pick("postgres", "template0", "template1", "public", "none", "PUBLIC", "pg_monitor", "pg_x", "postgresql://db", "postgres://db", "a=b"),
);

/**
 * PostgreSQL settings as the `-c name=value` argument the server gets: numbers in C's forms
 * (fractions, exponents, hex, octal, out of range), spaces, and units right, wrong-case or foreign;
 * and each setting's own bounds, one step inside and outside.
 */
export function postgresSettingArguments(settings: Record<string, { min: number; max: number }>) {
    const names = Object.keys(settings);
    const written = fc
        .tuple(
            pick("", "", "", "-", "+", " "),
            pick("0", "1", "16", "64", "128", "1024", "30", "1000", "86400", "2147483647", "1.5", "0.5", ".5", "1e3", "010", "08", "0x10"),
            pick("", "", " "),
            pick("", "", "kB", "MB", "GB", "TB", "B", "mb", "KB", "MiB", "M", "ms", "s", "min", "h", "d", "us", "sec", "m", "x"),
            pick("", "", "", " "),
        )
        .map((p) => p.join(""));
    const bound = pick(...names).chain((name) => {
        const { min, max } = settings[name];
        return fc.tuple(fc.constant(name), pick(min - 1, min, max, max + 1).map(String));
    });
    return fc
        .oneof({ weight: 3, arbitrary: fc.tuple(pick(...names), written) }, { weight: 1, arbitrary: bound })
        .map(([name, value]) => `${name}=${value}`);
}
