/** Checks of a model file before llama.cpp sees it: clear errors for the common mistakes. */
import {open, stat} from "node:fs/promises";
import {EngineError, errorMessage, notConfiguredError} from "./errors";

/** Clear errors for the common mistakes, before llama.cpp sees the file. */
export async function checkModelFile(path: string): Promise<void> {
    if (typeof path !== "string" || path === "") throw notConfiguredError();
    let st;
    try {
        st = await stat(path);
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") throw new EngineError("model-not-found", `Model file not found: ${path}`, {cause: err});
        throw new EngineError("model-unreadable", `Cannot access the model file ${path}: ${errorMessage(err)}`, {cause: err});
    }
    if (!st.isFile()) throw new EngineError("model-not-a-file", `The model path is not a file: ${path}${st.isDirectory() ? " (it is a folder)" : ""}`);
    let magic: Buffer;
    try {
        const fh = await open(path, "r");
        try {
            magic = Buffer.alloc(4);
            const {bytesRead} = await fh.read(magic, 0, 4, 0);
            magic = magic.subarray(0, bytesRead);
        } finally {
            await fh.close();
        }
    } catch (err) {
        throw new EngineError("model-unreadable", `Cannot read the model file ${path}: ${errorMessage(err)}`, {cause: err});
    }
    if (st.size === 0) throw new EngineError("model-invalid", `The model file is empty: ${path}`);
    if (magic.toString("latin1") !== "GGUF")
        throw new EngineError("model-invalid", `Not a GGUF model file: ${path}. Elastic Math runs GGUF models (llama.cpp's format); convert or download a .gguf file.`);
}
