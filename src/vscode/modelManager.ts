/**
 * Choosing and getting a model: the catalog (built-in + user entries), Elastic Math: Choose Model..., downloads
 * with a cancellable progress notification, and the first-run offer. Thin: the logic lives in core/catalog.ts,
 * core/download.ts and core/modelTemplate.ts.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import * as vscode from "vscode";
import {
    builtInCatalog, defaultModel, fileNameFor, formatBytes, isNonCommercial, mergeCatalogs, parseCatalogDocument,
    type Catalog, type CatalogFile, type CatalogModel
} from "../core/catalog";
import {DownloadError, downloadModel, isDownloadInProgress, partialDownload, resolveUrl} from "../core/download";
import {assessFit, assessFitOrEstimate, describeFit, estimateFit, fitAdvice, type FitReport} from "../core/fit";
import {detectPromptFormat, readGgufPromptInfo, type ThinkingMode} from "../core/modelTemplate";
import {promptFormats, type PromptFormat} from "../core/promptFormat";
import {checkModelFile} from "./commands/useModelFile";

const catalogIdByPathKey = "elasticMath.catalogIdByPath";
type FitLlama = NonNullable<Parameters<typeof assessFit>[0]["llama"]>;

export class ModelManager {
    private reported = new Set<string>();
    /** Remote header verdicts, by URI, for this session (an estimate is not kept: the next pick tries again). */
    private readonly remoteFits = new Map<string, FitReport>();

    public constructor(private readonly context: vscode.ExtensionContext) {}

    private get config() { return vscode.workspace.getConfiguration("elasticMath"); }

    /** Built-in entries, then `elasticMath.models.catalog` entries, then `<global storage>/catalog.json`. */
    public async catalog(): Promise<Catalog> {
        const parts: Catalog[] = [builtInCatalog()];
        const fromSettings = this.config.get<unknown>("models.catalog");
        if (Array.isArray(fromSettings) && fromSettings.length > 0) parts.push(parseCatalogDocument(fromSettings, "settings"));
        const file = vscode.Uri.joinPath(this.context.globalStorageUri, "catalog.json").fsPath;
        try {
            const text = await fs.readFile(file, "utf8");
            try { parts.push(parseCatalogDocument(JSON.parse(text), "user file")); } catch (err) {
                parts.push({models: [], problems: [`catalog (user file ${file}): not valid JSON: ${(err as Error).message}`]});
            }
        } catch { /* no user file */ }
        const merged = mergeCatalogs(...parts);
        const fresh = merged.problems.filter((p) => !this.reported.has(p));
        if (fresh.length > 0) {
            fresh.forEach((p) => this.reported.add(p));
            void vscode.window.showWarningMessage(`Elastic Math: ${fresh.length === 1 ? "a model entry was" : "some model entries were"} ignored: ${fresh.join("; ")}`);
        }
        return merged;
    }

    /** Where downloads go: `elasticMath.models.folder`, else the extension's global storage. */
    public get modelsDir(): string {
        const configured = (this.config.get<string>("models.folder") ?? "").trim();
        return configured !== "" ? configured : path.join(this.context.globalStorageUri.fsPath, "models");
    }

    private get endpoint(): string | undefined {
        const fromSetting = (this.config.get<string>("models.huggingFaceEndpoint") ?? "").trim();
        return fromSetting !== "" ? fromSetting : process.env.EMT_HF_ENDPOINT || undefined;
    }

    /** The prompt format of a catalog entry (the server backend builds its prompts from it), or undefined. */
    public async formatForCatalogId(id: string): Promise<PromptFormat | undefined> {
        const entry = (await this.catalog()).models.find((m) => m.id === id);
        if (entry == null || entry.promptFormat === "model-template") return undefined;
        const f = promptFormats.get(entry.promptFormat);
        if (f == null) return undefined;
        return entry.thinking != null && f.thinking != null ? {...f, thinking: entry.thinking} : f;
    }

    /** The prompt format for a model file: its catalog entry's, else detected from the GGUF. */
    public async formatFor(modelPath: string): Promise<PromptFormat | undefined> {
        const map = this.context.globalState.get<Record<string, string>>(catalogIdByPathKey, {});
        const id = map[modelPath];
        if (id != null) {
            const f = await this.formatForCatalogId(id);
            if (f != null) return f;
        }
        try {
            const thinking = this.config.get<ThinkingMode>("model.thinking", "auto");
            return detectPromptFormat(await readGgufPromptInfo(modelPath), thinking);
        } catch {
            return undefined; // the engine reports an unreadable file itself, with a clear message
        }
    }

    private async use(modelPath: string, entry?: CatalogModel): Promise<void> {
        const map = {...this.context.globalState.get<Record<string, string>>(catalogIdByPathKey, {})};
        if (entry != null) map[modelPath] = entry.id; else delete map[modelPath];
        await this.context.globalState.update(catalogIdByPathKey, map);
        await this.config.update("model.path", modelPath, vscode.ConfigurationTarget.Global);
        vscode.window.setStatusBarMessage(`Elastic Math: using ${path.basename(modelPath)}`, 4000);
    }

    /** Installed files: the models folder's .gguf files, with their catalog entry when they came from one. */
    public async installed(catalog: Catalog): Promise<{path: string; entry?: CatalogModel; file?: CatalogFile}[]> {
        let names: string[] = [];
        try { names = (await fs.readdir(this.modelsDir)).filter((n) => /\.gguf$/i.test(n)); } catch { /* none yet */ }
        return names.map((name) => {
            for (const entry of catalog.models)
                for (const file of entry.files)
                    if (fileNameFor(entry, file) === name) return {path: path.join(this.modelsDir, name), entry, file};
            return {path: path.join(this.modelsDir, name)};
        });
    }

    /**
     * Elastic Math: Choose Model... With `args.path` (scripts, tests) it uses that file without asking;
     * with `args.catalogId` it downloads that entry's first file.
     */
    public async choose(args?: {path?: string; catalogId?: string; quantization?: string}): Promise<string | undefined> {
        const catalog = await this.catalog();
        if (typeof args?.path === "string") return this.useFile(args.path);
        if (typeof args?.catalogId === "string") {
            const entry = catalog.models.find((m) => m.id === args.catalogId);
            const file = entry?.files.find((f) => args.quantization == null || f.quantization === args.quantization);
            if (entry == null || file == null) {
                void vscode.window.showErrorMessage(`Elastic Math: no catalog model "${args.catalogId}"${args.quantization ? ` with ${args.quantization}` : ""}.`);
                return undefined;
            }
            return this.download(entry, file);
        }
        type Item = vscode.QuickPickItem & {run?: () => Promise<string | undefined>};
        // Installed files' headers are read once per pick (the items are built twice: before and after the remote headers).
        const localFits = new Map<string, Promise<string>>();
        const localFitLine = (p: string, entry?: CatalogModel, file?: CatalogFile): Promise<string> => {
            let line = localFits.get(p);
            if (line == null) localFits.set(p, line = this.fitLine(p, entry, file));
            return line;
        };
        const buildItems = async (remote: boolean): Promise<Item[]> => {
            const current = this.config.get<string>("model.path", "");
            const items: Item[] = [];
            const installed = await this.installed(catalog);
            items.push({label: "Installed", kind: vscode.QuickPickItemKind.Separator});
            const installedPaths = new Set(installed.map((i) => i.path));
            if (current !== "" && !installedPaths.has(current)) installed.unshift({path: current});
            for (const i of installed)
                items.push({
                    label: `${i.path === current ? "$(check) " : ""}${i.entry?.name ?? path.basename(i.path)}`,
                    description: [i.file?.quantization, i.entry != null && isNonCommercial(i.entry.license) ? "non-commercial" : undefined].filter(Boolean).join(" · "),
                    detail: `${await localFitLine(i.path, i.entry, i.file)}${i.path}`,
                    run: () => this.useFile(i.path, i.entry)
                });
            if (installed.length === 0) items.push({label: "$(info) none yet", description: "download one below, or choose a file"});
            items.push({label: "Download", kind: vscode.QuickPickItemKind.Separator});
            // Each downloadable file's header, read remotely (in parallel, a few seconds at most), else the size estimate.
            const fits = new Map<CatalogFile, FitReport>();
            const files = catalog.models.flatMap((entry) => entry.files);
            if (remote) await forEachLimited(files, 2, async (file) => { fits.set(file, await this.remoteFit(file)); });
            for (const file of files)
                if (!fits.has(file)) fits.set(file, this.remoteFits.get(file.uri) ?? estimateFit(file.bytes, "the header is being read"));
            for (const entry of catalog.models) {
                for (const file of entry.files) {
                    if (installedPaths.has(path.join(this.modelsDir, fileNameFor(entry, file)))) continue;
                    const partial = await partialDownload(this.modelsDir, fileNameFor(entry, file));
                    const fitText = fitSummary(fits.get(file)!, file, entry.files);
                    items.push({
                        label: `$(cloud-download) ${entry.name}`,
                        description: `${file.quantization} · ${formatBytes(file.bytes)} · ${entry.parameters}${entry.default === true ? " · recommended" : ""}`,
                        // What decides the choice first (resume, fit), then the license and the format notes.
                        detail: `${partial != null ? `$(history) ${partialLabel(partial)} · ` : ""}${fitText} · ${isNonCommercial(entry.license) ? `$(warning) ${entry.license}: non-commercial use only` : entry.license}${entry.promptFormat === "chatml" || entry.promptFormat === "llemma-few-shot" ? " · no thinking phase (answer budget only)" : ""}`,
                        run: () => this.download(entry, file)
                    });
                }
            }
            for (const entry of catalog.models.filter((m) => m.files.length === 0))
                items.push({label: `$(circle-slash) ${entry.name}`, description: "no download source", detail: entry.notes ?? "Convert it to GGUF and choose the file (see models/README.md)."});
            items.push({label: "", kind: vscode.QuickPickItemKind.Separator});
            items.push({label: "$(folder-opened) Use a GGUF file on disk...", run: () => this.pickFile()});
            items.push({label: "$(cloud-download) Add from Hugging Face...", description: "hf:<user>/<repo>/<file>.gguf or a URL", run: () => this.addFromHuggingFace()});
            return items;
        };
        // The pick opens with size estimates (or headers read before) and is updated as the remote headers arrive.
        const qp = vscode.window.createQuickPick<Item>();
        qp.title = "Elastic Math: choose a model";
        qp.placeholder = "Installed models, models to download, or a GGUF file";
        qp.matchOnDescription = true;
        qp.matchOnDetail = true;
        qp.busy = true;
        qp.items = await buildItems(false);
        let open = true;
        const picked = new Promise<Item | undefined>((resolve) => {
            qp.onDidAccept(() => { resolve(qp.selectedItems[0]); qp.hide(); });
            qp.onDidHide(() => { open = false; resolve(undefined); qp.dispose(); });
        });
        qp.show();
        void buildItems(true).then((items) => {
            if (!open) return;
            const active = qp.activeItems[0]?.label;
            qp.items = items;
            const again = items.find((i) => i.label === active);
            if (again != null) qp.activeItems = [again];
        }, () => undefined).finally(() => { qp.busy = false; });
        return (await picked)?.run?.();
    }

    public async useFile(file: string, entry?: CatalogModel): Promise<string | undefined> {
        if (await isDownloadInProgress(path.dirname(file), path.basename(file)) && !(await exists(file))) {
            void vscode.window.showErrorMessage(`Elastic Math: "${file}" is still being downloaded. Wait for the download to finish.`);
            return undefined;
        }
        const problem = await checkModelFile(file);
        if (problem != null) {
            void vscode.window.showErrorMessage(`Elastic Math: ${problem}`);
            return undefined;
        }
        await this.use(file, entry);
        const tooBig = await this.fitProblem(file);
        if (tooBig != null) void vscode.window.showWarningMessage(`Elastic Math: ${tooBig}`);
        return file;
    }

    private async remoteFit(file: CatalogFile): Promise<FitReport> {
        const known = this.remoteFits.get(file.uri);
        if (known != null) return known;
        const source = resolveUrl(file.uri, this.endpoint) ?? file.uri;
        const report = await assessFitOrEstimate({source, endpoint: this.endpoint, fileBytes: file.bytes, contextSize: this.contextSize, timeoutMs: 4000, llama: await this.llamaForFit()});
        if (report.basis === "insights") this.remoteFits.set(file.uri, report);
        return report;
    }

    private get contextSize(): number {
        const n = this.config.get<number>("engine.contextSize", 0);
        return n > 0 ? n : 8192;
    }

    /**
     * The Llama whose GPU and memory the verdicts use: the configured backend ("auto": the best available), so a
     * model that fits only split between VRAM and RAM is judged with the GPU. Undefined when none can start (the
     * insights then assume the CPU).
     */
    private fitLlama: {gpu: string; llama: Promise<FitLlama | undefined>} | undefined;
    private async llamaForFit(): Promise<FitLlama | undefined> {
        const gpu = this.config.get<string>("engine.gpu", "auto");
        if (this.fitLlama?.gpu !== gpu) {
            const lib = import("node-llama-cpp");
            this.fitLlama = {gpu, llama: lib.then((l) => l.getLlama({
                gpu: gpu === "cpu" ? false : gpu as "auto", maxThreads: 0, build: "never", progressLogs: false, logLevel: l.LlamaLogLevel.error
            })).catch(() => undefined)};
        }
        return this.fitLlama.llama;
    }

    /** A local file's verdict by its GGUF header (undefined when the header cannot be read: the engine says why). */
    public async fitOf(modelPath: string): Promise<FitReport | undefined> {
        try { return await assessFit({source: modelPath, contextSize: this.contextSize, llama: await this.llamaForFit()}); } catch { return undefined; }
    }

    private async fitLine(modelPath: string, entry?: CatalogModel, file?: CatalogFile): Promise<string> {
        const r = await this.fitOf(modelPath);
        return r == null ? "" : `${fitSummary(r, file, entry?.files ?? [])} · `;
    }

    /**
     * Why a local model should not be loaded on this machine (its GGUF insights say it does not fit), with what to
     * do instead; undefined when it fits or cannot be judged. Used at pick time and before the engine loads it.
     */
    public async fitProblem(modelPath: string): Promise<string | undefined> {
        const r = await this.fitOf(modelPath);
        if (r == null || r.fits) return undefined;
        const {entry, file} = await this.entryFor(modelPath);
        const advice = fitAdvice(r, file ?? {quantization: "", bytes: (await fs.stat(modelPath).catch(() => ({size: 0}))).size}, entry?.files ?? []);
        return `${path.basename(modelPath)} ${describeFit(r)}.${advice != null ? ` ${advice.charAt(0).toUpperCase()}${advice.slice(1)}.` : ""}`;
    }

    private async entryFor(modelPath: string): Promise<{entry?: CatalogModel; file?: CatalogFile}> {
        const catalog = await this.catalog();
        const id = this.context.globalState.get<Record<string, string>>(catalogIdByPathKey, {})[modelPath];
        for (const entry of catalog.models)
            for (const file of entry.files)
                if ((id == null || id === entry.id) && fileNameFor(entry, file) === path.basename(modelPath)) return {entry, file};
        return {};
    }

    public async pickFile(): Promise<string | undefined> {
        const picked = await vscode.window.showOpenDialog({
            title: "Elastic Math: choose a GGUF model file", canSelectFiles: true, canSelectFolders: false, canSelectMany: false,
            openLabel: "Use This Model", filters: {"GGUF models": ["gguf"], "All files": ["*"]}
        });
        return picked?.[0] != null ? this.useFile(picked[0].fsPath) : undefined;
    }

    private async addFromHuggingFace(): Promise<string | undefined> {
        const uri = await vscode.window.showInputBox({
            title: "Elastic Math: add a model from Hugging Face",
            prompt: "hf:<user>/<repo>/<file>.gguf, or an https:// URL of a .gguf file",
            placeHolder: "hf:bartowski/DeepSeek-R1-Distill-Qwen-1.5B-GGUF/DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf",
            ignoreFocusOut: true,
            validateInput: (v) => /^(hf:[^/\s]+\/[^/\s]+\/\S+\.gguf|https?:\/\/\S+\.gguf(\?\S*)?)$/i.test(v.trim()) ? undefined
                : "Give hf:<user>/<repo>/<file>.gguf or a URL ending in .gguf"
        });
        if (uri == null) return undefined;
        const name = decodeURIComponent(uri.trim().split("?")[0]!.split("/").pop()!);
        const entry: CatalogModel = {
            id: name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-"), name: name.replace(/\.gguf$/i, ""), parameters: "?", license: "see the model card",
            promptFormat: "model-template", budgets: {think: 1024, answer: 1024}, contextLength: 4096, origin: "settings",
            files: [{quantization: "", uri: uri.trim(), bytes: 0}]
        };
        return this.download(entry, entry.files[0]!);
    }

    /** Downloads with a cancellable progress notification (bytes, speed, time left), then uses the file. */
    public async download(entry: CatalogModel, file: CatalogFile): Promise<string | undefined> {
        const dir = this.modelsDir;
        const fileName = fileNameFor(entry, file);
        try {
            const done = await vscode.window.withProgress({
                location: vscode.ProgressLocation.Notification, title: `Downloading ${entry.name}${file.quantization ? ` ${file.quantization}` : ""}`, cancellable: true
            }, async (progress, token) => {
                const controller = new AbortController();
                const sub = token.onCancellationRequested(() => controller.abort());
                let reported = 0;
                try {
                    return await downloadModel({
                        uri: file.uri, alternatives: file.alternatives, dir, fileName, endpoint: this.endpoint, signal: controller.signal,
                        expectedBytes: file.exactBytes === true ? file.bytes : undefined, sha256: file.sha256,
                        onProgress: (p) => {
                            const pct = p.totalBytes > 0 ? (p.downloadedBytes / p.totalBytes) * 100 : 0;
                            const speed = p.bytesPerSecond > 0 ? `${formatBytes(p.bytesPerSecond)}/s` : "";
                            const left = Number.isFinite(p.secondsLeft) ? `${formatDuration(p.secondsLeft)} left` : "";
                            progress.report({
                                increment: Math.max(0, pct - reported),
                                message: [`${formatBytes(p.downloadedBytes)} of ${formatBytes(p.totalBytes)}`, speed, left].filter(Boolean).join(" · ")
                            });
                            reported = Math.max(reported, pct);
                        },
                        onVerifying: () => progress.report({message: "verifying..."})
                    });
                } finally {
                    sub.dispose();
                }
            });
            await this.use(done, entry);
            void vscode.window.showInformationMessage(`Elastic Math: ${entry.name} is downloaded and in use (${done}).`);
            return done;
        } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            if (err instanceof DownloadError && err.code === "cancelled") {
                vscode.window.setStatusBarMessage(`Elastic Math: ${message}`, 6000);
                return undefined;
            }
            void vscode.window.showErrorMessage(`Elastic Math: ${message}`, "Choose a GGUF File...").then((c) => {
                if (c != null) void this.pickFile();
            });
            return undefined;
        }
    }

    /**
     * The first-run offer (no model configured): "Download E1-Math-1.5B (about 1.1 GB)" or "Choose a GGUF file...".
     * Resolves with the model path when one is ready, undefined otherwise. The chat view can call it too.
     */
    public async offerFirstRun(): Promise<string | undefined> {
        const offer = await this.firstRunOffer();
        const choice = await vscode.window.showInformationMessage(
            "Elastic Math needs a local model to solve problems. Download the recommended one, or choose a GGUF file you have.",
            ...(offer != null ? [offer.label] : []), "Choose a GGUF file...");
        if (offer != null && choice === offer.label) return this.download(offer.entry, offer.file);
        if (choice === "Choose a GGUF file...") return this.pickFile();
        return undefined;
    }

    /** The labels of the first-run offer (for views that show it themselves). */
    public async firstRunOffer(): Promise<{label: string; entry: CatalogModel; file: CatalogFile} | undefined> {
        const entry = defaultModel(await this.catalog());
        const file = entry?.files[0];
        if (entry == null || file == null) return undefined;
        return {label: `Download ${entry.name} (about ${formatBytes(file.bytes)})`, entry, file};
    }
}

