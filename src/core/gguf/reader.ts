/**
 * A bounded GGUF header reader: reads the metadata and the tensor infos of a GGUF file (never the weights), with a
 * hard limit on every count and length and on the bytes read in all, so that no file, however it was made, can make
 * it loop, allocate without end or read past the header. Every refusal is a {@link GgufError} whose message says
 * what is wrong with the file in the user's words.
 *
 * Format (ggml/docs/gguf.md, ggml/src/gguf.cpp): "GGUF", u32 version (2 or 3; 1 is refused by llama.cpp too),
 * u64 tensor count, u64 KV count; KVs as (string key, u32 type, value), arrays as (u32 element type, u64 count,
 * elements); tensor infos as (string name, u32 n_dims <= 4, u64 dims innermost first, u32 ggml type, u64 offset
 * relative to the data section); the data section starts at the next multiple of general.alignment (default 32).
 * Little endian throughout.
 */
import {open} from "node:fs/promises";
import {GgufError} from "./errors";
import {GGML_TYPES} from "./ggmlTypes";

/** The limits; every one is far above what a real model uses (see docs/hostile-input.md). */
export const GGUF_LIMITS = {
    /** Bytes of header (metadata + tensor infos) read in all. Real models: 1–12 MB (the vocabulary). */
    maxHeaderBytes: 64 * 1024 * 1024,
    /** Tensor infos. A 405B model has about 1,100; MoE models with split experts a few thousand. */
    maxTensors: 65_536,
    /** Metadata keys. Real models: 20–60. */
    maxKvs: 16_384,
    /** A key or a tensor name. */
    maxNameBytes: 65_535,
    /** A string value (a chat template is a few KB; the largest seen are under 100 KB). */
    maxStringBytes: 16 * 1024 * 1024,
    /** Elements of an array (the largest vocabularies have about 260,000 tokens; merges about 450,000). */
    maxArrayLength: 4_000_000,
    /** Array elements over all arrays (bounds the memory the values take: real models have under a million). */
    maxTotalArrayElements: 8_000_000,
    /** ggml tensors have at most 4 dimensions (GGML_MAX_DIMS). */
    maxDims: 4
} as const;

export const GGUF_VALUE_TYPES = ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"] as const;
export type GgufValueTypeName = typeof GGUF_VALUE_TYPES[number];

export type GgufScalar = number | bigint | boolean | string;
export interface GgufArray {
    readonly elementType: GgufValueTypeName;
    readonly values: readonly GgufScalar[];
}
export interface GgufKv {
    readonly type: GgufValueTypeName;
    readonly value: GgufScalar | GgufArray;
}

export interface GgufTensorInfo {
    readonly name: string;
    /** Innermost first (ggml order). Each is a safe integer (checked). */
    readonly dims: readonly number[];
    readonly type: number;
    /** Relative to the data section. */
    readonly offset: number;
    /** Bytes of data this tensor takes. */
    readonly bytes: number;
}

export interface GgufHeader {
    readonly version: number;
    readonly kvs: ReadonlyMap<string, GgufKv>;
    readonly tensors: readonly GgufTensorInfo[];
    readonly alignment: number;
    /** Where the data section starts (absolute). */
    readonly dataOffset: number;
    readonly fileSize: number;
}

/** Where the header's bytes come from: a file, or a remote file read by HTTP ranges. */
export interface ByteSource {
    readonly size: number;
    /** Up to `length` bytes at `position` (fewer only at the end). */
    read(position: number, length: number): Promise<Buffer>;
    close(): Promise<void>;
}

/** A file on disk as a {@link ByteSource}. */
export async function fileSource(path: string): Promise<ByteSource> {
    const fh = await open(path, "r");
    const size = (await fh.stat()).size;
    return {
        size,
        async read(position, length) {
            const buf = Buffer.allocUnsafe(length);
            let got = 0;
            while (got < length) {
                const {bytesRead} = await fh.read(buf, got, length - got, position + got);
                if (bytesRead === 0) break;
                got += bytesRead;
            }
            return buf.subarray(0, got);
        },
        close: () => fh.close()
    };
}

