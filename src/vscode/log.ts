/**
 * The "Elastic Math" log channel (Output view, with levels and timestamps): everything that goes wrong and is not
 * shown to the user is written here with its context, so a user has something to send. Made once at activation and
 * passed to every collaborator through its constructor; **Elastic Math: Show Log** opens it.
 */
import * as vscode from "vscode";
import {describeError, type Logger} from "../core/logger";
import {CommandIds} from "./commandIds";

export type Log = vscode.LogOutputChannel;

export const logChannelName = "Elastic Math";

export function createLog(): Log {
    return vscode.window.createOutputChannel(logChannelName, {log: true});
}

/** The Show Log command. */
export function registerShowLog(log: Log): vscode.Disposable {
    return vscode.commands.registerCommand(CommandIds.showLog, () => log.show(true));
}

/**
 * Logs a failure that is handled here (not shown to the user) with what was being done: `logFailure(log, "reading the
 * catalog file", err)`. The stack goes to the log too (at debug level when the error is an expected one).
 */
export function logFailure(log: Logger, doing: string, err: unknown): void {
    log.warn(`${doing} failed: ${describeError(err)}`);
    if (err instanceof Error && err.stack != null && "debug" in log && typeof log.debug === "function") (log.debug as (m: string) => void)(err.stack);
}

/** A `.catch` handler that logs and yields `fallback` (for promises whose failure has a sensible default). */
export function logged<T>(log: Logger, doing: string, fallback: T): (err: unknown) => T {
    return (err) => {
        logFailure(log, doing, err);
        return fallback;
    };
}
