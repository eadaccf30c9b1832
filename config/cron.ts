/**
 * Five-field cron schedules exactly as the CronJob controller accepts them (the standard parser of
 * robfig/cron): each field a list of `*`, `?`, values, names, ranges `a-b` and steps `x/n`, every
 * value inside the field's bounds. Returns what is wrong, or undefined for a valid schedule.
 */
const FIELDS = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
    { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
] as const;

type Field = (typeof FIELDS)[number];

function value(field: Field, text: string): number | undefined {
    if (/^\d+$/.test(text)) return Number(text);
    const names: readonly string[] = "names" in field ? field.names : [];
    const index = names.indexOf(text.toLowerCase());
    return index < 0 ? undefined : index + field.min;
}

function fieldProblem(field: Field, text: string): string | undefined {
    for (const part of text.split(",")) {
        const [range, step, extra] = part.split("/");
        if (extra !== undefined || range === "") return `"${part}" is not a ${field.name} value`;
        if (step !== undefined && (!/^\d+$/.test(step) || Number(step) === 0))
            return `step "${step}" in the ${field.name} must be a whole number above 0`;
        if (range === "*" || range === "?") continue;
        const [low, high, more] = range.split("-");
        const from = value(field, low);
        const to = high === undefined ? from : value(field, high);
        if (more !== undefined || from === undefined || to === undefined) return `"${part}" is not a ${field.name} value`;
        if (from < field.min || to > field.max) return `${field.name} "${range}" is outside ${field.min}-${field.max}`;
        if (from > to) return `${field.name} range "${range}" runs backwards`;
    }
    return undefined;
}

export function cronProblem(schedule: string): string | undefined {
    const fields = schedule.trim().split(/\s+/);
    if (fields.length !== 5) return "needs five fields: minute hour day-of-month month day-of-week";
    for (const [i, field] of FIELDS.entries()) {
        const problem = fieldProblem(field, fields[i]);
        if (problem) return problem;
    }
    return undefined;
}
