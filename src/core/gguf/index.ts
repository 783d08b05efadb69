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
import {readGgufHeader, readGgufHeaderFrom, type GgufArray, type GgufHeader, type GgufScalar} from "./reader";
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
        return {header: compactHeader(header), shape};
    } catch (err) {
        throw toGgufError(err);
    }
}

/** Arrays longer than this are kept sparse in a checked header (see {@link compactHeader}). */
const keptArrayValues = 1024;

/**
 * `header` as the verdict cache keeps it: an array of more than {@link keptArrayValues} values (a real model's
 * vocabulary, its token types and merges: 150,000 to 450,000 values) keeps its length but only its last entry and the
 * entries that a `tokenizer.ggml.*_token_id` key points at (the prompt format reads the BOS and EOS token texts). The whole arrays
 * are checked before this. Kept whole, a header with Qwen2's 152,064 tokens and 150,000 merges held 13 MB of the extension
 * host's heap, in hundreds of thousands of objects that every full collection marks (31.7 ms for the header of our
 * 1.5B bench model alone), for as long as the cache kept it; compact, under 0.1 MB (test/unit/gguf-cache-heap.test.ts).
 */
function compactHeader(header: GgufHeader): GgufHeader {
    const ids = [...header.kvs].filter(([key, kv]) => /^tokenizer\.ggml\.\w+_token_id$/.test(key) && typeof kv.value === "number").map(([, kv]) => kv.value as number);
    const kvs = new Map(header.kvs);
    for (const [key, kv] of header.kvs) {
        const array = kv.value as GgufArray;
        if (kv.type !== "array" || array.values.length <= keptArrayValues) continue;
        // The last entry first: an empty array given a far index keeps its entries in a dictionary (a few hundred
        // bytes), where setting `length` would allocate a slot for every entry (1.2 MB for 152,064).
        const last = array.values.length - 1;
        const sparse: GgufScalar[] = [];
        sparse[last] = array.values[last]!;
        for (const id of ids) if (id >= 0 && id < last) sparse[id] = array.values[id]!;
        kvs.set(key, {type: kv.type, value: {elementType: array.elementType, values: sparse}});
    }
    return {...header, kvs};
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