/** Reads ahead in windows so a header of 10 MB costs a few reads, not one per field. */
class Cursor {
    private window: Buffer = Buffer.alloc(0);
    private windowStart = 0;
    pos = 0;
    readonly size: number;
    constructor(private readonly source: ByteSource, private readonly limit: number) { this.size = source.size; }

    async take(n: number, what: () => string): Promise<Buffer> {
        if (n > this.size - this.pos)
            throw new GgufError("truncated", `the file ends inside its header (at byte ${this.pos.toLocaleString("en-US")}, reading ${what()}): it is truncated or not a complete GGUF file`);
        if (this.pos + n > this.limit)
            throw new GgufError("too-large", `its header is larger than ${formatMiB(this.limit)} (reading ${what()} at byte ${this.pos.toLocaleString("en-US")}); real models' headers are a few MB`);
        const rel = this.pos - this.windowStart;
        if (rel < 0 || rel + n > this.window.length) {
            const want = Math.min(Math.max(n, 1 << 20), this.size - this.pos, this.limit - this.pos);
            const buf = await this.source.read(this.pos, want);
            const got = buf.length;
            if (got < n) throw new GgufError("truncated", `the file ends inside its header (at byte ${(this.pos + got).toLocaleString("en-US")}, reading ${what()})`);
            this.window = buf;
            this.windowStart = this.pos;
        }
        const start = this.pos - this.windowStart;
        this.pos += n;
        return this.window.subarray(start, start + n);
    }
    /**
     * A scalar read without a promise when the window already holds it (the fast path for the vocabulary's hundreds
     * of thousands of elements); undefined (nothing consumed) when the window must be refilled or a limit decides.
     */
    scalarSync(type: GgufValueTypeName, maxString: number): GgufScalar | undefined {
        const w = this.window;
        const rel = this.pos - this.windowStart;
        if (rel < 0) return undefined;
        if (type === "string") {
            if (rel + 8 > w.length) return undefined;
            const n = w.readBigUInt64LE(rel);
            if (n > BigInt(maxString) || rel + 8 + Number(n) > w.length || this.pos + 8 + Number(n) > this.limit) return undefined;
            this.pos += 8 + Number(n);
            return w.toString("utf8", rel + 8, rel + 8 + Number(n));
        }
        const size = SCALAR_BYTES[type]!;
        if (rel + size > w.length || this.pos + size > this.limit) return undefined;
        this.pos += size;
        switch (type) {
            case "u8": return w.readUInt8(rel);
            case "i8": return w.readInt8(rel);
            case "u16": return w.readUInt16LE(rel);
            case "i16": return w.readInt16LE(rel);
            case "u32": return w.readUInt32LE(rel);
            case "i32": return w.readInt32LE(rel);
            case "f32": return w.readFloatLE(rel);
            case "bool": return w.readUInt8(rel) !== 0;
            case "u64": return w.readBigUInt64LE(rel);
            case "i64": return w.readBigInt64LE(rel);
            default: return w.readDoubleLE(rel);
        }
    }
    async u32(what: () => string): Promise<number> { return (await this.take(4, what)).readUInt32LE(0); }
    async u64(what: () => string): Promise<bigint> { return (await this.take(8, what)).readBigUInt64LE(0); }
}

function formatMiB(n: number): string {
    return `${Math.round(n / (1024 * 1024))} MiB`;
}

/** A u64 count or length checked against its limit before anything is allocated or looped over. */
function bounded(value: bigint, max: number, what: string): number {
    if (value > BigInt(max))
        throw new GgufError("too-large", `${what} is ${value.toLocaleString("en-US")}, more than the ${max.toLocaleString("en-US")} any real model has`);
    return Number(value);
}

