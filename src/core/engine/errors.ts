/** The engine's errors: one class, a machine-readable code, a message meant for the user. */

/** Machine-readable reason of an {@link EngineError}. */
export type EngineErrorCode =
    /** No model is configured (no model path and no server): the user has to choose one first. */
    | "not-configured"
    /** The model path does not exist. */
    | "model-not-found"
    /** The model path is a folder or something else that is not a regular file. */
    | "model-not-a-file"
    /** The model file cannot be read (permissions, I/O error). */
    | "model-unreadable"
    /** The file is not a GGUF model, or is truncated / corrupt. */
    | "model-invalid"
    /** llama.cpp could not load a GGUF file (unsupported architecture, out of memory...). */
    | "model-load-failed"
    /** The inference context could not be created (usually not enough memory for the context size). */
    | "context-failed"
    /** No usable llama.cpp backend (binaries missing for this platform). */
    | "backend-unavailable"
    /** The prompt does not fit in the context. */
    | "prompt-too-long"
    /** Prompt + thinking budget + solution budget do not fit in the context. */
    | "budget-too-large"
    /** The request is malformed (budget not a whole number, empty problem...). */
    | "invalid-request"
    /** The prompt format asks for something the engine does not implement. */
    | "unsupported-format"
    /** llama.cpp failed while generating. */
    | "generation-failed"
    /** The inference server failed or refused the request (server backend: the message says which and what to do). */
    | "server-failed"
    /** The engine was disposed. */
    | "disposed";

/** An error meant for the user: `message` says what happened and what to do; `code` is for programs. */
export class EngineError extends Error {
    override readonly name = "EngineError";
    constructor(readonly code: EngineErrorCode, message: string, options?: {cause?: unknown}) {
        super(message, options);
    }
}

/** The error "no model is configured", the same words wherever it is raised. */
export function notConfiguredError(): EngineError {
    return new EngineError("not-configured", "No model is configured: choose a GGUF model file (or an inference server) first.");
}

export function errorMessage(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/** Any failure during generation as the engine's error (an EngineError stays as it is). */
export function generationFailure(err: unknown): EngineError {
    return err instanceof EngineError ? err : new EngineError("generation-failed", `Generation failed: ${errorMessage(err)}`, {cause: err});
}
