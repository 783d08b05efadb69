/**
 * Downloads a model file with node-llama-cpp's own downloader (ipull: parallel ranged connections, resumable).
 *
 * A file at its final name is always complete and verified:
 * - ipull writes into `<dir>/.partial/<name>.ipull` (with its resume state) and renames to `.partial/<name>` when done;
 * - then the size (the catalog's, when exact) and the sha256 (when known) are checked, and only then is the file moved
 *   to `<dir>/<name>`. A mismatch removes the file and says so.
 * An interrupted download (network drop, VS Code closed) leaves `.partial/<name>.ipull`; the next download of the same
 * file resumes from it. Cancelling keeps it too, so a later download resumes.
 *
 * `hf:` URIs resolve against `endpoint` (default https://huggingface.co/; tests point it at 127.0.0.1).
 */
import {createHash} from "node:crypto";
import {createReadStream} from "node:fs";
import {mkdir, open, rename, rm, stat, type FileHandle} from "node:fs/promises";
import {join} from "node:path";

export type DownloadErrorCode = "offline" | "not-found" | "http-error" | "size-mismatch" | "checksum-mismatch" | "cancelled" | "failed";

export class DownloadError extends Error {
    override readonly name = "DownloadError";
    constructor(readonly code: DownloadErrorCode, message: string, options?: {cause?: unknown; answer?: string}) {
        super(message, options);
        this.answer = options?.answer;
    }

    /** What the source answered, in a few words ("HTTP 404 not found", "connection refused"), when known. */
    readonly answer?: string;
}

export interface DownloadProgress {
    readonly totalBytes: number;
    readonly downloadedBytes: number;
    /** Bytes per second (0 when unknown). */
    readonly bytesPerSecond: number;
    /** Seconds left (Infinity when unknown). */
    readonly secondsLeft: number;
}

export interface DownloadModelOptions {
    /** `hf:<user>/<repo>/<file>`, `hf:<user>/<repo>:<quant>` or an http(s) URL. */
    readonly uri: string;
    /**
     * Other sources of the same file (same forms as `uri`), tried in order when the ones before answer 404, refuse
     * (another 4xx or 5xx) or cannot be reached. The catalog's `alternatives` of a file.
     */
    readonly alternatives?: readonly string[];
    /** The folder the model is saved in. */
    readonly dir: string;
    /** The file name to save as. */
    readonly fileName: string;
    /** Expected size in bytes: checked when given. */
    readonly expectedBytes?: number;
    /** Expected sha256 (hex): checked when given; a mismatch removes the file. */
    readonly sha256?: string | null;
    /** Base URL for `hf:` URIs (default https://huggingface.co/). */
    readonly endpoint?: string;
    readonly signal?: AbortSignal;
    readonly onProgress?: (p: DownloadProgress) => void;
    /** Called once the file is downloaded, while it is being verified. */
    readonly onVerifying?: () => void;
    /**
     * Give up when no byte has arrived for this long (ms; default 60 000): the server died or the network is gone.
     * The finished chunks are kept, so the next attempt resumes. (ipull itself retries for many minutes.)
     */
    readonly stallTimeoutMs?: number;
}

/** Where a download of `fileName` in `dir` keeps its unfinished data. */
export function partialPathFor(dir: string, fileName: string): string {
    return join(dir, ".partial", fileName);
}

/** True while `path` (a final model path) has an unfinished download next to it. */
export async function isDownloadInProgress(dir: string, fileName: string): Promise<boolean> {
    for (const p of [partialPathFor(dir, fileName) + ".ipull", partialPathFor(dir, fileName)]) {
        try { await stat(p); return true; } catch { /* not there */ }
    }
    return false;
}

/** What an unfinished download of `fileName` in `dir` holds (for "partly downloaded (N%) — resume"). */
export interface PartialDownload {
    /** Bytes kept that the next attempt does not download again (whole chunks of ipull's resume state). */
    readonly downloadedBytes: number;
    readonly totalBytes: number;
}

