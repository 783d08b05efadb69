/**
 * The extension's settings, read in one place: every `elasticMath.*` key of package.json is read here (and only
 * here), typed, with the defaults package.json declares. Other modules take a {@link Settings} snapshot; the model
 * path is written only through {@link writeModelPath}.
 */
import * as vscode from "vscode";
import {normalizePresets, type BudgetPreset} from "../core/budgets";
import type {SamplingOptions} from "../core/types";

export type ThinkingSetting = "auto" | "on" | "off";

/** The extension's settings, read in one place. */
export interface Settings {
    readonly modelPath: string;
    /** `elasticMath.model.thinking`: a GGUF outside the catalog: detect a thinking phase from its template, or force it. */
    readonly modelThinking: ThinkingSetting;
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
    /** Downloads: the folder ("" = global storage), the user's catalog entries (raw: core/catalog.ts validates them), a Hugging Face mirror. */
    readonly models: {readonly folder: string; readonly catalog: unknown; readonly huggingFaceEndpoint: string};
    /** `elasticMath.render.macros`, raw (src/render validates it: see renderSettings.ts). */
    readonly renderMacros: unknown;
    readonly chat: {readonly feedThinkingBack: boolean};
}

export const settingsSection = "elasticMath";

/**
 * Every key this module reads, with the default it falls back to (the same as package.json's; the integration test
 * `settings: every key` checks both directions).
 */
export const settingDefaults = {
    "model.path": "",
    "model.thinking": "auto",
    "backend": "local",
    "server.url": "",
    "server.model": "",
    "server.catalogModel": "e1-math-7b",
    "server.api": "auto",
    "server.stallTimeoutSeconds": 120,
    "server.deadlineSeconds": 1800,
    "models.folder": "",
    "models.catalog": [] as unknown[],
    "models.huggingFaceEndpoint": "",
    "budget.askEveryTime": true,
    "budget.default": "Balanced",
    "budget.presets": undefined as unknown, // package.json's list (normalizePresets has the same list built in)
    "engine.threads": 0,
    "engine.gpu": "auto",
    "engine.contextSize": 0,
    "sampling.temperature": 0.6,
    "sampling.topP": 0.95,
    "sampling.seed": null as number | null,
    "render.macros": {} as unknown,
    "tutor.voteSamples": 8,
    "tutor.minThinkingTokens": 0,
    "chat.feedThinkingBack": false
} as const;
export type SettingKey = keyof typeof settingDefaults;

/** The keys whose change makes a new engine (model, device, sampling, backend). */
const engineSections = ["model", "engine", "sampling", "backend", "server"] as const;

export function readSettings(): Settings {
    const c = vscode.workspace.getConfiguration(settingsSection);
    const get = <T>(key: SettingKey): T => c.get<T>(key, settingDefaults[key] as T);
    const {presets, problems} = normalizePresets(c.get<unknown>("budget.presets"));
    const seed = get<number | null>("sampling.seed");
    const gpu = get<string>("engine.gpu");
    const api = get<string>("server.api");
    const thinking = get<string>("model.thinking");
    return {
        modelPath: expandHome(str(get("model.path"))),
        modelThinking: (["auto", "on", "off"].includes(thinking) ? thinking : "auto") as ThinkingSetting,
        askBudgetEveryTime: get<boolean>("budget.askEveryTime") !== false,
        defaultBudgetLabel: str(get("budget.default")) || "Balanced",
        presets,
        presetProblems: problems,
        threads: wholeAtLeast(get("engine.threads"), 0, 0),
        gpu: (["auto", "cpu", "cuda", "vulkan", "metal"].includes(gpu) ? gpu : "auto") as Settings["gpu"],
        contextSize: wholeAtLeast(get("engine.contextSize"), 0, 0),
        sampling: {
            temperature: num(get("sampling.temperature"), settingDefaults["sampling.temperature"]),
            topP: num(get("sampling.topP"), settingDefaults["sampling.topP"]),
            seed: typeof seed === "number" && Number.isInteger(seed) ? seed : undefined
        },
        backend: get<string>("backend") === "server" ? "server" : "local",
        server: {
            url: str(get("server.url")),
            model: str(get("server.model")),
            api: (["auto", "llama.cpp", "openai"].includes(api) ? api : "auto") as Settings["server"]["api"],
            catalogModel: str(get("server.catalogModel")) || settingDefaults["server.catalogModel"],
            stallTimeoutSeconds: positive(get("server.stallTimeoutSeconds"), settingDefaults["server.stallTimeoutSeconds"]),
            deadlineSeconds: positive(get("server.deadlineSeconds"), settingDefaults["server.deadlineSeconds"])
        },
        tutor: {
            voteSamples: Math.min(64, wholeAtLeast(get("tutor.voteSamples"), 1, settingDefaults["tutor.voteSamples"])),
            minThinkingTokens: wholeAtLeast(get("tutor.minThinkingTokens"), 0, 0)
        },
        models: {
            folder: expandHome(str(get("models.folder"))),
            catalog: get<unknown>("models.catalog"),
            huggingFaceEndpoint: str(get("models.huggingFaceEndpoint"))
        },
        renderMacros: get<unknown>("render.macros"),
        chat: {feedThinkingBack: get<boolean>("chat.feedThinkingBack") === true}
    };
}

