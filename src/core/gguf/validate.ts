/**
 * The model settings and tensor shapes that llama.cpp aborts the whole process on (GGML_ASSERT, exit 134) or
 * cannot use, checked from a header read by {@link readGgufHeader} before llama.cpp sees the file.
 *
 * From llama.cpp's llama_model::load_hparams (every architecture): block_count in 1..LLAMA_MAX_LAYERS (512),
 * nextn layers <= block_count, the expert counts' relations, a known rope scaling type, per-layer arrays of
 * block_count entries. From create_tensor: every tensor dimension the settings imply is >= 1 (zero attention heads,
 * KV heads or embedding length abort there). From the vocabulary: token texts unique. For the architectures of the
 * catalog (qwen2, llama) every tensor's shape is checked against the settings too; for other architectures the
 * generic checks apply (see docs/hostile-input.md for what that leaves open and the decision about it).
 */
import {GgufError} from "./errors";
import type {GgufArray, GgufHeader, GgufKv} from "./reader";

/** llama.cpp's LLAMA_MAX_LAYERS. */
export const MAX_LAYERS = 512;
/** The smallest LLAMA_MAX_EXPERTS of the llama.cpp versions node-llama-cpp 3.x ships (newer ones allow more). */
export const MAX_EXPERTS = 512;
/** Architectures whose tensor shapes are checked one by one. */
export const SHAPE_CHECKED_ARCHITECTURES: readonly string[] = ["qwen2", "llama"];

const ROPE_SCALING_TYPES = ["none", "linear", "yarn", "longrope"];

function fail(kind: "hyperparameter" | "tensor-shape" | "invalid", detail: string): never {
    throw new GgufError(kind, detail);
}

