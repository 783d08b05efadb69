/** node-llama-cpp itself: loaded lazily, one `Llama` (llama.cpp backend) per GPU option, and the model loading around it. */
import {basename} from "node:path";
import {EngineError, errorMessage} from "./errors";
import type {GpuOption} from "./options";

export type NodeLlamaCpp = typeof import("node-llama-cpp");
type Llama = import("node-llama-cpp").Llama;

let nodeLlamaCpp: Promise<NodeLlamaCpp> | undefined;
/** node-llama-cpp is ESM with native binaries: loaded on first use only. */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
    nodeLlamaCpp ??= import("node-llama-cpp");
    return nodeLlamaCpp;
}

/** A llama.cpp backend shared by every engine of the process, and why it is not the one asked for (if so). */
export interface SharedLlama {
    readonly llama: Llama;
    /** Set when the GPU backend asked for is not available and this is the CPU one. */
    readonly note?: string;
}

/**
 * One `Llama` per GPU option for the whole process, shared by the engines and never disposed: an engine's full
 * create/dispose cycle (getLlama, model, context) left about 86 KB of heap behind inside node-llama-cpp
 * (docs/node-llama-cpp-leak.md), and an editor that rebuilds its engine on settings changes would add it up.
 * Engines dispose their models and contexts only.
 * A failed start is not kept: the next engine tries again.
 */
const shared = new Map<string, Promise<SharedLlama>>();
let started = 0;

/** How many llama.cpp backends this process has started (getLlama calls): diagnostics for the leak above. */
export function llamaBackendsStarted(): number {
    return started;
}

export function sharedLlama(lib: NodeLlamaCpp, gpu: GpuOption): Promise<SharedLlama> {
    const key = String(gpu);
    let p = shared.get(key);
    if (p == null) {
        p = startLlama(lib, gpu);
        shared.set(key, p);
        p.catch(() => { if (shared.get(key) === p) shared.delete(key); });
    }
    return p.then((s) => {
        // Disposed by someone else (node-llama-cpp disposes its backends on process exit): start a new one.
        if (!s.llama.disposed) return s;
        shared.delete(key);
        return sharedLlama(lib, gpu);
    });
}

async function startLlama(lib: NodeLlamaCpp, gpu: GpuOption): Promise<SharedLlama> {
    let note: string | undefined;
    if (gpu !== false) {
        try {
            started++;
            return {llama: await lib.getLlama({...llamaOptions(lib), gpu})};
        } catch (err) {
            note = `The ${gpu === "auto" ? "GPU" : gpuLabel(gpu)} backend is not available (${errorMessage(err)}); running on the CPU.`;
        }
        const cpu = await sharedLlama(lib, false);
        return {llama: cpu.llama, note};
    }
    try {
        started++;
        return {llama: await lib.getLlama({...llamaOptions(lib), gpu: false})};
    } catch (err) {
        throw new EngineError("backend-unavailable", `llama.cpp cannot start on this machine: ${errorMessage(err)}`, {cause: err});
    }
}

function llamaOptions(lib: NodeLlamaCpp) {
    // maxThreads 0: no cap of its own; each context sets its threads (docs/engine.md, "threads").
    return {maxThreads: 0, build: "never" as const, progressLogs: false, logLevel: lib.LlamaLogLevel.error};
}

export function loadError(path: string, err: unknown): EngineError {
    if (err instanceof EngineError) return err;
    return new EngineError("model-load-failed",
        `llama.cpp could not load ${basename(path)}: ${errorMessage(err)}. The file may be corrupt, of an unsupported architecture, or too large for the memory.`,
        {cause: err});
}

export function gpuLabel(gpu: string | false): string {
    switch (gpu) {
        case "cuda": return "CUDA";
        case "vulkan": return "Vulkan";
        case "metal": return "Metal";
        case false: return "CPU";
        default: return String(gpu);
    }
}
