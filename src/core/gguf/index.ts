/**
 * The gate every model file passes before node-llama-cpp (and so llama.cpp) sees it: in the engine's load, in the
 * fit check behind Choose Model and when the model list reads a header. A bounded header read
 * ({@link readGgufHeader}) and the checks of what llama.cpp would abort on ({@link validateGgufHeader}); a refusal
 * is a {@link GgufError} whose message names the file and what is wrong with it.
 */
import {stat} from "node:fs/promises";
import {basename} from "node:path";
import {GgufError, modelFileMessage} from "./errors";
import {httpSource, type HttpSourceOptions} from "./httpSource";
import {readGgufHeader, readGgufHeaderFrom, type GgufHeader} from "./reader";
import {validateGgufHeader, type ModelShape} from "./validate";

export {GgufError, modelFileMessage, type GgufErrorKind} from "./errors";
export {GGUF_LIMITS, readGgufHeader, readGgufHeaderFrom, type GgufHeader, type GgufTensorInfo, type ByteSource} from "./reader";
export {validateGgufHeader, MAX_LAYERS, SHAPE_CHECKED_ARCHITECTURES, type ModelShape} from "./validate";

export interface CheckedModel {
    readonly header: GgufHeader;
    readonly shape: ModelShape;
}

/** Verdicts by path, size and modification time: the model list asks for the same files again and again. */
const verdicts = new Map<string, {key: string; result: Promise<CheckedModel>}>();

/** llama.cpp's split naming: "<name>-00001-of-00003.gguf" loads all parts. */
const SPLIT = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

/**
 * Reads and checks the model file at `path`. Resolves with its header and settings; rejects with a
 * {@link GgufError} (a missing or unreadable file too, as kind "unreadable"... see {@link toGgufError}).
 */
export async function checkModelFile(path: string): Promise<CheckedModel> {
    let key: string;
    try {
        const st = await stat(path);
        key = `${st.size}:${st.mtimeMs}:${st.ino}`;
    } catch (err) {
        throw toGgufError(err);
    }
    const known = verdicts.get(path);
    if (known?.key === key) return known.result;
    const result = inspect(path);
    verdicts.set(path, {key, result});
    if (verdicts.size > 64) verdicts.delete(verdicts.keys().next().value!);
    return result;
}

async function inspect(path: string): Promise<CheckedModel> {
    try {
        const header = await readGgufHeader(path);
        const shape = validateGgufHeader(header);
        const split = SPLIT.exec(path);
        if (split != null) {
            const count = Number(split[3]);
            for (let i = 1; i <= count; i++) {
                if (i === Number(split[2])) continue;
                const part = `${split[1]}-${String(i).padStart(5, "0")}-of-${split[3]}.gguf`;
                try {
                    await readGgufHeader(part);
                } catch (err) {
                    const e = toGgufError(err);
                    throw new GgufError(e.kind, `its part ${basename(part)}: ${e.detail}`);
                }
            }
        }
        return {header, shape};
    } catch (err) {
        throw toGgufError(err);
    }
}

/** The same checks for a remote file (http(s) URL), reading its header by HTTP ranges. */
export async function checkRemoteModelFile(url: string, options: HttpSourceOptions = {}): Promise<CheckedModel> {
    const source = await httpSource(url, options);
    try {
        const header = await readGgufHeaderFrom(source);
        return {header, shape: validateGgufHeader(header)};
    } finally {
        await source.close();
    }
}

/** Any failure as a {@link GgufError}: file system errors in words ("the file does not exist"). */
export function toGgufError(err: unknown): GgufError {
    if (err instanceof GgufError) return err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code === "ENOENT" || code === "ENOTDIR") return new GgufError("unreadable", "the file does not exist");
    if (code === "EACCES" || code === "EPERM") return new GgufError("unreadable", "it cannot be read (permission denied)");
    if (code === "EISDIR") return new GgufError("unreadable", "it is a folder, not a file");
    return new GgufError("unreadable", `it cannot be read (${err instanceof Error ? err.message : String(err)})`);
}

/**
 * For the engine: checks the file and turns a refusal into the caller's error type (the engine's EngineError),
 * so this module does not depend on the engine.
 */
export async function assertUsableModelFile(path: string, makeError: (message: string, cause: GgufError) => Error): Promise<CheckedModel> {
    try {
        return await checkModelFile(path);
    } catch (err) {
        const e = toGgufError(err);
        throw makeError(modelFileMessage(basename(path), e), e);
    }
}
