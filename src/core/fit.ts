/**
 * Does a model fit this machine? Answered by node-llama-cpp's GGUF insights (readGgufFileInfo + GgufInsights'
 * configurationResolver), which know the real weight sizes from the tensor infos and the KV cache from the
 * architecture, for a file on disk or a remote file's header (read over HTTP ranges, a few MB at most). When no
 * header can be read (offline, the server refuses), a size-based estimate stands in, and says it is one.
 *
 * When it does not fit, the advice is a smaller quantization (from the catalog entry's files) or, with a GPU, a
 * CPU/GPU split (some layers on the GPU, the rest in RAM), which node-llama-cpp's "auto" gpuLayers does itself.
 */
import * as os from "node:os";
import {formatBytes} from "./catalog";
import {describeError, type Logger} from "./logger";

export interface FitReport {
    /** "insights": from the GGUF header; "estimate": from the file size alone (no header could be read). */
    readonly basis: "insights" | "estimate";
    readonly fits: boolean;
    /** Bytes of RAM (and VRAM) the model and a context of `contextSize` need, as resolved. */
    readonly ramBytes: number;
    readonly vramBytes: number;
    readonly ramTotal: number;
    readonly vramTotal: number;
    /** Layers resolved onto the GPU, of the model's total (0 of N on a CPU-only machine). */
    readonly gpuLayers: number;
    readonly totalLayers: number;
    readonly contextSize: number;
    /** Why the header could not be read (estimate only). */
    readonly estimateReason?: string;
}

/** The smallest part of node-llama-cpp this module uses (so tests and callers can pass the loaded module). */
type Lib = typeof import("node-llama-cpp");
type Llama = Awaited<ReturnType<Lib["getLlama"]>>;

export interface AssessFitOptions {
    /** A file path, an http(s) URL, or an `hf:` URI. */
    readonly source: string;
    /** Context size the engine will create (default 8192). */
    readonly contextSize?: number;
    /** A Llama instance (its GPU and memory state); one without a backend is used when absent. */
    readonly llama?: Llama;
    /** Base URL for `hf:` URIs. */
    readonly endpoint?: string;
    readonly signal?: AbortSignal;
    /** Hears what was left out of the verdict (the GPU's memory, when it cannot be read: the verdict then counts none). */
    readonly log?: Logger;
}

/** Reads the GGUF header of `source` and resolves the configuration node-llama-cpp would load. Throws when unreadable. */
export async function assessFit(options: AssessFitOptions): Promise<FitReport> {
    const lib = await import("node-llama-cpp");
    const remote = /^(https?:|hf:)/i.test(options.source);
    const info = await lib.readGgufFileInfo(options.source, {
        logWarnings: false, signal: options.signal,
        // A real model's header carries its vocabulary (several MB); the sizes need none of it.
        ignoreKeys: ["tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges", "tokenizer.ggml.scores"],
        ...(remote ? {sourceType: "network" as const, fetchRetryOptions: {retries: 0}, endpoints: options.endpoint != null ? {huggingFace: options.endpoint} : undefined} : {})
    });
    const insights = await lib.GgufInsights.from(info, options.llama);
    const contextSize = Math.min(options.contextSize ?? 8192, insights.trainContextSize ?? Infinity);
    const r = await insights.configurationResolver.resolveAndScoreConfig({targetContextSize: contextSize});
    const ramTotal = os.totalmem();
    const vram = options.llama != null && options.llama.gpu !== false ? await options.llama.getVramState().catch((err: unknown) => {
        options.log?.warn(`reading the GPU's memory failed (the fit verdict counts no VRAM): ${describeError(err)}`);
        return undefined;
    }) : undefined;
    return {
        basis: "insights",
        fits: r.compatibilityScore > 0 && r.resolvedValues.totalRamUsage <= ramTotal,
        ramBytes: r.resolvedValues.totalRamUsage, vramBytes: r.resolvedValues.totalVramUsage,
        ramTotal, vramTotal: vram?.total ?? 0,
        gpuLayers: r.resolvedValues.gpuLayers, totalLayers: insights.totalLayers, contextSize: r.resolvedValues.contextSize
    };
}

/** The size-based stand-in: weights plus a fifth plus 300 MB for the context, against the machine's RAM. */
export function estimateFit(fileBytes: number, reason: string, ramTotal = os.totalmem()): FitReport {
    const need = fileBytes * 1.2 + 300e6;
    return {basis: "estimate", fits: need <= ramTotal, ramBytes: need, vramBytes: 0, ramTotal, vramTotal: 0, gpuLayers: 0, totalLayers: 0, contextSize: 0, estimateReason: reason};
}

/** {@link assessFit}, falling back to {@link estimateFit} (labelled) when the header cannot be read in `timeoutMs`. */
export async function assessFitOrEstimate(options: AssessFitOptions & {readonly fileBytes: number; readonly timeoutMs?: number}): Promise<FitReport> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 5000);
    const signal = options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
        return await assessFit({...options, signal});
    } catch (err) {
        const why = timeout.aborted ? "the header did not arrive in time" : firstLine(err instanceof Error ? err.message : String(err));
        return estimateFit(options.fileBytes, why);
    }
}

/** One short line for a pick or a message: "fits: needs about 2.1 GB of 25.3 GB RAM (GGUF header)". */
export function describeFit(r: FitReport): string {
    const basis = r.basis === "insights" ? "GGUF header" : "size estimate";
    const gpu = r.vramBytes > 0 ? ` + ${formatBytes(r.vramBytes)} of ${formatBytes(r.vramTotal)} VRAM, ${r.gpuLayers}/${r.totalLayers} layers on GPU` : "";
    return r.fits
        ? `fits: needs about ${formatBytes(r.ramBytes)} of ${formatBytes(r.ramTotal)} RAM${gpu} (${basis})`
        : `does not fit: needs about ${formatBytes(r.ramBytes)} RAM${gpu}, this machine has ${formatBytes(r.ramTotal)} (${basis})`;
}

/** A file of the same model that could be tried instead. */
export interface QuantOption {
    readonly quantization: string;
    readonly bytes: number;
}

/**
 * What to do when a model does not fit: the largest smaller quantization that the estimate says fits, else a
 * CPU/GPU split when a GPU is there, else a smaller model. Undefined when it fits.
 */
export function fitAdvice(r: FitReport, current: QuantOption | undefined, others: readonly QuantOption[]): string | undefined {
    if (r.fits) return undefined;
    // Scale the measured need by the file size ratio: weights dominate, the context part stays.
    const smaller = others
        .filter((q) => current == null || q.bytes < current.bytes)
        .map((q) => ({q, need: current != null && current.bytes > 0 ? r.ramBytes * (q.bytes / current.bytes) : q.bytes * 1.2 + 300e6}))
        .filter((x) => x.need <= r.ramTotal)
        .sort((a, b) => b.q.bytes - a.q.bytes)[0];
    const parts: string[] = [];
    if (smaller != null) parts.push(`try the smaller ${smaller.q.quantization} quantization (${formatBytes(smaller.q.bytes)})`);
    if (r.vramTotal > 0) parts.push(`split it between CPU and GPU: keep "elasticMath.engine.gpu" on auto so node-llama-cpp puts as many layers on the GPU as fit (${r.gpuLayers} of ${r.totalLayers} now) and the rest in RAM`);
    if (parts.length === 0) parts.push("choose a smaller quantization (Q4_K_M or below) or a smaller model");
    return parts.join(", or ");
}

function firstLine(text: string): string {
    return text.split("\n")[0]!.slice(0, 200);
}
