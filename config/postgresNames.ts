/**
 * Database and role names as PostgreSQL takes them from the platform, which always quotes them
 * (`CREATE DATABASE "…"`, `CREATE ROLE "…"`): any text up to NAMEDATALEN-1 = 63 bytes of UTF-8
 * without NUL. PostgreSQL cuts a longer name to 63 bytes with only a notice, so two long names can
 * silently become one; the schema refuses them instead. Roles also may not take the names the
 * server keeps for itself.
 */
const MAX_NAME_BYTES = 63;

/** Role names PostgreSQL refuses to create ("role name … is reserved"), and the pg_ prefix of its own roles. */
const RESERVED_ROLES = ["public", "none"];

function nameProblem(name: string, maxBytes: number): string | undefined {
    if (name.length === 0) return "must not be empty";
    if (name.includes("\0")) return "must not contain a NUL character";
    const bytes = Buffer.byteLength(name, "utf8");
    if (bytes > maxBytes) return `is ${bytes} bytes long; PostgreSQL keeps only ${MAX_NAME_BYTES}`;
    return undefined;
}

/**
 * What is wrong with a database name, or undefined. Besides PostgreSQL's own rule: client tools
 * read a database name holding "=" (or starting like a URI) as a whole connection string, so the
 * platform's `pg_isready -d` and backups would connect somewhere else.
 */
export function postgresDatabaseProblem(name: string): string | undefined {
    const problem = nameProblem(name, MAX_NAME_BYTES);
    if (problem) return problem;
    if (name === "template0" || name === "template1") return "is one of PostgreSQL's template databases";
    if (name.includes("=") || /^postgres(ql)?:\/\//.test(name))
        return 'contains "=" or starts like a URI, which PostgreSQL client tools read as a connection string';
    return undefined;
}

/**
 * What is wrong with the owner role's name, or undefined. The platform logs in as the owner's two
 * login roles `<owner>_a` and `<owner>_b`, so the owner leaves room for that suffix: cut to 63 bytes,
 * both would be the same role.
 */
export function postgresRoleProblem(name: string): string | undefined {
    const problem = nameProblem(name, MAX_NAME_BYTES - "_a".length);
    if (problem) return problem.replace(`keeps only ${MAX_NAME_BYTES}`, `keeps only ${MAX_NAME_BYTES}, and the login roles add "_a"/"_b"`);
    if (RESERVED_ROLES.includes(name) || name.startsWith("pg_")) return "is a role name PostgreSQL reserves";
    return undefined;
}
