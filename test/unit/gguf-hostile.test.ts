/**
 * The bounded GGUF header reader and validator (src/core/gguf) on hostile files the test writes: each is refused
 * with its kind and a message naming what is wrong, and none loops, grows memory or throws raw Node text. Good files
 * (every scripted fixture, and the header of a model with the real E1-Math-1.5B shape) pass.
 */
import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, test} from "node:test";
import {createServer} from "node:http";
import type {AddressInfo} from "node:net";
import {GgufError, checkModelFile, checkRemoteModelFile, modelFileMessage, readGgufHeader, validateGgufHeader} from "../../src/core/gguf";
import {writeGguf} from "../fixtures/gguf";
import {HUGE_SHAPE, writeHugeSparseModel} from "../fixtures/huge";
import {HOSTILE_CASES, writeHostile} from "../fixtures/hostile";
import {SCRIPTS, benchGguf, ensureScriptedFixture} from "../fixtures/scripted";

const dir = mkdtempSync(join(tmpdir(), "gguf-hostile-"));
after(() => rmSync(dir, {recursive: true, force: true}));

/** Node's own messages that must never reach the user. */
const RAW_NODE = /ERR_|out of range|Received|RangeError|undefined|NaN|\[object/;

for (const c of HOSTILE_CASES) {
    test(`hostile file: ${c.name} is refused as ${c.kind}`, async () => {
        const path = writeHostile(c, dir);
        const heapBefore = process.memoryUsage().heapUsed;
        let caught: unknown;
        try {
            const header = await readGgufHeader(path);
            validateGgufHeader(header);
        } catch (err) {
            caught = err;
        }
        assert.ok(caught instanceof GgufError, `expected a GgufError, got ${String(caught)}`);
        assert.equal(caught.kind, c.kind, caught.message);
        assert.match(caught.detail, c.message);
        assert.doesNotMatch(caught.detail, RAW_NODE);
        // Nothing was allocated for the absurd counts (a header read keeps what the file holds: about 300 KB here).
        assert.ok(process.memoryUsage().heapUsed - heapBefore < 64 * 1024 * 1024, "the reader allocated more than 64 MB");
        const message = modelFileMessage("x.gguf", caught);
        assert.match(message, /^The model file x\.gguf cannot be used: /);
        // context_length 0 is the file's fault, never the problem's ("the context holds 1").
        assert.doesNotMatch(message, /context holds|prompt|problem/i);
    });
}

test("the gate (checkModelFile) refuses the same files with the same errors, and a missing file in words", async () => {
    for (const c of HOSTILE_CASES) {
        await assert.rejects(checkModelFile(writeHostile(c, dir)), (err: unknown) => err instanceof GgufError && err.kind === c.kind && c.message.test(err.detail));
    }
    await assert.rejects(checkModelFile(join(dir, "nope.gguf")), (err: unknown) => err instanceof GgufError && err.kind === "unreadable" && /does not exist/.test(err.detail));
    await assert.rejects(checkModelFile(dir), (err: unknown) => err instanceof GgufError && err.kind === "unreadable");
});

test("a changed file is read again (the verdict cache is keyed by size and time)", async () => {
    const path = join(dir, "changing.gguf");
    const good = ensureScriptedFixture(SCRIPTS[0]);
    writeFileSync(path, HOSTILE_CASES[0]!.make(readFileSync(good)));
    await assert.rejects(checkModelFile(path), GgufError);
    writeFileSync(path, readFileSync(good));
    const later = new Date(Date.now() + 5000);
    utimesSync(path, later, later);
    const ok = await checkModelFile(path);
    assert.equal(ok.shape.arch, "qwen2");
});

for (const script of SCRIPTS) {
    test(`good fixture ${script.file} passes, with its settings read`, async () => {
        const {header, shape} = await checkModelFile(ensureScriptedFixture(script));
        assert.ok(shape.layers >= 1 && shape.embedding >= 64 && shape.heads[0]! >= 1);
        assert.equal(header.tensors.length > 0, true);
    });
}

test("the header of a model with the real E1-Math-1.5B shape (28 layers, 12 heads, 2 KV heads, Q8_0) passes", async () => {
    const path = join(dir, "bench-shape.gguf");
    writeGguf(path, {...benchGguf(), sparse: true});
    const started = performance.now();
    const {shape} = await checkModelFile(path);
    // Measured, not asserted: what the check adds before a real model's load (docs/hostile-input.md).
    console.log(`    1.5B-shape header checked in ${Math.round(performance.now() - started)} ms, heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`);
    assert.deepEqual([shape.arch, shape.layers, shape.embedding, shape.heads[0], shape.kvHeads[0], shape.headDimK], ["qwen2", 28, 1536, 12, 2, 128]);
});

test("a sparse file declaring a 57 GB model (the fit check's 'does not fit' fixture) passes the header checks", async () => {
    const path = join(dir, "huge.gguf");
    writeHugeSparseModel(path);
    const {shape} = await checkModelFile(path);
    assert.equal(shape.layers, HUGE_SHAPE.layers);
});

test("a remote header (the fit check of a download) is read by HTTP ranges with the same checks; a server that ignores ranges is cut off", async () => {
    const good = readFileSync(ensureScriptedFixture(SCRIPTS[0]));
    const files = new Map<string, Buffer>([["/good.gguf", good], ...HOSTILE_CASES.map((c) => [`/${c.name}.gguf`, c.make(good)] as [string, Buffer])]);
    let ignoreRanges = false;
    const server = createServer((req, res) => {
        const body = files.get(req.url ?? "");
        if (body == null) { res.writeHead(404).end(); return; }
        const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? "");
        if (m == null || ignoreRanges) { res.writeHead(200, {"content-length": body.length}).end(body); return; }
        const end = Math.min(Number(m[2]), body.length - 1);
        res.writeHead(206, {"content-range": `bytes ${m[1]}-${end}/${body.length}`}).end(body.subarray(Number(m[1]), end + 1));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
        for (const ignore of [false, true]) {
            ignoreRanges = ignore;
            assert.equal((await checkRemoteModelFile(`${base}/good.gguf`)).shape.arch, "qwen2");
            for (const c of HOSTILE_CASES)
                await assert.rejects(checkRemoteModelFile(`${base}/${c.name}.gguf`), (err: unknown) => err instanceof GgufError && err.kind === c.kind && c.message.test(err.detail), c.name);
        }
        await assert.rejects(checkRemoteModelFile(`${base}/missing.gguf`), (err: unknown) => err instanceof GgufError && /HTTP 404/.test(err.detail));
    } finally {
        server.close();
    }
});
