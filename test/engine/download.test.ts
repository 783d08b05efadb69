// Downloads with node-llama-cpp's own downloader against an HTTP server this test starts on 127.0.0.1, serving a
// generated GGUF with Range support. Real downloader, real sockets; only the remote host is local.
import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from "node:fs";
import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, test} from "node:test";
import {DownloadError, downloadModel, isDownloadInProgress, partialDownload, type DownloadProgress} from "../../src/core/download";
import {GgmlType, kv, writeGguf} from "../fixtures/gguf";

const tmp = mkdtempSync(join(tmpdir(), "emt-download-"));
/** A generated GGUF of 12 MB: larger than the downloader's 5 MB chunks, so a resumed request starts past 0. */
const source = join(tmp, "served.gguf");
writeGguf(source, {
    kvs: [kv.str("general.architecture", "llama"), kv.str("general.name", "download test")],
    tensors: [{name: "blob", dims: [1024, 3072], type: GgmlType.F32, data: {rows: (row, out) => { out.fill(Math.sin(row)); out[0] = row; }}}]
});
const body = readFileSync(source);
const sha = createHash("sha256").update(body).digest("hex");
let server: Server;
let base = "";
/** Range headers of GET requests, in order. */
const ranges: string[] = [];
let dropNext = false;
let droppedRange: string | undefined;
/** When > 0, ranges starting at or past this offset are answered slowly (so a cancel lands mid-download). */
let slowAfter = 0;
/** When > 0, a GET sends the file only up to this offset, then stalls (the connection stays open, no more bytes). */
let stallAt = 0;
/**
 * Body bytes the server has written for ranged GET requests (reset by the tests). ipull also sends one GET without a
 * Range to learn the size and closes it after the headers; that one is not counted (the socket buffer, not the
 * client, takes what is written).
 */
let bytesServed = 0;

before(async () => {
    server = createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://x").pathname;
        if (process.env.EMT_DEBUG) console.log(req.method, url, req.headers.range);
        if (url.startsWith("/forbidden/")) {
            res.writeHead(403, {"content-type": "text/plain"}).end("Access to this repository is restricted");
            return;
        }
        if (!url.endsWith("/model.gguf") && !url.endsWith("/resolve/main/model.gguf")) {
            res.writeHead(404, {"content-type": "text/plain"}).end("Entry not found");
            return;
        }
        let start = 0;
        let end = body.length - 1;
        const range = req.headers.range;
        if (req.method === "GET") ranges.push(range ?? "");
        const m = /^bytes=(\d+)-(\d*)$/.exec(range ?? "");
        if (m != null) {
            start = Number(m[1]);
            if (m[2] !== "") end = Math.min(end, Number(m[2]));
        }
        const headers = {
            "accept-ranges": "bytes", "content-type": "application/octet-stream", "content-length": String(end - start + 1),
            ...(m != null ? {"content-range": `bytes ${start}-${end}/${body.length}`} : {})
        };
        res.writeHead(m != null ? 206 : 200, headers);
        if (req.method === "HEAD") { res.end(); return; }
        const chunk = body.subarray(start, end + 1);
        if (req.method === "GET" && m != null) bytesServed += chunk.length;
        if (stallAt > 0 && end + 1 > stallAt) {
            const part = body.subarray(start, Math.max(start, stallAt));
            bytesServed -= chunk.length - part.length;
            res.write(part); // ... and nothing more: the client has to give up or cancel
            return;
        }
        if (dropNext && m != null && start > 0 && chunk.length > 1000) {
            dropNext = false;
            droppedRange = range ?? "";
            // Half of what was asked, then the connection dies.
            res.write(chunk.subarray(0, Math.floor(chunk.length / 2)), () => setTimeout(() => req.socket.destroy(), 50));
            return;
        }
        if (slowAfter > 0 && start >= slowAfter) { setTimeout(() => res.end(chunk), 3000); return; }
        res.end(chunk);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(tmp, {recursive: true, force: true});
});

function freshDir(name: string): string {
    const d = join(tmp, name);
    rmSync(d, {recursive: true, force: true});
    return d;
}

