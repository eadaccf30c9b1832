/** How commands print: results on stdout (JSON with --json), progress and reports on stderr. */
export const print = (json: boolean, value: unknown, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());

/** A line for the person running the command, kept off stdout so results stay parseable. */
export const report = (line: string) => process.stderr.write(`${line}\n`);

/** Progress that rewrites one line, and only on a terminal: logs and pipes get results only. */
export const progress = (text: string) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
};

export const endProgress = () => {
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
};
