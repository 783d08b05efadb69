/**
 * The one owner of "use this model": the catalog (built-in + user entries), Elastic Math: Choose Model... (its pick
 * is modelPick.ts), Use a GGUF File, downloads with a cancellable progress notification, Hugging Face files and the
 * first-run offer all end in {@link ModelManager.useFile}: the file is checked, its catalog mapping set or cleared,
 * the setting written (settings.ts), and a fit warning shown when it does not fit. Every command that needs a model
 * asks {@link ModelManager.ensureModel}. Thin: the logic lives in core/catalog.ts, core/download.ts, core/fit.ts
 * and core/modelTemplate.ts.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import * as vscode from "vscode";
import {
    builtInCatalog, defaultModel, fileNameFor, formatBytes, mergeCatalogs, parseCatalogDocument,
    type Catalog, type CatalogFile, type CatalogModel
} from "../core/catalog";
import {DownloadError, downloadModel, isDownloadInProgress, resolveUrl} from "../core/download";
import {checkModelFile as checkGgufModelFile, modelFileMessage, toGgufError} from "../core/gguf";
import {assessFit, assessFitOrEstimate, describeFit, fitAdvice, type FitReport} from "../core/fit";
import {detectPromptFormat, readGgufPromptInfo} from "../core/modelTemplate";
import {promptFormats, type PromptFormat} from "../core/promptFormat";
import {userMessage, type ErrorSurface} from "./errors";
import {logFailure, logged, type Log} from "./log";
import {showModelPick} from "./modelPick";
import {configuredModel, readSettings, writeModelPath} from "./settings";

const catalogIdByPathKey = "elasticMath.catalogIdByPath";

/** The first-run offer's words (the notification here, and the solution panel's card: firstRunCard.ts). */
export const firstRunMessage = (): string => vscode.l10n.t("Elastic Math needs a local model to solve problems. Download the recommended one, or choose a GGUF file you have.");
export const chooseFileLabel = (): string => vscode.l10n.t("Choose a GGUF file...");
type FitLlama = NonNullable<Parameters<typeof assessFit>[0]["llama"]>;

export class ModelManager {
    private reported = new Set<string>();
    /** Remote header verdicts, by URI, for this session (an estimate is not kept: the next pick tries again). */
    private readonly remoteFits = new Map<string, FitReport>();

    public constructor(private readonly context: vscode.ExtensionContext, private readonly log: Log, private readonly errors: ErrorSurface) {}

