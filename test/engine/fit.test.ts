// Fits this machine? node-llama-cpp's GGUF insights on real files: a scripted fixture (fits) and a SPARSE GGUF whose
// header declares ~57 GB of F32 weights (this machine has far less RAM; the file costs no disk). The same header is
// read remotely from an HTTP server on 127.0.0.1 (only the header's bytes are fetched), and an unreachable server
// falls back to the size estimate, labelled as one.
import assert from "node:assert/strict";
import {mkdtempSync, openSync, readSync, closeSync, rmSync, statSync} from "node:fs";
import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {tmpdir, totalmem} from "node:os";
import {join} from "node:path";
import {after, before, test} from "node:test";
import {assessFit, assessFitOrEstimate, describeFit, fitAdvice} from "../../src/core/fit";
import {writeHugeSparseModel} from "../fixtures/huge";
import {CHATML_ANSWER, defaultModelsDir, ensureScriptedFixtures} from "../fixtures/scripted";

const fixturePath = (s: {file: string}) => join(defaultModelsDir(), s.file);

const tmp = mkdtempSync(join(tmpdir(), "emt-fit-"));
const huge = join(tmp, "huge-F32.gguf");
let server: Server;
let base = "";
let served = 0;

before(async () => {
    writeHugeSparseModel(huge);
    ensureScriptedFixtures();
    const size = statSync(huge).size;
    server = createServer((req, res) => {
        const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
        const start = m != null ? Number(m[1]) : 0;
        const end = m != null && m[2] !== "" ? Math.min(size - 1, Number(m[2])) : size - 1;
        if (m == null || end - start > 64 * 1024 * 1024) { res.writeHead(416).end(); return; } // never stream 57 GB
        const buf = Buffer.alloc(end - start + 1);
        const fd = openSync(huge, "r");
        try { readSync(fd, buf, 0, buf.length, start); } finally { closeSync(fd); }
        served += buf.length;
        res.writeHead(206, {"accept-ranges": "bytes", "content-length": String(buf.length), "content-range": `bytes ${start}-${end}/${size}`,
            "content-type": "application/octet-stream"});
        res.end(buf);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
    server?.closeAllConnections();
    server?.close();
    rmSync(tmp, {recursive: true, force: true});
});

test("the sparse GGUF declares ~57 GB but takes almost no disk", () => {
    const s = statSync(huge);
    assert.ok(s.size > 50e9, `declared ${s.size}`);
    assert.ok(s.blocks * 512 < 64 * 1024 * 1024, `on disk ${s.blocks * 512} bytes`);
});

test("GGUF insights: the huge model does not fit this machine's RAM, and the advice is a smaller quantization that does", async () => {
    const r = await assessFit({source: huge, contextSize: 8192});
    assert.equal(r.basis, "insights");
    assert.equal(r.fits, false);
    assert.ok(r.ramBytes > statSync(huge).size, `weights plus KV cache: ${r.ramBytes}`);
    assert.ok(r.ramBytes > totalmem());
    assert.equal(r.totalLayers, 57, "56 blocks + the output layer");
    const line = describeFit(r);
    assert.match(line, /^does not fit: needs about \d+(\.\d)? GB RAM, this machine has .* \(GGUF header\)$/);
    // Quantizations of "the same model": F32 (this file), Q8_0 and Q4_K_M at their real size ratios.
    const f32 = {quantization: "F32", bytes: statSync(huge).size};
    const q8 = {quantization: "Q8_0", bytes: Math.round(f32.bytes * 8.5 / 32)};
    const q4 = {quantization: "Q4_K_M", bytes: Math.round(f32.bytes * 4.85 / 32)};
    const advice = fitAdvice(r, f32, [f32, q8, q4]);
    // The largest that fits: Q8_0 needs about a quarter of the F32 figure (15 GB), under this machine's RAM.
    const expected = r.ramBytes * (q8.bytes / f32.bytes) <= totalmem() ? "Q8_0" : "Q4_K_M";
    assert.ok(advice?.includes(`try the smaller ${expected} quantization`), advice);
    const last = fitAdvice(r, q4, [f32, q8, q4]);
    assert.ok(last != null && !last.includes("try the smaller") && /smaller model/.test(last), `nothing smaller than the smallest: ${last}`);
});

test("GGUF insights: a scripted fixture fits, with the context included", async () => {
    const r = await assessFit({source: fixturePath(CHATML_ANSWER), contextSize: 4096});
    assert.equal(r.basis, "insights");
    assert.equal(r.fits, true);
    assert.ok(r.ramBytes > statSync(fixturePath(CHATML_ANSWER)).size, "the context's memory is counted");
    assert.match(describeFit(r), /^fits: needs about .* RAM \(GGUF header\)$/);
    assert.equal(fitAdvice(r, undefined, []), undefined);
});

test("a remote GGUF's header is read over HTTP ranges: same verdict, only the header's bytes fetched", async () => {
    served = 0;
    const r = await assessFit({source: `${base}/huge-F32.gguf`, contextSize: 8192});
    assert.equal(r.basis, "insights");
    assert.equal(r.fits, false);
    const local = await assessFit({source: huge, contextSize: 8192});
    assert.equal(r.ramBytes, local.ramBytes);
    assert.ok(served > 0 && served < 64 * 1024 * 1024, `fetched ${served} bytes of ${statSync(huge).size}`);
});

test("an unreachable server falls back to the size estimate, labelled as one", async () => {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const r = await assessFitOrEstimate({source: `http://127.0.0.1:${port}/model.gguf`, fileBytes: 1.1e9, timeoutMs: 10000});
    assert.equal(r.basis, "estimate");
    assert.equal(r.fits, true);
    assert.ok(r.estimateReason != null && r.estimateReason.length > 0);
    assert.match(describeFit(r), /size estimate/);
});