test("hf: URI against the configured endpoint: progress events, verified sha256, file in place, no partial left", async () => {
    const dir = freshDir("ok");
    const progress: DownloadProgress[] = [];
    let verifying = false;
    const path = await downloadModel({
        uri: "hf:someone/E1-Math-1.5B-GGUF/model.gguf", endpoint: base + "/", dir, fileName: "e1.gguf",
        expectedBytes: body.length, sha256: sha, onProgress: (p) => progress.push(p), onVerifying: () => { verifying = true; }
    });
    assert.equal(path, join(dir, "e1.gguf"));
    assert.ok(readFileSync(path).equals(body), "byte-identical");
    assert.ok(progress.length > 0, "progress events");
    const last = progress[progress.length - 1]!;
    assert.equal(last.totalBytes, body.length);
    assert.equal(last.downloadedBytes, body.length);
    assert.ok(verifying);
    assert.deepEqual(readdirSync(join(dir, ".partial")), [], "nothing left in .partial");
    assert.equal(await isDownloadInProgress(dir, "e1.gguf"), false);
});

test("the server drops the connection halfway: the download resumes (a Range request) to a byte-identical file", async () => {
    const dir = freshDir("resume");
    ranges.length = 0;
    dropNext = true;
    let path: string | undefined;
    let firstError: unknown;
    try {
        path = await downloadModel({uri: `${base}/files/model.gguf`, dir, fileName: "m.gguf", sha256: sha});
    } catch (err) {
        firstError = err;
    }
    if (path == null) {
        // The downloader gave up after the drop: the partial data is kept and the final name does not exist yet.
        assert.ok(firstError instanceof DownloadError, `a DownloadError, got ${String(firstError)}`);
        assert.equal(existsSync(join(dir, "m.gguf")), false, "no complete-looking file after an interrupted download");
        assert.equal(await isDownloadInProgress(dir, "m.gguf"), true);
        path = await downloadModel({uri: `${base}/files/model.gguf`, dir, fileName: "m.gguf", sha256: sha});
    }
    assert.ok(readFileSync(path).equals(body), "byte-identical after resume");
    const resumed = ranges.filter((r) => /^bytes=[1-9]\d*-/.test(r));
    const dropped = droppedRange;
    assert.ok(dropped != null, "the server dropped a connection");
    assert.ok(ranges.filter((r) => r === dropped).length >= 2, `the dropped range ${dropped} was requested again (${JSON.stringify(ranges)})`);
    assert.ok(resumed.length > 0, `a request resumed from a non-zero offset (Range headers seen: ${JSON.stringify(ranges)})`);
});

test("a sha256 mismatch is rejected and the file removed", async () => {
    const dir = freshDir("sha");
    await assert.rejects(
        downloadModel({uri: `${base}/files/model.gguf`, dir, fileName: "bad.gguf", sha256: "0".repeat(64)}),
        (err: unknown) => err instanceof DownloadError && err.code === "checksum-mismatch" && /sha256/.test(err.message) && /removed/.test(err.message));
    assert.equal(existsSync(join(dir, "bad.gguf")), false);
    assert.equal(existsSync(join(dir, ".partial", "bad.gguf")), false);
});

test("a wrong expected size is rejected and the file removed", async () => {
    const dir = freshDir("size");
    await assert.rejects(
        downloadModel({uri: `${base}/files/model.gguf`, dir, fileName: "s.gguf", expectedBytes: body.length + 1}),
        (err: unknown) => err instanceof DownloadError && err.code === "size-mismatch");
    assert.equal(existsSync(join(dir, "s.gguf")), false);
});

test("a 404 says the file was not found and what to do", async () => {
    const dir = freshDir("404");
    await assert.rejects(
        downloadModel({uri: `${base}/nope/missing.gguf`, dir, fileName: "x.gguf"}),
        (err: unknown) => err instanceof DownloadError && err.code === "not-found" && /not found/.test(err.message) && /choose another/.test(err.message));
    assert.equal(existsSync(join(dir, "x.gguf")), false);
});

