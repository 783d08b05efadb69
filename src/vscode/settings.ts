import * as vscode from "vscode";
import {normalizePresets, type BudgetPreset} from "../core/budgets";
import type {SamplingOptions} from "../core/types";

/** The extension's settings, read in one place. */
export interface Settings {
    readonly modelPath: string;
    readonly askBudgetEveryTime: boolean;
    readonly defaultBudgetLabel: string;
    readonly presets: readonly BudgetPreset[];
    readonly presetProblems: readonly string[];
    readonly threads: number;
    readonly gpu: "auto" | "cpu" | "cuda" | "vulkan" | "metal";
    readonly contextSize: number;
    readonly sampling: SamplingOptions;
    /** Where the model runs: this machine (node-llama-cpp) or a shared inference server (see docs/serving.md). */
    readonly backend: "local" | "server";
    /** The server backend: base URL, model name on the server, API dialect, and the catalog entry giving the prompt format. */
    readonly server: {
        readonly url: string; readonly model: string; readonly api: "auto" | "llama.cpp" | "openai"; readonly catalogModel: string;
        /** No complete event for this long closes a request; the deadline of one request (docs/serving.md). */
        readonly stallTimeoutSeconds: number; readonly deadlineSeconds: number;
    };
    /** Tutor panel: k of the majority vote; think-longer minimum (0 = off). */
    readonly tutor: {readonly voteSamples: number; readonly minThinkingTokens: number};
}

export const settingsSection = "elasticMath";

export function readSettings(): Settings {
    const c = vscode.workspace.getConfiguration(settingsSection);
    const {presets, problems} = normalizePresets(c.get<unknown>("budget.presets"));
    const seed = c.get<number | null>("sampling.seed", null);
    const gpu = c.get<string>("engine.gpu", "auto");
    return {
        modelPath: expandHome(c.get<string>("model.path", "").trim()),
        askBudgetEveryTime: c.get<boolean>("budget.askEveryTime", true),
        defaultBudgetLabel: c.get<string>("budget.default", "Balanced"),
        presets,
        presetProblems: problems,
        threads: Math.max(0, Math.floor(c.get<number>("engine.threads", 0))),
        gpu: (["auto", "cpu", "cuda", "vulkan", "metal"].includes(gpu) ? gpu : "auto") as Settings["gpu"],
        contextSize: Math.max(0, Math.floor(c.get<number>("engine.contextSize", 0))),
        sampling: {
            temperature: c.get<number>("sampling.temperature", 0.6),
            topP: c.get<number>("sampling.topP", 0.95),
            seed: typeof seed === "number" && Number.isInteger(seed) ? seed : undefined
        },
        backend: c.get<string>("backend", "local") === "server" ? "server" : "local",
        server: {
            url: c.get<string>("server.url", "").trim(),
            model: c.get<string>("server.model", "").trim(),
            api: (["auto", "llama.cpp", "openai"].includes(c.get<string>("server.api", "auto")) ? c.get<string>("server.api", "auto") : "auto") as Settings["server"]["api"],
            catalogModel: c.get<string>("server.catalogModel", "e1-math-7b").trim(),
            stallTimeoutSeconds: positiveSetting(c.get<number>("server.stallTimeoutSeconds", 120), 120),
            deadlineSeconds: positiveSetting(c.get<number>("server.deadlineSeconds", 1800), 1800)
        },
        tutor: {
            voteSamples: Math.min(64, Math.max(1, Math.floor(c.get<number>("tutor.voteSamples", 8)) || 8)),
            minThinkingTokens: Math.max(0, Math.floor(c.get<number>("tutor.minThinkingTokens", 0)) || 0)
        }
    };
}

function positiveSetting(n: unknown, fallback: number): number {
    return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : fallback;
}

function expandHome(p: string): string {
    if (p.startsWith("~/") && process.env.HOME) return process.env.HOME + p.slice(1);
    return p;
}
