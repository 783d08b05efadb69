/**
 * What the model-file check keeps (src/core/gguf/index.ts, compactHeader): its verdict cache keeps a checked header
 * for as long as the extension runs, and a real model's header carries its whole vocabulary, token types and merges
 * (here 152,064 tokens and 150,000 merges, as Qwen2's). Kept whole that was megabytes in hundreds of thousands of
 * objects, which every full collection of the extension host marks. The file is a sparse GGUF written here: a real
 * header, no weights. The heap is measured after full collections (this file runs in its own process).
 */
import assert from "node:assert/strict";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, test} from "node:test";
import {setFlagsFromString} from "node:v8";
import {runInNewContext} from "node:vm";
import {checkModelFile} from "../../src/core/gguf";
import type {GgufArray} from "../../src/core/gguf/reader";
import {readGgufPromptInfo} from "../../src/core/modelTemplate";
import {GgmlType, kv, writeGguf, type GgufTensor} from "../fixtures/gguf";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const dir = mkdtempSync(join(tmpdir(), "emt-gguf-cache-"));
after(() => rmSync(dir, {recursive: true, force: true}));

const vocab = 152_064;
const bos = 151_643;
const eos = 151_645;

function writeModel(path: string): void {
    const hidden = 64;
    const none = {raw: () => [] as Uint8Array[]};
    const t = (name: string, dims: number[]): GgufTensor => ({name, dims, type: GgmlType.F32, data: none});
    const tokens = Array.from({length: vocab}, (_, i) => (i === bos ? "<|endoftext|>" : i === eos ? "<|im_end|>" : `tok${i}`));
    writeGguf(path, {
        sparse: true,
        kvs: [
            kv.str("general.architecture", "qwen2"), kv.str("general.name", "big vocabulary test model"),
            kv.u32("qwen2.context_length", 4096), kv.u32("qwen2.embedding_length", hidden), kv.u32("qwen2.block_count", 1),
            kv.u32("qwen2.feed_forward_length", 128), kv.u32("qwen2.attention.head_count", 4), kv.u32("qwen2.attention.head_count_kv", 2),
            kv.f32("qwen2.attention.layer_norm_rms_epsilon", 1e-6), kv.f32("qwen2.rope.freq_base", 1e6),
            kv.str("tokenizer.ggml.model", "gpt2"), kv.strArr("tokenizer.ggml.tokens", tokens),
            kv.i32Arr("tokenizer.ggml.token_type", tokens.map(() => 1)),
            kv.strArr("tokenizer.ggml.merges", Array.from({length: 150_000}, (_, i) => `m${i} n${i}`)),
            kv.u32("tokenizer.ggml.bos_token_id", bos), kv.u32("tokenizer.ggml.eos_token_id", eos)
        ],
        tensors: [
            t("token_embd.weight", [hidden, vocab]), t("output_norm.weight", [hidden]), t("output.weight", [hidden, vocab]),
            t("blk.0.attn_norm.weight", [hidden]), t("blk.0.attn_q.weight", [hidden, hidden]), t("blk.0.attn_k.weight", [hidden, 32]),
            t("blk.0.attn_v.weight", [hidden, 32]), t("blk.0.attn_output.weight", [hidden, hidden]), t("blk.0.ffn_norm.weight", [hidden]),
            t("blk.0.ffn_gate.weight", [hidden, 128]), t("blk.0.ffn_up.weight", [hidden, 128]), t("blk.0.ffn_down.weight", [128, hidden])
        ]
    });
}

test("a checked header keeps its arrays' lengths and the BOS and EOS texts, not the whole vocabulary", async () => {
    const path = join(dir, "big-vocabulary.gguf");
    writeModel(path);
    gc();
    const before = process.memoryUsage().heapUsed;
    const checked = await checkModelFile(path);
    gc();
    const kept = process.memoryUsage().heapUsed - before;
    console.log(`a header with ${vocab.toLocaleString("en-US")} tokens and 150,000 merges, checked and cached: ${(kept / 1e6).toFixed(2)} MB kept in the heap`);
    // Whole, the arrays took 13 MB here; compact, under 0.1 MB.
    assert.ok(kept < 1e6, `the cached header holds ${(kept / 1e6).toFixed(1)} MB`);
    const tokens = checked.header.kvs.get("tokenizer.ggml.tokens")!.value as GgufArray;
    assert.equal(tokens.values.length, vocab);
    assert.equal(checked.shape.vocabulary, vocab);
    const info = await readGgufPromptInfo(path);
    assert.equal(info.bosToken, "<|endoftext|>");
    assert.equal(info.eosToken, "<|im_end|>");
});
