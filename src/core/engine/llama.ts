/** node-llama-cpp itself: loaded lazily, one `Llama` (llama.cpp backend) per GPU option, and the model loading around it. */
import {basename} from "node:path";
import {EngineError, errorMessage} from "./errors";

export type NodeLlamaCpp = typeof import("node-llama-cpp");
import type {GpuOption} from "./options";

type Llama = import("node-llama-cpp").Llama;

let nodeLlamaCpp: Promise<NodeLlamaCpp> | undefined;
/** node-llama-cpp is ESM with native binaries: loaded on first use only. */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
    nodeLlamaCpp ??= import("node-llama-cpp");
    return nodeLlamaCpp;
}

export async function getLlamaWithFallback(lib: NodeLlamaCpp, gpu: GpuOption, note: (text: string) => void): Promise<Llama> {
    const base = {maxThreads: 0, build: "never" as const, progressLogs: false, logLevel: lib.LlamaLogLevel.error};
    if (gpu !== false) {
        try {
            return await lib.getLlama({...base, gpu});
        } catch (err) {
            note(`The ${gpu === "auto" ? "GPU" : gpuLabel(gpu)} backend is not available (${errorMessage(err)}); running on the CPU.`);
        }
    }
    try {
        return await lib.getLlama({...base, gpu: false});
    } catch (err) {
        throw new EngineError("backend-unavailable", `llama.cpp cannot start on this machine: ${errorMessage(err)}`, {cause: err});
    }
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