/**
 * Reads the resume state of an unfinished download, or undefined when there is none. ipull keeps the data in
 * `.partial/<name>.ipull` and appends its progress as JSON after the data (`{"part":0,"chunks":[2,2,1,0...],
 * "chunkSize":...}`, 2 = chunk complete): the total size is the file's size less that JSON. A download that finished
 * but was not verified yet (`.partial/<name>`) counts as complete.
 */
export async function partialDownload(dir: string, fileName: string): Promise<PartialDownload | undefined> {
    const data = partialPathFor(dir, fileName);
    try {
        const s = await stat(data);
        if (s.isFile()) return {downloadedBytes: s.size, totalBytes: s.size};
    } catch { /* not there */ }
    let handle: FileHandle | undefined;
    try {
        handle = await open(data + ".ipull", "r");
        const size = (await handle.stat()).size;
        const tailLength = Math.min(size, 1 << 20);
        const tail = Buffer.alloc(tailLength);
        await handle.read(tail, 0, tailLength, size - tailLength);
        const at = tail.lastIndexOf("{\"part\":");
        if (at < 0) return {downloadedBytes: 0, totalBytes: 0};
        const json = tail.subarray(at);
        const state = JSON.parse(json.toString("utf8")) as {chunks?: unknown; chunkSize?: unknown};
        const totalBytes = size - json.length;
        if (!Array.isArray(state.chunks) || typeof state.chunkSize !== "number") return {downloadedBytes: 0, totalBytes};
        const complete = state.chunks.filter((c) => c === 2).length;
        return {downloadedBytes: Math.min(totalBytes, complete * state.chunkSize), totalBytes};
    } catch {
        return undefined;
    } finally {
        await handle?.close().catch(() => undefined);
    }
}

export async function sha256File(path: string): Promise<string> {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    return hash.digest("hex");
}