function isInt(v: unknown): v is number | bigint {
    return (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
}

function asInt(key: string, kv: GgufKv): number {
    const v = kv.value;
    if (!isInt(v)) fail("hyperparameter", `"${key}" is ${describe(kv)}; it must be a whole number`);
    if (typeof v === "bigint") {
        if (v < 0n || v > 0xffffffffn) fail("hyperparameter", `"${key}" is ${v.toLocaleString("en-US")}, out of range`);
        return Number(v);
    }
    if (v < 0) fail("hyperparameter", `"${key}" is ${v}; it cannot be negative`);
    return v;
}

function describe(kv: GgufKv): string {
    if (typeof kv.value === "object" && kv.value != null && "values" in kv.value) return `an array of ${kv.value.values.length} ${kv.value.elementType} values`;
    return typeof kv.value === "string" ? `the text ${JSON.stringify(kv.value.slice(0, 40))}` : String(kv.value);
}

/** A key that may be one number or one number per layer (llama.cpp's get_key_or_arr). Undefined when absent. */
function perLayer(h: GgufHeader, key: string, layers: number): number[] | undefined {
    const kv = h.kvs.get(key);
    if (kv == null) return undefined;
    if (kv.type !== "array") return new Array<number>(layers).fill(asInt(key, kv));
    const arr = kv.value as GgufArray;
    if (arr.values.length !== layers)
        fail("hyperparameter", `"${key}" has ${arr.values.length} entries but the model has ${layers} layers`);
    return arr.values.map((v) => asInt(key, {type: arr.elementType, value: v}));
}

function scalar(h: GgufHeader, key: string, required: boolean): number | undefined {
    const kv = h.kvs.get(key);
    if (kv == null) {
        if (required) fail("hyperparameter", `the setting "${key}" is missing`);
        return undefined;
    }
    if (kv.type === "array") fail("hyperparameter", `"${key}" is ${describe(kv)}; it must be one number`);
    return asInt(key, kv);
}

function atLeastOne(key: string, v: number, what: string): void {
    if (v < 1) fail("hyperparameter", `"${key}" is ${v}: a model needs at least 1 ${what}`);
}

/** The settings llama.cpp derives, for the shape checks. */
export interface ModelShape {
    readonly arch: string;
    readonly contextLength: number;
    readonly embedding: number;
    readonly layers: number;
    readonly heads: readonly number[];
    readonly kvHeads: readonly number[];
    readonly headDimK: number;
    readonly headDimV: number;
    readonly feedForward: readonly number[] | undefined;
    readonly experts: number;
    readonly vocabulary: number | undefined;
}

/** Checks everything listed in the module comment; returns the derived settings. Throws {@link GgufError}. */
export function validateGgufHeader(h: GgufHeader): ModelShape {
    const archKv = h.kvs.get("general.architecture");
    if (archKv == null) fail("hyperparameter", `the setting "general.architecture" is missing: it does not say what kind of model it is`);
    if (typeof archKv.value !== "string" || archKv.value === "") fail("hyperparameter", `"general.architecture" is ${describe(archKv)}, not an architecture name`);
    const arch = archKv.value;
    const k = (suffix: string) => `${arch}.${suffix}`;
    const contextLength = scalar(h, k("context_length"), true)!;
    atLeastOne(k("context_length"), contextLength, "token of context (it is the length the model was trained for)");
    const embedding = scalar(h, k("embedding_length"), true)!;
    atLeastOne(k("embedding_length"), embedding, "embedding dimension");
    const layers = scalar(h, k("block_count"), true)!;
    if (layers < 1 || layers > MAX_LAYERS)
        fail("hyperparameter", `"${k("block_count")}" is ${layers.toLocaleString("en-US")}: llama.cpp takes 1 to ${MAX_LAYERS} layers`);
    const nextn = scalar(h, k("nextn_predict_layers"), false) ?? 0;
    if (nextn > layers) fail("hyperparameter", `"${k("nextn_predict_layers")}" is ${nextn}, more than the ${layers} layers`);

    // Experts (llama.cpp asserts these relations for every architecture).
    const experts = scalar(h, k("expert_count"), false) ?? 0;
    if (experts > MAX_EXPERTS) fail("hyperparameter", `"${k("expert_count")}" is ${experts.toLocaleString("en-US")}; llama.cpp takes at most ${MAX_EXPERTS}`);
    const used = Math.max(0, ...(perLayer(h, k("expert_used_count"), layers) ?? [0]));
    const groups = scalar(h, k("expert_group_count"), false) ?? 0;
    const groupUsed = scalar(h, k("expert_group_used_count"), false) ?? 0;
    if (used > experts) fail("hyperparameter", `"${k("expert_used_count")}" is ${used}, more than the ${experts} experts`);
    if (experts > 0) {
        if (used === 0) fail("hyperparameter", `"${k("expert_used_count")}" is 0 with ${experts} experts`);
        if (groups >= experts) fail("hyperparameter", `"${k("expert_group_count")}" is ${groups}, not fewer than the ${experts} experts`);
        if (groups > 1 && (experts % groups !== 0 || groupUsed === 0 || groupUsed >= groups))
            fail("hyperparameter", `the expert groups (${groups} groups, ${groupUsed} used) do not fit ${experts} experts`);
    } else if (groups !== 0) {
        fail("hyperparameter", `"${k("expert_group_count")}" is ${groups} but the model has no experts`);
    }

    const rope = h.kvs.get(k("rope.scaling.type"));
    if (rope != null && (typeof rope.value !== "string" || !ROPE_SCALING_TYPES.includes(rope.value)))
        fail("hyperparameter", `"${k("rope.scaling.type")}" is ${describe(rope)}; llama.cpp knows ${ROPE_SCALING_TYPES.join(", ")}`);

    const shapeChecked = SHAPE_CHECKED_ARCHITECTURES.includes(arch);
    const feedForward = perLayer(h, k("feed_forward_length"), layers);
    const heads = perLayer(h, k("attention.head_count"), layers) ?? new Array<number>(layers).fill(0);
    const kvHeads = perLayer(h, k("attention.head_count_kv"), layers) ?? heads;
    const maxHeads = Math.max(...heads);
    if (shapeChecked) {
        if (h.kvs.get(k("attention.head_count")) == null) fail("hyperparameter", `the setting "${k("attention.head_count")}" is missing`);
        heads.forEach((n) => atLeastOne(k("attention.head_count"), n, "attention head"));
        kvHeads.forEach((n) => atLeastOne(k("attention.head_count_kv"), n, "key/value head"));
        if (feedForward == null) fail("hyperparameter", `the setting "${k("feed_forward_length")}" is missing`);
        if (experts === 0) feedForward.forEach((n) => atLeastOne(k("feed_forward_length"), n, "feed-forward unit"));
    }
    let headDimK = 0;
    let headDimV = 0;
    if (maxHeads > 0) {
        const keyLength = scalar(h, k("attention.key_length"), false);
        const valueLength = scalar(h, k("attention.value_length"), false);
        if (keyLength == null && embedding % maxHeads !== 0)
            fail("hyperparameter", `"${k("embedding_length")}" (${embedding}) is not a multiple of "${k("attention.head_count")}" (${maxHeads})`);
        headDimK = keyLength ?? Math.floor(embedding / maxHeads);
        headDimV = valueLength ?? Math.floor(embedding / maxHeads);
        if (headDimK < 1 || headDimV < 1)
            fail("hyperparameter", `each of its ${maxHeads.toLocaleString("en-US")} attention heads would have ${Math.min(headDimK, headDimV)} dimensions ("${k("embedding_length")}" is ${embedding})`);
        heads.forEach((n, i) => {
            const kvn = kvHeads[i]!;
            if (n > 0 && kvn > 0 && n % kvn !== 0)
                fail("hyperparameter", `layer ${i} has ${n} attention heads and ${kvn} key/value heads; the heads must be a multiple of the key/value heads`);
            if (n > 0 && kvn === 0) fail("hyperparameter", `"${k("attention.head_count_kv")}" is 0 in layer ${i}: a model with attention heads needs at least 1 key/value head`);
            if (kvn > n) fail("hyperparameter", `layer ${i} has ${kvn} key/value heads, more than its ${n} attention heads`);
        });
        const rot = scalar(h, k("rope.dimension_count"), false);
        if (rot != null && rot > headDimK) fail("hyperparameter", `"${k("rope.dimension_count")}" is ${rot}, more than the ${headDimK} dimensions of a head`);
    }

    const vocabulary = validateVocabulary(h);
    const shape: ModelShape = {arch, contextLength, embedding, layers, heads, kvHeads, headDimK, headDimV, feedForward, experts, vocabulary};
    if (shapeChecked) checkTensorShapes(h, shape);
    return shape;
}

/** Token texts must be unique (llama.cpp asserts it); the per-token arrays as long as the token list. */
function validateVocabulary(h: GgufHeader): number | undefined {
    const tokensKv = h.kvs.get("tokenizer.ggml.tokens");
    if (tokensKv == null) return undefined;
    if (tokensKv.type !== "array" || (tokensKv.value as GgufArray).elementType !== "string")
        fail("invalid", `"tokenizer.ggml.tokens" is ${describe(tokensKv)}, not a list of texts`);
    const tokens = (tokensKv.value as GgufArray).values as string[];
    if (tokens.length === 0) fail("invalid", `its vocabulary ("tokenizer.ggml.tokens") is empty`);
    const seen = new Map<string, number>();
    tokens.forEach((t, i) => {
        const before = seen.get(t);
        if (before != null) fail("invalid", `its vocabulary has the token ${JSON.stringify(t.slice(0, 40))} twice (ids ${before} and ${i}); llama.cpp needs every token text once`);
        seen.set(t, i);
    });
    for (const key of ["tokenizer.ggml.token_type", "tokenizer.ggml.scores"]) {
        const kv = h.kvs.get(key);
        if (kv != null && (kv.type !== "array" || (kv.value as GgufArray).values.length !== tokens.length))
            fail("invalid", `"${key}" has ${kv.type === "array" ? (kv.value as GgufArray).values.length : "not a list of"} entries for ${tokens.length} tokens`);
    }
    return tokens.length;
}

/** qwen2 and llama (llama.cpp's llm_build_qwen2 / llm_build_llama tensors): each shape the settings imply. */
function checkTensorShapes(h: GgufHeader, s: ModelShape): void {
    const byName = new Map(h.tensors.map((t) => [t.name, t]));
    const embd = byName.get("token_embd.weight");
    if (embd == null) fail("tensor-shape", `the tensor "token_embd.weight" (the token embeddings) is missing`);
    const vocab = s.vocabulary ?? embd.dims[1] ?? 0;
    const expect = (name: string, dims: readonly number[], required: boolean) => {
        const t = byName.get(name);
        if (t == null) {
            if (required) fail("tensor-shape", `the tensor "${name}" is missing`);
            return;
        }
        const got = [...t.dims];
        while (got.length > dims.length && got[got.length - 1] === 1) got.pop();
        if (got.length !== dims.length || got.some((d, i) => d !== dims[i]))
            fail("tensor-shape", `the tensor "${name}" has shape [${t.dims.join(", ")}] but its settings need [${dims.join(", ")}] (embedding ${s.embedding}, ${s.heads[0]} heads, ${s.kvHeads[0]} key/value heads, vocabulary ${vocab})`);
    };
    expect("token_embd.weight", [s.embedding, vocab], true);
    expect("output_norm.weight", [s.embedding], true);
    expect("output.weight", [s.embedding, vocab], false);
    for (let i = 0; i < s.layers; i++) {
        const b = (name: string) => `blk.${i}.${name}`;
        const q = s.headDimK * s.heads[i]!;
        const kDim = s.headDimK * s.kvHeads[i]!;
        const vDim = s.headDimV * s.kvHeads[i]!;
        expect(b("attn_norm.weight"), [s.embedding], true);
        // Newer converters may write one fused attn_qkv tensor instead of three (llama.cpp's create_tensor_qkv).
        const separate = !byName.has(b("attn_qkv.weight"));
        expect(b("attn_q.weight"), [s.embedding, q], separate);
        expect(b("attn_k.weight"), [s.embedding, kDim], separate);
        expect(b("attn_v.weight"), [s.embedding, vDim], separate);
        expect(b("attn_output.weight"), [q, s.embedding], true);
        expect(b("attn_q.bias"), [q], false);
        expect(b("attn_k.bias"), [kDim], false);
        expect(b("attn_v.bias"), [vDim], false);
        expect(b("ffn_norm.weight"), [s.embedding], true);
        if (s.experts === 0 && s.feedForward != null) {
            const ff = s.feedForward[i]!;
            expect(b("ffn_gate.weight"), [s.embedding, ff], true);
            expect(b("ffn_up.weight"), [s.embedding, ff], true);
            expect(b("ffn_down.weight"), [ff, s.embedding], true);
        }
    }
}
