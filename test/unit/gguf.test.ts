import assert from "node:assert/strict";
import {mkdtempSync, rmSync, statSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, test} from "node:test";
import {fromHalf, GgmlType, kv, readGguf, tensorByteSize, toHalf, writeGguf} from "../fixtures/gguf";
import {FixtureScript, R1_DISTILL_CHAT_TEMPLATE, R1_TOKENS, scriptedGguf, THINK_STOPS, TokenType, writeIfChanged} from "../fixtures/scripted";

const dir = mkdtempSync(join(tmpdir(), "gguf-test-"));
after(() => rmSync(dir, {recursive: true, force: true}));

test("half floats round-trip and round to nearest even", () => {
    for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8, 2.7e-4])
        assert.ok(Math.abs(fromHalf(toHalf(v)) - v) <= Math.abs(v) * 1e-3, `half(${v})`);
    assert.equal(toHalf(1), 0x3c00);
    assert.equal(toHalf(-2), 0xc000);
    assert.equal(toHalf(1 + 2 ** -11), 0x3c00); // halfway, rounds to even
    assert.equal(toHalf(1e6), 0x7c00); // overflow -> inf
    assert.ok(Number.isNaN(fromHalf(toHalf(NaN))));
});

test("header, KVs (scalars and arrays), tensor infos, 32-byte alignment, F32/F16/Q8_0 data round-trip", () => {
    const path = join(dir, "rt.gguf");
    const f32 = Float32Array.from({length: 6}, (_, i) => i - 2.5);
    const f16 = Float32Array.from({length: 64}, (_, i) => (i - 32) / 8);
    const q8 = Float32Array.from({length: 96}, (_, i) => Math.sin(i));
    writeGguf(path, {
        kvs: [kv.str("general.architecture", "test"), kv.u32("a.u32", 7), kv.f32("a.f32", 0.25), kv.bool("a.bool", true),
            kv.i32("a.i32", -3), kv.u64("a.u64", 2n ** 40n), kv.strArr("a.strs", ["x", "ÿ", "<｜User｜>"]), kv.i32Arr("a.ints", [1, -2, 3])],
        tensors: [
            {name: "t.f32", dims: [3, 2], type: GgmlType.F32, data: f32},
            {name: "t.f16", dims: [32, 2], type: GgmlType.F16, data: {rows: (r, out) => out.set(f16.subarray(r * 32, r * 32 + 32))}},
            {name: "t.q8", dims: [32, 3], type: GgmlType.Q8_0, data: q8}
        ]
    });
    const g = readGguf(path);
    assert.equal(g.version, 3);
    assert.equal(g.kvs.get("general.architecture"), "test");
    assert.equal(g.kvs.get("a.u32"), 7);
    assert.equal(g.kvs.get("a.f32"), 0.25);
    assert.equal(g.kvs.get("a.bool"), true);
    assert.equal(g.kvs.get("a.i32"), -3);
    assert.equal(g.kvs.get("a.u64"), 2n ** 40n);
    assert.deepEqual(g.kvs.get("a.strs"), ["x", "ÿ", "<｜User｜>"]);
    assert.deepEqual(g.kvs.get("a.ints"), [1, -2, 3]);
    assert.deepEqual(g.tensors.map((t) => [t.name, t.dims, t.type]), [["t.f32", [3, 2], 0], ["t.f16", [32, 2], 1], ["t.q8", [32, 3], 8]]);
    assert.equal(g.dataOffset % 32, 0);
    for (const t of g.tensors) assert.equal(t.offset % 32, 0, `${t.name} aligned`);
    assert.deepEqual([...g.readTensor("t.f32")], [...f32]);
    assert.deepEqual([...g.readTensor("t.f16")], [...f16]);
    const q = g.readTensor("t.q8");
    for (let i = 0; i < q8.length; i++) assert.ok(Math.abs(q[i]! - q8[i]!) < 0.01, `q8[${i}]`);
    const last = g.tensors[2]!;
    assert.equal(tensorByteSize(GgmlType.Q8_0, [32, 3]), 3 * 34);
    assert.equal(statSync(path).size, g.dataOffset + last.offset + Math.ceil(3 * 34 / 32) * 32, "the file ends padded to 32 bytes");
});

test("raw tensor sources must add up to the exact size", () => {
    assert.throws(() => writeGguf(join(dir, "bad.gguf"), {
        kvs: [], tensors: [{name: "t", dims: [32], type: GgmlType.Q8_0, data: {raw: () => [new Uint8Array(33)]}}]
    }), /expected 34/);
});