/** "partly downloaded (N%) — resume" for an unfinished download (whole chunks kept; see core/download.ts). */
export function partialLabel(p: {downloadedBytes: number; totalBytes: number}): string {
    const pct = p.totalBytes > 0 ? Math.floor((p.downloadedBytes / p.totalBytes) * 100) : 0;
    return `partly downloaded (${pct}%) — resume`;
}

/** Runs `fn` on each item, at most `limit` at a time (reading GGUF headers costs node-llama-cpp a simulated load each). */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({length: Math.min(limit, items.length)}, async () => {
        while (next < items.length) await fn(items[next++]!).catch(() => undefined);
    }));
}

async function exists(p: string): Promise<boolean> {
    try { await fs.stat(p); return true; } catch { return false; }
}

function formatDuration(seconds: number): string {
    if (seconds < 60) return `${Math.ceil(seconds)} s`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
    return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** A fit verdict as a pick line: a warning icon when it does not fit, what it needs, and the advice if any. */
function fitSummary(report: FitReport, file: Parameters<typeof fitAdvice>[1], files: Parameters<typeof fitAdvice>[2]): string {
    const advice = fitAdvice(report, file, files);
    return `${report.fits ? "" : "$(warning) "}${describeFit(report)}${advice != null ? `; ${advice}` : ""}`;
}
