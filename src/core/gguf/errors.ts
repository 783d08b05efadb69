/**
 * What is wrong with a model file, in the user's words. `kind` is for programs and tests:
 * - "unreadable": missing, a folder, no permission, or a read error;
 * - "not-gguf": not a GGUF file at all;
 * - "unsupported": a GGUF version llama.cpp does not read;
 * - "truncated": the file ends before its header or its tensors do;
 * - "too-large": a count or length beyond every limit (a corrupt or crafted header);
 * - "invalid": the header's structure is wrong (types, dimensions, offsets, duplicates);
 * - "hyperparameter": a model setting llama.cpp would abort on or cannot use (0 heads, 0 layers, ...);
 * - "tensor-shape": a tensor's shape contradicts the model's settings.
 */
export type GgufErrorKind = "unreadable" | "not-gguf" | "unsupported" | "truncated" | "too-large" | "invalid" | "hyperparameter" | "tensor-shape";

export class GgufError extends Error {
    override readonly name = "GgufError";
    /** `detail` completes "The model file ... cannot be used: ". */
    constructor(readonly kind: GgufErrorKind, readonly detail: string) {
        super(detail);
    }
}

/** The one message for a refused file: names the file and what is wrong with it. */
export function modelFileMessage(fileName: string, err: GgufError): string {
    const advice = err.kind === "truncated" ? " Download or copy it again."
        : err.kind === "hyperparameter" || err.kind === "tensor-shape" || err.kind === "too-large" || err.kind === "invalid"
            ? " The file is damaged or was not made for llama.cpp (llama.cpp would abort the whole process on such a file, so it is not loaded)."
            : "";
    return `The model file ${fileName} cannot be used: ${err.detail}.${advice}`;
}