/** Downloads, verifies and moves into place. Resolves with the final path. Throws {@link DownloadError}. */
export async function downloadModel(options: DownloadModelOptions): Promise<string> {
    const {dir, fileName, signal} = options;
    if (!/^[^\\/]+\.gguf$/i.test(fileName) || fileName.startsWith("."))
        throw new DownloadError("failed", `Not a model file name: ${JSON.stringify(fileName)}`);
    const finalPath = join(dir, fileName);
    const partialDir = join(dir, ".partial");
    const partialPath = join(partialDir, fileName);
    await mkdir(partialDir, {recursive: true});
    if (signal?.aborted) throw new DownloadError("cancelled", "The download was cancelled.");

    // A quick probe of each source first: node-llama-cpp's downloader (ipull) retries a refused connection or a 404
    // for minutes before it gives up; the user should hear at once that they are offline or that the file is gone,
    // and the next source should be tried at once.
    const uri = await firstAnsweringSource([options.uri, ...(options.alternatives ?? [])], options.endpoint, signal);

    const lib = await import("node-llama-cpp");
    let downloader: Awaited<ReturnType<typeof lib.createModelDownloader>>;
    try {
        downloader = await lib.createModelDownloader({
            modelUri: uri,
            dirPath: partialDir,
            fileName,
            skipExisting: true,
            deleteTempFileOnCancel: false,
            parallelDownloads: 1,
            endpoints: options.endpoint != null ? {huggingFace: options.endpoint} : undefined,
            onProgress: (s) => options.onProgress?.({
                totalBytes: s.totalSize,
                downloadedBytes: s.downloadedSize,
                bytesPerSecond: Number.isFinite(s.averageSpeed) ? s.averageSpeed : 0,
                secondsLeft: Number.isFinite(s.estimatedTimeLeft) ? s.estimatedTimeLeft / 1000 : Infinity
            })
        });
    } catch (err) {
        throw classify(err, uri);
    }
    // Stall detection: the downloader's progress events move `lastData`; a watchdog gives up when they stop.
    const stallMs = options.stallTimeoutMs ?? 60_000;
    let lastBytes = -1;
    let lastData = Date.now();
    let watchdog: ReturnType<typeof setInterval> | undefined;
    try {
        // The downloader's own promise does not always settle after a cancel: race it with the signal.
        let onAbort: (() => void) | undefined;
        const stalled = new Promise<never>((_, reject) => {
            watchdog = setInterval(() => {
                const now = downloader.downloadedSize;
                if (now !== lastBytes) { lastBytes = now; lastData = Date.now(); return; }
                if (Date.now() - lastData < stallMs) return;
                clearInterval(watchdog);
                const closed = downloader.cancel({deleteTempFile: false}).catch(() => undefined);
                void Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]).then(() => reject(new DownloadError("offline",
                    `The download of ${uri} stalled: no data for ${Math.round(stallMs / 1000)} s. The server or the network may be down. Download it again later: it resumes where it stopped.`)));
            }, Math.min(1000, Math.max(100, stallMs / 10)));
        });
        const aborted = new Promise<never>((_, reject) => {
            onAbort = () => {
                // Wait (briefly) for the downloader to write its resume state, so the next download continues from it.
                const closed = downloader.cancel({deleteTempFile: false}).catch(() => undefined);
                void Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]).then(() =>
                    reject(new DownloadError("cancelled", "The download was cancelled. Download it again to resume where it stopped.")));
            };
            signal?.addEventListener("abort", onAbort, {once: true});
        });
        try {
            await Promise.race([downloader.download(), aborted, stalled]);
        } finally {
            if (onAbort != null) signal?.removeEventListener("abort", onAbort);
            clearInterval(watchdog);
        }
    } catch (err) {
        if (err instanceof DownloadError) throw err;
        if (signal?.aborted) throw new DownloadError("cancelled", "The download was cancelled. Download it again to resume where it stopped.", {cause: err});
        throw classify(err, uri);
    }
    if (signal?.aborted) throw new DownloadError("cancelled", "The download was cancelled. Download it again to resume where it stopped.");

    options.onVerifying?.();
    const size = (await stat(partialPath)).size;
    const expected = options.expectedBytes ?? (downloader.totalSize > 0 ? downloader.totalSize : undefined);
    if (expected != null && size !== expected) {
        await rm(partialPath, {force: true});
        throw new DownloadError("size-mismatch", `The downloaded file has ${size} bytes, ${expected} were expected; it was removed. Try the download again.`);
    }
    if (options.sha256 != null && options.sha256 !== "") {
        const actual = await sha256File(partialPath);
        if (actual !== options.sha256.toLowerCase()) {
            await rm(partialPath, {force: true});
            throw new DownloadError("checksum-mismatch",
                `The downloaded file's sha256 is ${actual}, not the expected ${options.sha256}; it was removed. The source may have changed: check the catalog entry, then try again.`);
        }
    }
    await rename(partialPath, finalPath);
    return finalPath;
}

