/**
 * One error surface for the VS Code layer: an error becomes one notification (its message, which core writes for
 * the user) whose buttons are the fixes that suit the error's code, and the whole error (code, cause, stack) goes
 * to the log. The fixes are chosen from the code only: a server failure never offers "Use a GGUF File...", a
 * missing model offers a model, an over-long prompt offers a budget or a larger context.
 */
import * as vscode from "vscode";
import {describeError} from "../core/logger";
import {CommandIds} from "./commandIds";
import {errorText} from "./l10n";
import {logFailure, type Log} from "./log";

/** A button of the error notification. */
export interface ErrorFix {
    readonly label: string;
    /** A command and its arguments. */
    readonly command: string;
    readonly args?: readonly unknown[];
}

// Functions, not constants: a label is translated when it is shown (the display language is known by then).
const openSettings = (label: string, query: string): ErrorFix => ({label, command: "workbench.action.openSettings", args: [query]});
const chooseModel = (): ErrorFix => ({label: vscode.l10n.t("Choose Model..."), command: CommandIds.chooseModel});
const useFile = (): ErrorFix => ({label: vscode.l10n.t("Use a GGUF File..."), command: CommandIds.useModelFile});
const showLog = (): ErrorFix => ({label: vscode.l10n.t("Show Log"), command: CommandIds.showLog});
const testServer = (): ErrorFix => ({label: vscode.l10n.t("Test Server Connection"), command: CommandIds.testServerConnection});
const chooseBudget = (): ErrorFix => ({label: vscode.l10n.t("Choose Budget..."), command: CommandIds.chooseBudget});

/** An error as the user reads it: "Elastic Math: " and its message (errorText: in the display language). */
export function userMessage(err: unknown): string {
    return vscode.l10n.t("Elastic Math: {0}", errorText(errorCode(err), err instanceof Error ? err.message : String(err)));
}

/**
 * The fixes for an error code (EngineError's codes in src/core/engine, DownloadError's in src/core/download.ts,
 * "not-configured"); an unknown or missing code gets the log only.
 */
export function fixesFor(code: string | undefined): readonly ErrorFix[] {
    switch (code) {
        case "not-configured":
            return [chooseModel(), openSettings(vscode.l10n.t("Open Settings"), "elasticMath.model.path")];
        case "model-not-found":
        case "model-not-a-file":
        case "model-unreadable":
        case "model-invalid":
            return [chooseModel(), useFile()];
        case "model-load-failed":
        case "context-failed":
            return [chooseModel(), openSettings(vscode.l10n.t("Context Size Setting"), "elasticMath.engine.contextSize"), showLog()];
        case "backend-unavailable":
            return [openSettings(vscode.l10n.t("GPU Setting"), "elasticMath.engine.gpu"), showLog()];
        case "prompt-too-long":
        case "budget-too-large":
            return [chooseBudget(), openSettings(vscode.l10n.t("Context Size Setting"), "elasticMath.engine.contextSize")];
        case "server-failed":
            return [testServer(), openSettings(vscode.l10n.t("Server Settings"), "elasticMath.server"), showLog()];
        case "offline":
        case "not-found":
        case "http-error":
        case "size-mismatch":
        case "checksum-mismatch":
        case "failed":
            return [chooseModel(), useFile(), showLog()];
        case "cancelled":
            return [];
        default:
            return [showLog()];
    }
}

/** The code of an EngineError, a DownloadError or any error with a string `code` (not Node's errno codes: ENOENT...). */
export function errorCode(err: unknown): string | undefined {
    if (err == null || typeof err !== "object") return undefined;
    const code = (err as {code?: unknown}).code;
    return typeof code === "string" && !/^E[A-Z0-9_]+$/.test(code) ? code : undefined;
}

export interface ShownError {
    readonly message: string;
    readonly code: string | undefined;
    readonly fixes: readonly string[];
    /** The button the user pressed (its fix already run), or undefined when dismissed. */
    readonly choice: Thenable<string | undefined>;
}

/** Shows errors to the user (made once at activation with the log, and passed to whoever shows errors). */
export class ErrorSurface {
    public constructor(private readonly log: Log) {}

    /**
     * Logs `err` with what was being done, then shows its message with the fixes for its code. Never throws; the
     * returned choice settles when the user presses a button or dismisses the notification (nobody has to wait).
     */
    public show(err: unknown, doing: string): ShownError {
        const code = errorCode(err);
        this.log.error(`${doing}: ${code != null ? `[${code}] ` : ""}${describeError(err)}`);
        if (err instanceof Error && err.stack != null) this.log.debug(err.stack);
        const message = err instanceof Error ? err.message : String(err);
        const fixes = fixesFor(code);
        const choice = vscode.window.showErrorMessage(userMessage(err), ...fixes.map((f) => f.label)).then(async (label) => {
            const fix = fixes.find((f) => f.label === label);
            if (fix != null) {
                try { await vscode.commands.executeCommand(fix.command, ...(fix.args ?? [])); } catch (e) { logFailure(this.log, `running "${fix.label}"`, e); }
            }
            return label;
        });
        return {message, code, fixes: fixes.map((f) => f.label), choice};
    }
}
