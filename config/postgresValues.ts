/**
 * How PostgreSQL reads a numeric server parameter (guc.c's parse_int and parse_real), so that the
 * schema takes exactly the values the server takes: a C number (`strtol` base 0, so "0x10" and
 * "010" are 16 and 8, falling back to `strtod` for "1.5", "1e3", "inf"), white space around it and
 * before the unit, a unit only where the parameter has one (case-sensitive: "MB", not "mb"), a
 * fraction rounded to the next smaller unit and then to a whole number of the parameter's base unit.
 */

/** A parameter's unit: a memory or a time base unit, in bytes or milliseconds. */
export type BaseUnit = { kind: "memory"; bytes: number } | { kind: "time"; ms: number };

const KB = 1024;
/** Largest to smallest, as PostgreSQL's conversion tables list them. */
const MEMORY_UNITS: ReadonlyArray<[string, number]> = [
    ["TB", KB ** 4],
    ["GB", KB ** 3],
    ["MB", KB ** 2],
    ["kB", KB],
    ["B", 1],
];
const TIME_UNITS: ReadonlyArray<[string, number]> = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["min", 60_000],
    ["s", 1000],
    ["ms", 1],
    ["us", 0.001],
];
const INT_MAX = 2 ** 31 - 1;
/** Units are at most three characters; a longer word is garbage after the number. */
const MAX_UNIT_LENGTH = 3;
const C_SPACE = /^[ \t\n\v\f\r]*/;

/** C's rint in the default rounding mode: halves go to the even neighbour. */
function rint(x: number): number {
    const nearest = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : nearest;
}

/** A number read from the front of a text: its value, what follows it, and whether C would set ERANGE. */
type Scanned = { value: number; rest: string; overflow: boolean } | undefined;

/** C's strtol(text, &end, 0): leading space, sign, "0x" hex, leading-zero octal, else decimal. */
function strtol(text: string): Scanned {
    const m = /^[ \t\n\v\f\r]*([+-]?)(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9]\d*))/.exec(text);
    if (!m) return undefined;
    const [whole, sign, hex, octal, decimal] = m;
    const magnitude = hex !== undefined ? BigInt(`0x${hex}`) : octal !== undefined ? BigInt(`0o${octal.slice(1) || "0"}`) : BigInt(decimal);
    const value = sign === "-" ? -magnitude : magnitude;
    const overflow = value > BigInt(2) ** BigInt(63) - BigInt(1) || value < -(BigInt(2) ** BigInt(63));
    return { value: Number(value), rest: text.slice(whole.length), overflow };
}

const DECIMAL_FLOAT = /^([+-]?)((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;
const HEX_FLOAT = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/;
const SPECIAL_FLOAT = /^([+-]?)(inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)/i;

/** C's strtod(text, &end): decimal and hex floats, "inf" and "nan"; overflow (and underflow) reported as ERANGE does. */
function strtod(text: string): Scanned {
    const body = text.replace(C_SPACE, "");
    const hex = HEX_FLOAT.exec(body);
    if (hex) {
        const [whole, sign, digits, exponent] = hex;
        const [intPart, fracPart = ""] = digits.split(".");
        const mantissa = parseInt(intPart || "0", 16) + (fracPart ? parseInt(fracPart, 16) / 16 ** fracPart.length : 0);
        const value = (sign === "-" ? -1 : 1) * mantissa * 2 ** Number(exponent ?? 0);
        return { value, rest: body.slice(whole.length), overflow: !Number.isFinite(value) || (value === 0 && mantissa !== 0) };
    }
    const special = SPECIAL_FLOAT.exec(body);
    if (special) {
        const value = special[2].toLowerCase().startsWith("inf") ? (special[1] === "-" ? -Infinity : Infinity) : NaN;
        return { value, rest: body.slice(special[0].length), overflow: false };
    }
    const decimal = DECIMAL_FLOAT.exec(body);
    if (!decimal) return undefined;
    const value = Number(decimal[0]);
    const nonZeroDigits = /[1-9]/.test(decimal[2].split(/[eE]/)[0]);
    return { value, rest: body.slice(decimal[0].length), overflow: !Number.isFinite(value) || (value === 0 && nonZeroDigits) };
}

/** The unit word after a number and what follows it: at most three characters, then only space. */
function unitWord(rest: string): string | undefined {
    const word = /^[^ \t\n\v\f\r]*/.exec(rest)![0];
    if (word.length > MAX_UNIT_LENGTH || rest.slice(word.length).replace(C_SPACE, "") !== "") return undefined;
    return word;
}

/** `value` given in `unit` converted to the base unit, a fraction rounded to the next smaller unit. */
function toBaseUnit(value: number, unit: string, base: BaseUnit): number | undefined {
    const table = base.kind === "memory" ? MEMORY_UNITS : TIME_UNITS;
    const baseSize = base.kind === "memory" ? base.bytes : base.ms;
    const index = table.findIndex(([name]) => name === unit);
    if (index < 0) return undefined;
    const converted = (value * table[index][1]) / baseSize;
    const smaller = table[index + 1];
    if (!smaller) return converted;
    const step = smaller[1] / baseSize;
    return rint(converted / step) * step;
}

/**
 * An integer parameter's value in its base unit (pages, kB, MB, ms, s; or plain) as PostgreSQL
 * reads `text`, or undefined where the server says "invalid value".
 */
export function postgresInteger(text: string, unit?: BaseUnit): number | undefined {
    // PostgreSQL retries as a float only where strtol stopped at '.', 'e' or 'E' (where it read
    // nothing, C leaves it at the start of the text), or overflowed.
    const integer = strtol(text);
    const scanned = /^[.eE]/.test(integer?.rest ?? text) || integer?.overflow ? strtod(text) : integer;
    if (!scanned || scanned.overflow || Number.isNaN(scanned.value)) return undefined;
    let value = scanned.value;
    const rest = scanned.rest.replace(C_SPACE, "");
    if (rest !== "") {
        const word = unit && unitWord(rest);
        const converted = unit && word !== undefined ? toBaseUnit(value, word, unit) : undefined;
        if (converted === undefined) return undefined;
        value = converted;
    }
    value = rint(value) + 0; // + 0: "-1us" rounds to -0, which the server stores as 0
    return value > INT_MAX || value < -INT_MAX - 1 ? undefined : value;
}

/** A real (floating-point, unitless) parameter's value as PostgreSQL reads `text`, or undefined. */
export function postgresReal(text: string): number | undefined {
    const scanned = strtod(text);
    if (!scanned || scanned.overflow || Number.isNaN(scanned.value)) return undefined;
    return scanned.rest.replace(C_SPACE, "") === "" ? scanned.value : undefined;
}