/** The http(s) URL of a URI (`hf:<user>/<repo>/<file>` as node-llama-cpp resolves it); null for `hf:<repo>:<quant>`. */
export function resolveUrl(uri: string, endpoint = "https://huggingface.co/"): string | null {
    if (/^https?:\/\//i.test(uri)) return uri;
    const m = /^hf:([^/:\s]+)\/([^/:\s]+)\/([^#\s]+?)(?:#(.+))?$/.exec(uri);
    if (m == null) return null;
    const base = endpoint.endsWith("/") ? endpoint : endpoint + "/";
    return `${base}${m[1]}/${m[2]}/resolve/${encodeURIComponent(m[4] ?? "main")}/${m[3]!.split("/").map(encodeURIComponent).join("/")}`;
}

/** Where models/README.md says how to make a GGUF from the official weights. */
export const CONVERSION_HINT = "Or convert the official weights to GGUF yourself: models/README.md, section \"E1 has no official GGUF: converting one\" " +
    "(llama.cpp's convert_hf_to_gguf.py), then Choose Model... > Use a GGUF file on disk.";

/**
 * The first of `sources` that answers a probe. A 404, a refusal or an unreachable server moves on to the next; when
 * every source fails the error names each one with what it answered, and how to make the file from the official
 * weights instead. A cancel ends at once.
 */
async function firstAnsweringSource(sources: readonly string[], endpoint: string | undefined, signal: AbortSignal | undefined): Promise<string> {
    const failures: {uri: string; error: DownloadError}[] = [];
    for (const uri of sources) {
        try {
            await probe(resolveUrl(uri, endpoint), uri, signal);
            return uri;
        } catch (err) {
            const error = classify(err, uri);
            if (error.code === "cancelled") throw error;
            failures.push({uri, error});
        }
    }
    const codes = new Set(failures.map((f) => f.error.code));
    const code: DownloadErrorCode = codes.size === 1 ? failures[0]!.error.code : "http-error";
    if (failures.length === 1) {
        // One source: its own message (what to do when offline differs from a missing file), and the way out.
        const only = failures[0]!.error;
        throw new DownloadError(only.code, only.code === "offline" ? only.message : `${only.message} ${CONVERSION_HINT}`, {cause: only.cause});
    }
    const lines = failures.map((f) => `  ${resolveUrl(f.uri, endpoint) ?? f.uri}: ${f.error.answer ?? f.error.code}`);
    throw new DownloadError(code, `The model file could not be downloaded from any of its ${failures.length} sources:\n${lines.join("\n")}\n` +
        (code === "offline" ? "Check the internet connection (or proxy), then download again. " : "The sources may have moved: check the catalog entry (models/README.md). ") +
        CONVERSION_HINT, {cause: failures[0]!.error});
}

async function probe(url: string | null, uri: string, signal: AbortSignal | undefined): Promise<void> {
    if (url == null) return;
    const timeout = AbortSignal.timeout(15000);
    let res: Response;
    try {
        res = await fetch(url, {method: "GET", headers: {range: "bytes=0-0"}, redirect: "follow",
            signal: signal != null ? AbortSignal.any([signal, timeout]) : timeout});
    } catch (err) {
        if (signal?.aborted) throw new DownloadError("cancelled", "The download was cancelled.", {cause: err});
        throw classify(err, uri);
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 404 || res.status === 410) throw classify(new Error(`HTTP ${res.status} not found`), uri, `HTTP ${res.status} not found`);
    if (res.status >= 400) throw classify(new Error(`HTTP ${res.status}`), uri, `refused: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`);
}

function classify(err: unknown, uri: string, answer?: string): DownloadError {
    if (err instanceof DownloadError) return err;
    const text = collectMessages(err);
    if (/\b404\b|not found/i.test(text))
        return new DownloadError("not-found", `The model file was not found at ${uri} (404). The catalog entry may be out of date: choose another quantization, or add the model from Hugging Face with its current file name.`, {cause: err, answer: answer ?? "not found (404)"});
    const net = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|ECONNRESET|ETIMEDOUT|fetch failed|network|socket/i;
    if (net.test(text)) {
        const what = /ECONNREFUSED/.test(text) ? "connection refused" : /ENOTFOUND|EAI_AGAIN/.test(text) ? "host not found" : /ETIMEDOUT|timeout/i.test(text) ? "timed out" : "unreachable";
        return new DownloadError("offline", `Cannot reach the server for ${uri} (${firstLine(text)}). Check the internet connection (or proxy), then download again: it resumes where it stopped. Or choose a GGUF file you already have.`, {cause: err, answer: answer ?? what});
    }
    const status = /\b([45]\d\d)\b/.exec(text);
    if (status != null)
        return new DownloadError("http-error", `The server answered ${status[1]} for ${uri}. Try again later, or choose a GGUF file you already have.`, {cause: err, answer: answer ?? `refused: HTTP ${status[1]}`});
    return new DownloadError("failed", `The download of ${uri} failed: ${firstLine(text)}`, {cause: err, answer: answer ?? firstLine(text)});
}

function collectMessages(err: unknown): string {
    const parts: string[] = [];
    let e: unknown = err;
    for (let i = 0; i < 5 && e != null; i++) {
        if (e instanceof Error) {
            parts.push(`${e.name}: ${e.message}`);
            const code = (e as NodeJS.ErrnoException).code;
            if (code != null) parts.push(code);
            e = (e as {cause?: unknown}).cause;
        } else { parts.push(String(e)); break; }
    }
    return parts.join(" | ");
}

function firstLine(text: string): string {
    return text.split("\n")[0]!.slice(0, 300);
}