    /** Built-in entries, then `elasticMath.models.catalog` entries, then `<global storage>/catalog.json`. */
    public async catalog(): Promise<Catalog> {
        const parts: Catalog[] = [builtInCatalog()];
        const fromSettings = readSettings().models.catalog;
        if (Array.isArray(fromSettings) && fromSettings.length > 0) parts.push(parseCatalogDocument(fromSettings, "settings"));
        const file = vscode.Uri.joinPath(this.context.globalStorageUri, "catalog.json").fsPath;
        try {
            const text = await fs.readFile(file, "utf8");
            try { parts.push(parseCatalogDocument(JSON.parse(text), "user file")); } catch (err) {
                parts.push({models: [], problems: [`catalog (user file ${file}): not valid JSON: ${(err as Error).message}`]});
            }
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "ENOENT") logFailure(this.log, `reading the user catalog ${file}`, err);
        }
        const merged = mergeCatalogs(...parts);
        const fresh = merged.problems.filter((p) => !this.reported.has(p));
        if (fresh.length > 0) {
            fresh.forEach((p) => this.reported.add(p));
            void vscode.window.showWarningMessage(fresh.length === 1 ? vscode.l10n.t("Elastic Math: a model entry was ignored: {0}", fresh.join("; "))
                : vscode.l10n.t("Elastic Math: some model entries were ignored: {0}", fresh.join("; ")));
        }
        return merged;
    }

    /** Where downloads go: `elasticMath.models.folder`, else the extension's global storage. */
    public get modelsDir(): string {
        const configured = readSettings().models.folder;
        return configured !== "" ? configured : path.join(this.context.globalStorageUri.fsPath, "models");
    }

    private get endpoint(): string | undefined {
        const fromSetting = readSettings().models.huggingFaceEndpoint;
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
            return detectPromptFormat(await readGgufPromptInfo(modelPath), readSettings().modelThinking);
        } catch (err) {
            // The engine reports an unreadable file itself, with a clear message; the log keeps why the format was not read.
            logFailure(this.log, `reading the prompt format of ${modelPath}`, err);
            return undefined;
        }
    }

    /** The one write of "use this model": the catalog mapping of the path (set, or cleared for a plain file), then the setting. */
    private async use(modelPath: string, entry?: CatalogModel): Promise<void> {
        const map = {...this.context.globalState.get<Record<string, string>>(catalogIdByPathKey, {})};
        if (entry != null) map[modelPath] = entry.id; else delete map[modelPath];
        await this.context.globalState.update(catalogIdByPathKey, map);
        await writeModelPath(modelPath);
        this.log.info(`using ${modelPath}${entry != null ? ` (catalog entry ${entry.id})` : ""}`);
        vscode.window.setStatusBarMessage(vscode.l10n.t("Elastic Math: using {0}", path.basename(modelPath)), 4000);
    }

    /** Whether a model is configured (a GGUF path, or a server URL on the server backend). */
    public get hasModel(): boolean {
        return configuredModel(readSettings()) !== "";
    }

    /** Makes sure a model is configured: shows the first-run offer when none is. False when there still is none. */
    public async ensureModel(): Promise<boolean> {
        return this.hasModel || (await this.offerFirstRun()) != null;
    }

    /**
     * Elastic Math: Choose Model... With `args.path` (scripts, tests) it uses that file without asking;
     * with `args.catalogId` it downloads that entry's file (the first, or the given quantization).
     */
    public async choose(args?: {path?: string; catalogId?: string; quantization?: string}): Promise<string | undefined> {
        if (typeof args?.path === "string") return this.useFile(args.path);
        const catalog = await this.catalog();
        if (typeof args?.catalogId === "string") {
            const entry = catalog.models.find((m) => m.id === args.catalogId);
            const file = entry?.files.find((f) => args.quantization == null || f.quantization === args.quantization);
            if (entry == null || file == null) {
                void vscode.window.showErrorMessage(args.quantization ? vscode.l10n.t("Elastic Math: no catalog model \"{0}\" with {1}.", args.catalogId, args.quantization)
                    : vscode.l10n.t("Elastic Math: no catalog model \"{0}\".", args.catalogId));
                return undefined;
            }
            return this.download(entry, file);
        }
        return showModelPick(this, catalog, this.log);
    }

    /** Installed files: the models folder's .gguf files, with their catalog entry when they came from one. */
    public async installed(catalog: Catalog): Promise<{path: string; entry?: CatalogModel; file?: CatalogFile}[]> {
        let names: string[] = [];
        try { names = (await fs.readdir(this.modelsDir)).filter((n) => /\.gguf$/i.test(n)); } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "ENOENT") logFailure(this.log, `listing the models folder ${this.modelsDir}`, err);
        }
        return names.map((name) => {
            for (const entry of catalog.models)
                for (const file of entry.files)
                    if (fileNameFor(entry, file) === name) return {path: path.join(this.modelsDir, name), entry, file};
            return {path: path.join(this.modelsDir, name)};
        });
    }

    /** Uses a model file (checked first; warned about when it does not fit). Resolves with the path, or undefined when refused. */
    public async useFile(file: string, entry?: CatalogModel): Promise<string | undefined> {
        if (await isDownloadInProgress(path.dirname(file), path.basename(file)) && !(await exists(file))) {
            void vscode.window.showErrorMessage(vscode.l10n.t("Elastic Math: \"{0}\" is still being downloaded. Wait for the download to finish.", file));
            return undefined;
        }
        const problem = await checkModelFile(file);
        if (problem != null) {
            void vscode.window.showErrorMessage(vscode.l10n.t("Elastic Math: {0}", problem));
            return undefined;
        }
        await this.use(file, entry);
        const tooBig = await this.fitProblem(file);
        if (tooBig != null) {
            this.log.warn(`${file} is in use but will not be loaded: ${tooBig}`);
            void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: {0}", tooBig));
        }
        return file;
    }

    /** A downloadable file's verdict already read from its remote header in this session. */
    public knownRemoteFit(uri: string): FitReport | undefined {
        return this.remoteFits.get(uri);
    }

    /** A downloadable file's verdict from its remote header (else a size estimate). */
    public async remoteFit(file: CatalogFile): Promise<FitReport> {
        const known = this.remoteFits.get(file.uri);
        if (known != null) return known;
        const source = resolveUrl(file.uri, this.endpoint) ?? file.uri;
        const report = await assessFitOrEstimate({source, endpoint: this.endpoint, fileBytes: file.bytes, contextSize: this.contextSize, timeoutMs: 4000, llama: await this.llamaForFit(), log: this.log});
        if (report.basis === "insights") this.remoteFits.set(file.uri, report);
        return report;
    }

    private get contextSize(): number {
        const n = readSettings().contextSize;
        return n > 0 ? n : 8192;
    }

    /**
     * The Llama whose GPU and memory the verdicts use: the configured backend ("auto": the best available), so a
     * model that fits only split between VRAM and RAM is judged with the GPU. Undefined when none can start (the
     * insights then assume the CPU).
     */
    private fitLlama: {gpu: string; llama: Promise<FitLlama | undefined>} | undefined;
    private async llamaForFit(): Promise<FitLlama | undefined> {
        const gpu = readSettings().gpu;
        if (this.fitLlama?.gpu !== gpu) {
            const lib = import("node-llama-cpp");
            this.fitLlama = {gpu, llama: lib.then((l) => l.getLlama({
                gpu: gpu === "cpu" ? false : gpu as "auto", maxThreads: 0, build: "never", progressLogs: false, logLevel: l.LlamaLogLevel.error
            })).catch(logged(this.log, "starting llama.cpp to judge whether models fit (judged for the CPU instead)", undefined))};
        }
        return this.fitLlama.llama;
    }

    /** A local file's verdict by its GGUF header (undefined when the header cannot be read: the engine says why). */
    public async fitOf(modelPath: string): Promise<FitReport | undefined> {
        try { return await assessFit({source: modelPath, contextSize: this.contextSize, llama: await this.llamaForFit(), log: this.log}); } catch (err) {
            logFailure(this.log, `reading the GGUF header of ${modelPath} to judge its fit`, err);
            return undefined;
        }
    }

    /** "<fit verdict> · " for a pick row ("" when the header cannot be read; a file llama.cpp would abort on says why). */
    public async fitLine(modelPath: string, entry?: CatalogModel, file?: CatalogFile): Promise<string> {
        const refused = await checkGgufModelFile(modelPath).then(() => undefined, (err: unknown) => toGgufError(err));
        if (refused != null) return `$(error) ${vscode.l10n.t("cannot be used: {0}", refused.detail)} · `;
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
        const advice = fitAdvice(r, file ?? {quantization: "", bytes: (await fs.stat(modelPath).catch(logged(this.log, `reading the size of ${modelPath}`, {size: 0}))).size}, entry?.files ?? []);
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
            title: vscode.l10n.t("Elastic Math: choose a GGUF model file"), canSelectFiles: true, canSelectFolders: false, canSelectMany: false,
            openLabel: vscode.l10n.t("Use This Model"), filters: {[vscode.l10n.t("GGUF models")]: ["gguf"], [vscode.l10n.t("All files")]: ["*"]}
        });
        return picked?.[0] != null ? this.useFile(picked[0].fsPath) : undefined;
    }

    public async addFromHuggingFace(): Promise<string | undefined> {
        const uri = await vscode.window.showInputBox({
            title: vscode.l10n.t("Elastic Math: add a model from Hugging Face"),
            prompt: vscode.l10n.t("hf:<user>/<repo>/<file>.gguf, or an https:// URL of a .gguf file"),
            placeHolder: "hf:bartowski/DeepSeek-R1-Distill-Qwen-1.5B-GGUF/DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf",
            ignoreFocusOut: true,
            validateInput: (v) => /^(hf:[^/\s]+\/[^/\s]+\/\S+\.gguf|https?:\/\/\S+\.gguf(\?\S*)?)$/i.test(v.trim()) ? undefined
                : vscode.l10n.t("Give hf:<user>/<repo>/<file>.gguf or a URL ending in .gguf")
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
                location: vscode.ProgressLocation.Notification, title: vscode.l10n.t("Downloading {0}", `${entry.name}${file.quantization ? ` ${file.quantization}` : ""}`), cancellable: true
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
                            const left = Number.isFinite(p.secondsLeft) ? vscode.l10n.t("{0} left", formatDuration(p.secondsLeft)) : "";
                            progress.report({
                                increment: Math.max(0, pct - reported),
                                message: [vscode.l10n.t("{0} of {1}", formatBytes(p.downloadedBytes), formatBytes(p.totalBytes)), speed, left].filter(Boolean).join(" · ")
                            });
                            reported = Math.max(reported, pct);
                        },
                        onVerifying: () => progress.report({message: vscode.l10n.t("verifying...")})
                    });
                } finally {
                    sub.dispose();
                }
            });
            if (await this.useFile(done, entry) == null) return undefined;
            void vscode.window.showInformationMessage(vscode.l10n.t("Elastic Math: {0} is downloaded and in use ({1}).", entry.name, done));
            return done;
        } catch (err) {
            if (err instanceof DownloadError && err.code === "cancelled") {
                this.log.info(`download of ${entry.name} cancelled: ${err.message}`);
                vscode.window.setStatusBarMessage(userMessage(err), 6000);
                return undefined;
            }
            this.errors.show(err, `downloading ${entry.name} (${file.uri})`);
            return undefined;
        }
    }

    /**
     * The first-run offer (no model configured): "Download E1-Math-1.5B (about 1.1 GB)" or "Choose a GGUF file...".
     * Resolves with the model path when one is ready, undefined otherwise. The chat view can call it too.
     */
    public async offerFirstRun(): Promise<string | undefined> {
        const offer = await this.firstRunOffer();
        const chooseFile = chooseFileLabel();
        const buttons = [...(offer != null ? [offer.label] : []), chooseFile];
        this.log.info(`no model is configured: the first-run offer is shown (${buttons.join(" / ")})`);
        const choice = await vscode.window.showInformationMessage(firstRunMessage(), ...buttons);
        if (offer != null && choice === offer.label) return this.download(offer.entry, offer.file);
        if (choice === chooseFile) return this.pickFile();
        this.log.info(`the first-run offer was ${choice == null ? "dismissed" : `answered "${choice}"`}`);
        return undefined;
    }

    /** The labels of the first-run offer (for views that show it themselves). */
    public async firstRunOffer(): Promise<{label: string; entry: CatalogModel; file: CatalogFile} | undefined> {
        const entry = defaultModel(await this.catalog());
        const file = entry?.files[0];
        if (entry == null || file == null) return undefined;
        return {label: vscode.l10n.t("Download {0} (about {1})", entry.name, formatBytes(file.bytes)), entry, file};
    }
}