test("scripted fixture: R1 template, specials with their types, pre-tokenizer, successor logits", () => {
    const path = join(dir, "s.gguf");
    writeGguf(path, scriptedGguf(THINK_STOPS));
    const g = readGguf(path);
    assert.equal(g.kvs.get("tokenizer.chat_template"), R1_DISTILL_CHAT_TEMPLATE);
    assert.ok(R1_DISTILL_CHAT_TEMPLATE.includes("{{'<｜Assistant｜><think>\\n'}}"));
    assert.equal(g.kvs.get("tokenizer.ggml.pre"), "deepseek-r1-qwen");
    const tokens = g.kvs.get("tokenizer.ggml.tokens") as string[];
    const types = g.kvs.get("tokenizer.ggml.token_type") as number[];
    const typeOf = (t: string) => types[tokens.indexOf(t)];
    assert.equal(typeOf(R1_TOKENS.bos), TokenType.CONTROL);
    assert.equal(typeOf(R1_TOKENS.eos), TokenType.CONTROL);
    for (const t of [R1_TOKENS.user, R1_TOKENS.assistant, R1_TOKENS.thinkOpen, R1_TOKENS.thinkClose]) assert.equal(typeOf(t), TokenType.USER_DEFINED, t);
    assert.equal(g.kvs.get("tokenizer.ggml.bos_token_id"), tokens.indexOf(R1_TOKENS.bos));
    assert.equal(g.kvs.get("tokenizer.ggml.eos_token_id"), tokens.indexOf(R1_TOKENS.eos));
    assert.equal(new Set(tokens).size, tokens.length, "token texts are unique");
    // The successor of the last thinking chunk is </think> with logit 20 after the RMS norm.
    const nEmbd = g.kvs.get("qwen2.embedding_length") as number;
    const embd = g.readTensor("token_embd.weight");
    const out = g.readTensor("output.weight");
    const lastChunk = tokens.indexOf(THINK_STOPS.spec.thinking.at(-1)!);
    const hidden = embd.subarray(lastChunk * nEmbd, (lastChunk + 1) * nEmbd).map((x) => x * Math.sqrt(nEmbd));
    const logits = Array.from({length: tokens.length}, (_, v) => hidden.reduce((s, x, d) => s + x * out[v * nEmbd + d]!, 0));
    const best = logits.indexOf(Math.max(...logits));
    assert.equal(tokens[best], R1_TOKENS.thinkClose);
    assert.ok(Math.abs(logits[best]! - 20) < 1e-3);
    assert.equal(logits.filter((l) => l !== 0).length, 1);
});

test("a script with a repeated chunk or a single-character chunk is refused", () => {
    assert.throws(() => scriptedGguf(new FixtureScript("dup", {thinking: [" a1", " a1"], solution: ["ok"]}, "p")), /duplicate|twice/);
    assert.throws(() => scriptedGguf(new FixtureScript("one", {thinking: ["a"], solution: ["ok"]}, "p")), /at least 2/);
});

test("expected scripts: text and token counts", () => {
    assert.equal(THINK_STOPS.naturalThinkingTokens, THINK_STOPS.spec.thinking.length + 1);
    assert.equal(THINK_STOPS.thinkingText(2), "Okay, so");
    assert.ok(THINK_STOPS.fullSolution.startsWith("\n\n**Solution.**"));
    assert.ok(THINK_STOPS.fullSolution.includes("$2+2=4$") && THINK_STOPS.fullSolution.includes("$$2 + 2 = 4$$") && THINK_STOPS.fullSolution.includes("\\boxed{4}"));
    const loop = new FixtureScript("l", {thinking: ["ab"], thinkingLoop: "cd", solution: ["ef"]}, "p");
    assert.equal(loop.thinkingText(4), "abcdcdcd");
    assert.equal(loop.naturalThinkingTokens, null);
});

test("writeIfChanged skips a file with the same version and rewrites a changed one", () => {
    const path = join(dir, "v.bin");
    let writes = 0;
    const write = (tmp: string) => { writes++; writeGguf(tmp, {kvs: [kv.u32("x", writes)], tensors: []}); };
    assert.equal(writeIfChanged(path, "v1", write), true);
    assert.equal(writeIfChanged(path, "v1", write), false);
    assert.equal(writeIfChanged(path, "v2", write), true);
    assert.equal(writes, 2);
});
