/**
 * CronJob schedules exactly as the API server accepts them (the standard parser of robfig/cron,
 * then the CronJob validation): five fields, each a list of `*`, `?`, values, names, ranges `a-b`
 * and steps `x/n` inside the field's bounds; or a macro (`@daily`, `@every 90m`). Returns what is
 * wrong, or undefined for a valid schedule.
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
    if (/^\+?\d+$/.test(text)) return Number(text);
    const names: readonly string[] = "names" in field ? field.names : [];
    const index = names.indexOf(text.toLowerCase());
    return index < 0 ? undefined : index + field.min;
}

function fieldProblem(field: Field, text: string): string | undefined {
    for (const part of text.split(",")) {
        const [range, step, extra] = part.split("/");
        if (extra !== undefined || range === "") return `"${part}" is not a ${field.name} value`;
        if (step !== undefined && (!/^\+?\d+$/.test(step) || Number(step) === 0))
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

const MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

/** Go's time.ParseDuration: "0", or one or more decimal numbers each with a unit ("1h30m", "1.5h", ".5s"). */
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$/;

function macroProblem(schedule: string): string | undefined {
    if (MACROS.includes(schedule)) return undefined;
    if (schedule.startsWith("@every ")) {
        return GO_DURATION.test(schedule.slice("@every ".length)) ? undefined : `"${schedule}" needs a duration such as "@every 90m"`;
    }
    return `"${schedule}" is not one of ${MACROS.join(", ")} or "@every <duration>"`;
}

export function cronProblem(schedule: string): string | undefined {
    if (schedule.includes("TZ")) return "a time zone (TZ= or CRON_TZ=) cannot be set in the schedule";
    if (schedule.startsWith("@")) return macroProblem(schedule);
    const fields = schedule.trim().split(/\s+/);
    if (fields.length !== 5 || fields[0] === "") return "needs five fields: minute hour day-of-month month day-of-week";
    for (const [i, field] of FIELDS.entries()) {
        const problem = fieldProblem(field, fields[i]);
        if (problem) return problem;
    }
    return undefined;
}