async function readString(c: Cursor, max: number, what: () => string): Promise<string> {
    const n = bounded(await c.u64(() => `the length of ${what()}`), max, `the length of ${what()}`);
    return (await c.take(n, what)).toString("utf8");
}

const SCALAR_BYTES: Partial<Record<GgufValueTypeName, number>> = {u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8};

async function readScalar(c: Cursor, type: GgufValueTypeName, what: () => string): Promise<GgufScalar> {
    if (type === "string") return readString(c, GGUF_LIMITS.maxStringBytes, what);
    const b = await c.take(SCALAR_BYTES[type]!, what);
    switch (type) {
        case "u8": return b.readUInt8(0);
        case "i8": return b.readInt8(0);
        case "u16": return b.readUInt16LE(0);
        case "i16": return b.readInt16LE(0);
        case "u32": return b.readUInt32LE(0);
        case "i32": return b.readInt32LE(0);
        case "f32": return b.readFloatLE(0);
        case "bool": return b.readUInt8(0) !== 0;
        case "u64": return b.readBigUInt64LE(0);
        case "i64": return b.readBigInt64LE(0);
        default: return b.readDoubleLE(0);
    }
}

function valueType(code: number, where: string): GgufValueTypeName {
    const t = GGUF_VALUE_TYPES[code];
    if (t == null) throw new GgufError("invalid", `${where} has value type ${code}, which GGUF does not define`);
    return t;
}

/** Reads and checks the header of the GGUF file at `path`. Throws {@link GgufError} (or a file system error). */
export async function readGgufHeader(path: string, limits: Partial<typeof GGUF_LIMITS> = {}): Promise<GgufHeader> {
    const source = await fileSource(path);
    try {
        return await readGgufHeaderFrom(source, limits);
    } finally {
        await source.close();
    }
}