test("a refused connection says the server cannot be reached and what to do", async () => {
    const dir = freshDir("refused");
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    await assert.rejects(
        downloadModel({uri: `http://127.0.0.1:${port}/model.gguf`, dir, fileName: "y.gguf"}),
        (err: unknown) => err instanceof DownloadError && err.code === "offline" && /Cannot reach/.test(err.message) && /resumes/.test(err.message));
});

/** A port on 127.0.0.1 that nothing listens on: a connection to it is refused. */
async function closedPort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    return port;
}

test("alternative sources: the first answers 404, the second refuses, the third serves: the file comes from the third", async () => {
    const dir = freshDir("alternatives");
    ranges.length = 0;
    const path = await downloadModel({
        uri: `${base}/gone/model-404.gguf`,
        alternatives: [`${base}/forbidden/model.gguf`, `${base}/mirror/model.gguf`],
        dir, fileName: "alt.gguf", sha256: sha
    });
    assert.equal(path, join(dir, "alt.gguf"));
    assert.equal(createHash("sha256").update(readFileSync(path)).digest("hex"), sha);
    assert.ok(ranges.length > 0, "the mirror served the file");
});

test("alternative sources all failing: the message lists each URL with its answer and points at the conversion", async () => {
    const dir = freshDir("alternatives-fail");
    const port = await closedPort();
    const sources = [`${base}/gone/model-404.gguf`, `${base}/forbidden/model.gguf`, `http://127.0.0.1:${port}/model.gguf`];
    const err = await downloadModel({uri: sources[0]!, alternatives: sources.slice(1), dir, fileName: "none.gguf"}).then(
        () => assert.fail("no source serves the file"), (e: unknown) => e);
    assert.ok(err instanceof DownloadError, String(err));
    const lines = err.message.split("\n");
    assert.match(lines[0]!, /could not be downloaded from any of its 3 sources/);
    assert.equal(lines[1], `  ${sources[0]}: HTTP 404 not found`);
    assert.equal(lines[2], `  ${sources[1]}: refused: HTTP 403 Forbidden`);
    assert.equal(lines[3], `  ${sources[2]}: connection refused`);
    assert.match(err.message, /models\/README\.md/);
    assert.match(err.message, /convert the official weights/);
    assert.equal(existsSync(join(dir, "none.gguf")), false);
});

test("cancelling stops the download with a clear message and leaves no complete-looking file", async () => {
    const dir = freshDir("cancel");
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(downloadModel({uri: `${base}/files/model.gguf`, dir, fileName: "c.gguf", signal: controller.signal}),
        (err: unknown) => err instanceof DownloadError && err.code === "cancelled");
    assert.equal(existsSync(join(dir, "c.gguf")), false);
});