/**
 * What stands for the configured model: the GGUF path, or for the server backend its URL ("" = none configured).
 * The status bar, the first-run offer and every request decide "is there a model" from this one function.
 */
export function configuredModel(settings: Settings): string {
    return settings.backend === "server" ? settings.server.url : settings.modelPath;
}

/** The values of the engine's settings as one string (equal strings: the same engine). */
export function engineSettingsKey(s: Settings): string {
    return JSON.stringify([s.modelPath, s.modelThinking, s.backend, s.server, s.threads, s.gpu, s.contextSize, s.sampling]);
}

/** Whether a configuration change touches the engine's settings (model, device, sampling, backend, server). */
export function affectsEngine(e: vscode.ConfigurationChangeEvent): boolean {
    return engineSections.some((s) => e.affectsConfiguration(`${settingsSection}.${s}`));
}

/**
 * Calls `listener` when the engine's settings (model, device, sampling, backend, server) change. Any configuration
 * change can change what this host reads for those keys even when the event does not name them (VS Code re-filters
 * machine-scoped values when it re-reads settings: docs/settings.md), so the values are compared too: the status bar
 * and the next request always see the same model.
 */
export function onEngineSettingsChange(listener: () => void): vscode.Disposable {
    let seen = engineSettingsKey(readSettings());
    return vscode.workspace.onDidChangeConfiguration((e) => {
        const now = engineSettingsKey(readSettings());
        const moved = now !== seen;
        seen = now;
        if (affectsEngine(e) || moved) listener();
    });
}

/**
 * Stores the model to use. `elasticMath.model.path` is machine-scoped (a workspace cannot point the extension at a
 * file), and VS Code applies a machine-scoped value only from the settings of the machine the extension runs on:
 * in a remote or browser window (code-server, SSH, containers) that is the remote machine's settings, and a value in
 * the local User settings is ignored there (it seemed to work only until the settings were read again: see
 * docs/settings.md). `ConfigurationTarget.Global` is what VS Code routes to the right file: User settings on the
 * desktop, the remote machine's settings in a remote window.
 */
export async function writeModelPath(modelPath: string): Promise<void> {
    await vscode.workspace.getConfiguration(settingsSection).update("model.path", modelPath, vscode.ConfigurationTarget.Global);
}

function str(v: unknown): string {
    return typeof v === "string" ? v.trim() : "";
}

function num(v: unknown, fallback: number): number {
    return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function wholeAtLeast(v: unknown, min: number, fallback: number): number {
    if (typeof v !== "number" || !Number.isFinite(v)) return fallback;
    return Math.max(min, Math.floor(v));
}

function positive(v: unknown, fallback: number): number {
    return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : fallback;
}

function expandHome(p: string): string {
    if (p.startsWith("~/") && process.env.HOME) return process.env.HOME + p.slice(1);
    return p;
}