/** {@link readGgufHeader} from any {@link ByteSource} (the caller closes it). */
export async function readGgufHeaderFrom(source: ByteSource, limits: Partial<typeof GGUF_LIMITS> = {}): Promise<GgufHeader> {
    const L = {...GGUF_LIMITS, ...limits};
    {
        const size = source.size;
        const c = new Cursor(source, L.maxHeaderBytes);
        if (size < 4 || (await c.take(4, () => "the magic")).toString("latin1") !== "GGUF")
            throw new GgufError("not-gguf", "it is not a GGUF file (it does not start with \"GGUF\")");
        const version = await c.u32(() => "the version");
        if (version === 1) throw new GgufError("unsupported", "it is a GGUF version 1 file, which llama.cpp no longer reads; convert it again");
        if (version !== 2 && version !== 3) throw new GgufError("unsupported", `it says GGUF version ${version}; llama.cpp reads versions 2 and 3`);
        const nTensors = bounded(await c.u64(() => "the tensor count"), L.maxTensors, "its tensor count");
        const nKv = bounded(await c.u64(() => "the metadata count"), L.maxKvs, "its metadata key count");
        const kvs = new Map<string, GgufKv>();
        let totalElements = 0;
        for (let i = 0; i < nKv; i++) {
            const key = await readString(c, L.maxNameBytes, () => `the name of metadata key ${i + 1} of ${nKv}`);
            if (key === "") throw new GgufError("invalid", `metadata key ${i + 1} has an empty name`);
            if (kvs.has(key)) throw new GgufError("invalid", `the metadata key "${key}" appears twice`);
            const type = valueType(await c.u32(() => `the type of "${key}"`), `"${key}"`);
            if (type !== "array") {
                kvs.set(key, {type, value: await readScalar(c, type, () => `the value of "${key}"`)});
                continue;
            }
            const elementType = valueType(await c.u32(() => `the element type of "${key}"`), `an element of "${key}"`);
            if (elementType === "array") throw new GgufError("invalid", `"${key}" is an array of arrays, which llama.cpp does not read`);
            const n = bounded(await c.u64(() => `the length of "${key}"`), L.maxArrayLength, `the length of the array "${key}"`);
            totalElements += n;
            if (totalElements > L.maxTotalArrayElements)
                throw new GgufError("too-large", `its metadata arrays hold more than ${L.maxTotalArrayElements.toLocaleString("en-US")} values in all (at "${key}"), more than any real model has`);
            // Each element takes at least one byte of the file, so the header limit bounds this loop too.
            const values: GgufScalar[] = [];
            for (let j = 0; j < n; j++)
                values.push(c.scalarSync(elementType, GGUF_LIMITS.maxStringBytes) ?? await readScalar(c, elementType, () => `element ${j} of "${key}"`));
            kvs.set(key, {type, value: {elementType, values}});
        }
        const alignmentKv = kvs.get("general.alignment");
        let alignment = 32;
        if (alignmentKv != null) {
            if (alignmentKv.type !== "u32") throw new GgufError("invalid", `"general.alignment" is a ${alignmentKv.type}; it must be a u32`);
            alignment = alignmentKv.value as number;
            if (alignment === 0 || (alignment & (alignment - 1)) !== 0) throw new GgufError("invalid", `"general.alignment" is ${alignment}, not a power of 2`);
        }
        const tensors: GgufTensorInfo[] = [];
        const names = new Set<string>();
        let expectedOffset = 0;
        for (let i = 0; i < nTensors; i++) {
            const name = await readString(c, L.maxNameBytes, () => `the name of tensor ${i + 1} of ${nTensors}`);
            if (names.has(name)) throw new GgufError("invalid", `the tensor "${name}" appears twice`);
            names.add(name);
            const nDims = await c.u32(() => `the dimension count of tensor "${name}"`);
            if (nDims > L.maxDims) throw new GgufError("invalid", `the tensor "${name}" has ${nDims.toLocaleString("en-US")} dimensions; ggml tensors have at most ${L.maxDims}`);
            const dims: number[] = [];
            let elements = 1n;
            for (let d = 0; d < nDims; d++) {
                const v = await c.u64(() => `dimension ${d} of tensor "${name}"`);
                if (v === 0n) throw new GgufError("invalid", `the tensor "${name}" has a dimension of 0`);
                elements *= v;
                if (elements > BigInt(Number.MAX_SAFE_INTEGER))
                    throw new GgufError("invalid", `the tensor "${name}" has ${elements.toLocaleString("en-US")} or more elements, more than any file can hold`);
                dims.push(Number(v));
            }
            const typeCode = await c.u32(() => `the type of tensor "${name}"`);
            const type = GGML_TYPES[typeCode];
            if (type == null) throw new GgufError("invalid", `the tensor "${name}" has type ${typeCode}, which this version of llama.cpp does not know`);
            if ((dims[0] ?? 1) % type.block !== 0)
                throw new GgufError("invalid", `the tensor "${name}" of type ${type.name} has rows of ${dims[0] ?? 1} values, not a multiple of its block size ${type.block}`);
            const bytes = (Number(elements) / type.block) * type.bytes;
            const offset64 = await c.u64(() => `the data offset of tensor "${name}"`);
            if (offset64 !== BigInt(expectedOffset))
                throw new GgufError("invalid", `the tensor "${name}" says its data is at offset ${offset64.toLocaleString("en-US")}, but the tensors before it end at ${expectedOffset.toLocaleString("en-US")}`);
            tensors.push({name, dims, type: typeCode, offset: expectedOffset, bytes});
            expectedOffset += Math.ceil(bytes / alignment) * alignment;
        }
        const dataOffset = nTensors > 0 ? Math.ceil(c.pos / alignment) * alignment : c.pos;
        const last = tensors[tensors.length - 1];
        const needed = last != null ? dataOffset + last.offset + last.bytes : dataOffset;
        if (needed > size)
            throw new GgufError("truncated", `its tensors need ${needed.toLocaleString("en-US")} bytes but the file has ${size.toLocaleString("en-US")}: it is truncated (an interrupted download?)`);
        return {version, kvs, tensors, alignment, dataOffset, fileSize: size};
    }
}
