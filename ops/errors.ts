/**
 * Errors ops commands throw. Each carries an exit code so the CLI's single entry point can map
 * it; the message says what happened and what to do next.
 */
export class OpsError extends Error {
    constructor(
        message: string,
        readonly exitCode: number,
    ) {
        super(message);
        this.name = new.target.name;
    }
}

export const EXIT = {
    ok: 0,
    /** Health: degraded. */
    degraded: 1,
    /** Health: unhealthy. */
    unhealthy: 2,
    /** Review: high-risk changes or mandatory policy violations; CI requires an approval. */
    needsApproval: 3,
    invalidInput: 64,
    /** The user declined the change, or could not be asked. */
    refused: 65,
    unavailable: 69,
    /** An operation (a stack update included) failed. */
    failed: 70,
    /** The update applied but its rollouts did not verify (and were reverted unless --no-revert). */
    verifyFailed: 71,
    /** Another update holds the stack. */
    locked: 73,
    timeout: 75,
    /** A deploy would undo values an ops change set on the live stack (mcp-ops deploy-check). */
    undoesOpsChange: 76,
} as const;

/** An OpsError class whose exit code is fixed, so each kind of failure is one line. */
function withExitCode(exitCode: number) {
    return class extends OpsError {
        constructor(message: string) {
            super(message, exitCode);
        }
    };
}

export class InvalidInputError extends withExitCode(EXIT.invalidInput) {}
/** A dependency (Redis, an MCP server, the API server) could not be used as asked. */
export class UnavailableError extends withExitCode(EXIT.unavailable) {}
export class OperationFailedError extends withExitCode(EXIT.failed) {}
export class OpsTimeoutError extends withExitCode(EXIT.timeout) {}
/** The user declined, or could not be asked; nothing was changed. */
export class ConfirmationRefusedError extends withExitCode(EXIT.refused) {}
/** The stack update itself failed. */
export class UpdateFailedError extends withExitCode(EXIT.failed) {}
/** The update applied but its rollouts did not verify. */
export class VerificationFailedError extends withExitCode(EXIT.verifyFailed) {}
