/**
 * Where core and render code report what they cannot hand back to their caller (a cleanup that failed, a cache
 * file that could not be read): an optional `log` option of the functions and classes that have such places.
 * The VS Code layer passes its "Elastic Math" log channel (which has these methods); the CLI and the tests may pass
 * `console`. Left out, nothing is reported (the caller chose not to listen), never thrown.
 */
export interface Logger {
    info(message: string, ...args: unknown[]): void;
    warn(message: string, ...args: unknown[]): void;
    error(message: string | Error, ...args: unknown[]): void;
}

/** "message (cause: ...)" for an unknown thrown value, for a log line. */
export function describeError(err: unknown): string {
    if (err instanceof Error) {
        const cause = err.cause != null ? ` (cause: ${describeError(err.cause)})` : "";
        return `${err.name !== "Error" ? `${err.name}: ` : ""}${err.message}${cause}`;
    }
    return String(err);
}