test("a cancelled download resumes in a second attempt: only the rest is requested, and the file ends byte-identical", async () => {
    const dir = freshDir("two-attempts");
    ranges.length = 0;
    bytesServed = 0;
    // ipull fetches 5 MB chunks over parallel ranged streams and keeps whole chunks: the server gives 7 MB and stalls,
    // so the first chunk (0-5 MB) is complete and the second is half done when the user cancels.
    stallAt = 7 * 1024 * 1024;
    const controller = new AbortController();
    let seen = 0;
    const first = downloadModel({
        uri: `${base}/files/model.gguf`, dir, fileName: "two.gguf", sha256: sha, signal: controller.signal,
        onProgress: (p) => { seen = Math.max(seen, p.downloadedBytes); }
    });
    const firstSettled = first.then(() => "resolved", (err: unknown) => err);
    try {
        // The user cancels once the first chunk is on disk (ipull writes each chunk when it completes).
        const deadline = Date.now() + 60_000;
        while (((await partialDownload(dir, "two.gguf"))?.downloadedBytes ?? 0) === 0) {
            assert.ok(Date.now() < deadline, "the first chunk was written within a minute");
            await new Promise((r) => setTimeout(r, 50));
        }
        controller.abort();
        const outcome = await firstSettled;
        assert.ok(outcome instanceof DownloadError && outcome.code === "cancelled" && /resume/.test(outcome.message), `cancelled, got ${String(outcome)}`);
    } finally {
        stallAt = 0;
        server.closeAllConnections(); // the stalled response
    }
    assert.equal(existsSync(join(dir, "two.gguf")), false, "no complete-looking file after the cancelled attempt");
    assert.equal(await isDownloadInProgress(dir, "two.gguf"), true);
    const partial = await partialDownload(dir, "two.gguf");
    assert.ok(partial != null, "the partial download is described");
    assert.equal(partial.totalBytes, body.length);
    assert.ok(partial.downloadedBytes >= 5 * 1024 * 1024 && partial.downloadedBytes < body.length,
        `at least the first 5 MB chunk is kept (${partial.downloadedBytes} of ${partial.totalBytes})`);
    const firstAttemptRanges = ranges.length;
    const servedFirst = bytesServed;
    bytesServed = 0;

    const path = await downloadModel({uri: `${base}/files/model.gguf`, dir, fileName: "two.gguf", sha256: sha});
    assert.ok(readFileSync(path).equals(body), "byte-identical after the second attempt");
    // Our probe asks for one byte; ipull's size request has no Range: the data requests are the rest.
    const second = ranges.slice(firstAttemptRanges).filter((r) => r !== "bytes=0-0" && r !== "");
    assert.ok(second.length > 0, "the second attempt made requests");
    assert.ok(second.every((r) => /^bytes=(\d+)-/.test(r) && Number(/^bytes=(\d+)-/.exec(r)![1]) >= partial.downloadedBytes),
        `the second attempt asked only for the rest, from ${partial.downloadedBytes} (Range headers: ${JSON.stringify(second)})`);
    assert.ok(bytesServed - 1 <= body.length - partial.downloadedBytes,
        `the second attempt was served ${bytesServed - 1} bytes, the rest is ${body.length - partial.downloadedBytes} (first attempt: ${servedFirst})`);
    assert.equal(await isDownloadInProgress(dir, "two.gguf"), false);
    assert.equal(await partialDownload(dir, "two.gguf"), undefined);
});

test("the server stops sending: the attempt gives up by itself, keeps what it has, and the next attempt fetches only the rest", async () => {
    const dir = freshDir("stalled");
    ranges.length = 0;
    bytesServed = 0;
    stallAt = 7 * 1024 * 1024; // the first 5 MB chunk completes, then no more bytes ever come
    let outcome: unknown;
    try {
        outcome = await downloadModel({uri: `${base}/files/model.gguf`, dir, fileName: "stalled.gguf", sha256: sha, stallTimeoutMs: 3000})
            .then(() => "resolved", (err: unknown) => err);
    } finally {
        stallAt = 0;
        server.closeAllConnections();
    }
    assert.ok(outcome instanceof DownloadError && outcome.code === "offline" && /stalled/.test(outcome.message) && /resumes/.test(outcome.message),
        `gave up with a clear message, got ${String(outcome)}`);
    assert.equal(existsSync(join(dir, "stalled.gguf")), false, "no complete-looking file");
    const partial = await partialDownload(dir, "stalled.gguf");
    assert.ok(partial != null && partial.downloadedBytes >= 5 * 1024 * 1024, `the first chunk is kept: ${JSON.stringify(partial)}`);
    const firstAttemptRanges = ranges.length;
    bytesServed = 0;
    const path = await downloadModel({uri: `${base}/files/model.gguf`, dir, fileName: "stalled.gguf", sha256: sha});
    assert.ok(readFileSync(path).equals(body), "byte-identical");
    const second = ranges.slice(firstAttemptRanges).filter((r) => r !== "bytes=0-0" && r !== "");
    assert.ok(second.every((r) => Number(/^bytes=(\d+)-/.exec(r)?.[1] ?? -1) >= partial.downloadedBytes), `only the rest: ${JSON.stringify(second)}`);
    assert.ok(bytesServed - 1 <= body.length - partial.downloadedBytes, `served ${bytesServed - 1}, rest ${body.length - partial.downloadedBytes}`);
});