/** "partly downloaded (N%) — resume" for an unfinished download (whole chunks kept; see core/download.ts). */
export function partialLabel(p: {downloadedBytes: number; totalBytes: number}): string {
    const pct = p.totalBytes > 0 ? Math.floor((p.downloadedBytes / p.totalBytes) * 100) : 0;
    return vscode.l10n.t("partly downloaded ({0}%) — resume", pct);
}

async function exists(p: string): Promise<boolean> {
    try { await fs.stat(p); return true; } catch { return false; } // absence is the answer, not a failure
}

function formatDuration(seconds: number): string {
    if (seconds < 60) return `${Math.ceil(seconds)} s`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
    return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** A fit verdict as a pick line: a warning icon when it does not fit, what it needs, and the advice if any. */
export function fitSummary(report: FitReport, file: Parameters<typeof fitAdvice>[1], files: Parameters<typeof fitAdvice>[2]): string {
    const advice = fitAdvice(report, file, files);
    return `${report.fits ? "" : "$(warning) "}${describeFit(report)}${advice != null ? `; ${advice}` : ""}`;
}

/** A quick check before the engine loads the file: exists, is a file, starts with the GGUF magic. */
export async function checkModelFile(file: string): Promise<string | null> {
    let handle: fs.FileHandle | undefined;
    try {
        const stat = await fs.stat(file);
        if (stat.isDirectory()) return vscode.l10n.t("\"{0}\" is a folder, not a GGUF model file.", file);
        if (stat.size < 32) return vscode.l10n.t("\"{0}\" is too small ({1} bytes) to be a GGUF model.", file, stat.size);
        handle = await fs.open(file, "r");
        const magic = Buffer.alloc(4);
        await handle.read(magic, 0, 4, 0);
        if (magic.toString("latin1") !== "GGUF") return vscode.l10n.t("\"{0}\" is not a GGUF model file (it does not start with \"GGUF\").", file);
        // The header's checks (what llama.cpp would abort the extension host on), before the file is configured.
        const refused = await checkGgufModelFile(file).then(() => undefined, (err: unknown) => toGgufError(err));
        return refused != null ? modelFileMessage(path.basename(file), refused) : null;
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return vscode.l10n.t("the model file \"{0}\" does not exist.", file);
        if (code === "EACCES") return vscode.l10n.t("the model file \"{0}\" cannot be read (permission denied).", file);
        return vscode.l10n.t("the model file \"{0}\" cannot be read: {1}", file, (err as Error).message);
    } finally {
        await handle?.close();
    }
}
