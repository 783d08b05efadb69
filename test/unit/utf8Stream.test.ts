import assert from "node:assert/strict";
import {test} from "node:test";
import {bytesDetokenizer, TokenTextStream} from "../../src/core/utf8Stream";

/** A byte-level "tokenizer": every token is one byte (the worst case for splitting characters). */
function byteStream() {
    return new TokenTextStream<number>(bytesDetokenizer((t) => Uint8Array.of(t)));
}

test("multi-byte characters split over tokens are released whole", () => {
    const text = "é 😀 中文 ∑ x";
    const s = byteStream();
    const deltas: string[] = [];
    for (const b of Buffer.from(text, "utf8")) {
        const d = s.push(b);
        if (d !== "") deltas.push(d);
    }
    deltas.push(s.flush());
    assert.equal(deltas.join(""), text);
    for (const d of deltas) assert.ok(!d.includes("\uFFFD"), `delta ${JSON.stringify(d)} splits a character`);
    assert.ok(deltas.includes("😀"), "the 4-byte emoji comes out in one delta");
});

test("tokens that each hold part of a character and the start of the next", () => {
    // "é" = C3 A9, "中" = E4 B8 AD: tokens [C3] [A9 E4] [B8] [AD 41]
    const pieces = [[0xc3], [0xa9, 0xe4], [0xb8], [0xad, 0x41]];
    const s = new TokenTextStream<number>(bytesDetokenizer((t) => Uint8Array.from(pieces[t]!)));
    const out = [s.push(0), s.push(1), s.push(2), s.push(3), s.flush()];
    assert.deepEqual(out, ["", "", "", "é中A", ""]);
});

test("a genuine U+FFFD from the model does not block the stream forever", () => {
    const s = byteStream();
    const bad = [0xff, 0xfe, 0xfd, 0xfc];
    const out = bad.map((b) => s.push(b));
    assert.deepEqual(out.slice(0, 3), ["", "", ""]);
    assert.equal(out[3], "\uFFFD".repeat(4));
    assert.equal(s.push(0x41), "A");
});

test("flush releases a dangling partial character", () => {
    const s = byteStream();
    assert.equal(s.push(0xe4), "");
    assert.deepEqual(s.pending, [0xe4]);
    assert.equal(s.flush(), "\uFFFD");
    assert.equal(s.flush(), "");
});

test("the previous token is passed as context (for tokenizers that strip a leading space)", () => {
    const seen: number[][] = [];
    const s = new TokenTextStream<number>((tokens, ctx) => { seen.push([...ctx]); return tokens.map(String).join(""); });
    s.push(1); s.push(2); s.push(3);
    assert.deepEqual(seen, [[], [1], [2]]);
});
