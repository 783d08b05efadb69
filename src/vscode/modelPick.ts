/**
 * The pick of Elastic Math: Choose Model...: installed files (with their fit verdict), the catalog's downloads (fit
 * from their remote GGUF headers, read while the pick is open), a GGUF file on disk, a Hugging Face file. Each row
 * runs the model manager's "use this model" (see modelManager.ts): this file is only the pick.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import {fileNameFor, formatBytes, isNonCommercial, type Catalog, type CatalogFile, type CatalogModel} from "../core/catalog";
import {partialDownload} from "../core/download";
import {estimateFit, type FitReport} from "../core/fit";
import {logged, type Log} from "./log";
import {fitSummary, partialLabel, type ModelManager} from "./modelManager";
import {readSettings} from "./settings";

/** Shows the pick; resolves with the model path in use after the chosen row ran (undefined when none was chosen). */
export async function showModelPick(models: ModelManager, catalog: Catalog, log: Log): Promise<string | undefined> {
    type Item = vscode.QuickPickItem & {run?: () => Promise<string | undefined>};
    // Installed files' headers are read once per pick (the items are built twice: before and after the remote headers).
    const localFits = new Map<string, Promise<string>>();
    const localFitLine = (p: string, entry?: CatalogModel, file?: CatalogFile): Promise<string> => {
        let line = localFits.get(p);
        if (line == null) localFits.set(p, line = models.fitLine(p, entry, file));
        return line;
    };
    const buildItems = async (remote: boolean): Promise<Item[]> => {
        const current = readSettings().modelPath;
        const items: Item[] = [];
        const installed = await models.installed(catalog);
        items.push({label: vscode.l10n.t("Installed"), kind: vscode.QuickPickItemKind.Separator});
        const installedPaths = new Set(installed.map((i) => i.path));
        if (current !== "" && !installedPaths.has(current)) installed.unshift({path: current});
        for (const i of installed)
            items.push({
                label: `${i.path === current ? "$(check) " : ""}${i.entry?.name ?? path.basename(i.path)}`,
                description: [i.file?.quantization, i.entry != null && isNonCommercial(i.entry.license) ? vscode.l10n.t("non-commercial") : undefined].filter(Boolean).join(" · "),
                detail: `${await localFitLine(i.path, i.entry, i.file)}${i.path}`,
                run: () => models.useFile(i.path, i.entry)
            });
        if (installed.length === 0) items.push({label: `$(info) ${vscode.l10n.t("none yet")}`, description: vscode.l10n.t("download one below, or choose a file")});
        items.push({label: vscode.l10n.t("Download"), kind: vscode.QuickPickItemKind.Separator});
        // Each downloadable file's header, read remotely (in parallel, a few seconds at most), else the size estimate.
        const fits = new Map<CatalogFile, FitReport>();
        const files = catalog.models.flatMap((entry) => entry.files);
        if (remote) await forEachLimited(files, 2, async (file) => { fits.set(file, await models.remoteFit(file)); }, log);
        for (const file of files)
            if (!fits.has(file)) fits.set(file, models.knownRemoteFit(file.uri) ?? estimateFit(file.bytes, "the header is being read"));
        for (const entry of catalog.models) {
            for (const file of entry.files) {
                if (installedPaths.has(path.join(models.modelsDir, fileNameFor(entry, file)))) continue;
                const partial = await partialDownload(models.modelsDir, fileNameFor(entry, file));
                const fitText = fitSummary(fits.get(file)!, file, entry.files);
                items.push({
                    label: `$(cloud-download) ${entry.name}`,
                    description: `${file.quantization} · ${formatBytes(file.bytes)} · ${entry.parameters}${entry.default === true ? ` · ${vscode.l10n.t("recommended")}` : ""}`,
                    // What decides the choice first (resume, fit), then the license and the format notes.
                    detail: `${partial != null ? `$(history) ${partialLabel(partial)} · ` : ""}${fitText} · ${isNonCommercial(entry.license) ? `$(warning) ${vscode.l10n.t("{0}: non-commercial use only", entry.license)}` : entry.license}${entry.promptFormat === "chatml" || entry.promptFormat === "llemma-few-shot" ? ` · ${vscode.l10n.t("no thinking phase (answer budget only)")}` : ""}`,
                    run: () => models.download(entry, file)
                });
            }
        }
        for (const entry of catalog.models.filter((m) => m.files.length === 0))
            items.push({label: `$(circle-slash) ${entry.name}`, description: vscode.l10n.t("no download source"), detail: entry.notes ?? vscode.l10n.t("Convert it to GGUF and choose the file (see models/README.md).")});
        items.push({label: "", kind: vscode.QuickPickItemKind.Separator});
        items.push({label: `$(folder-opened) ${vscode.l10n.t("Use a GGUF file on disk...")}`, run: () => models.pickFile()});
        items.push({label: `$(cloud-download) ${vscode.l10n.t("Add from Hugging Face...")}`, description: vscode.l10n.t("hf:<user>/<repo>/<file>.gguf or a URL"), run: () => models.addFromHuggingFace()});
        return items;
    };
    // The pick opens with size estimates (or headers read before) and is updated as the remote headers arrive.
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = vscode.l10n.t("Elastic Math: choose a model");
    qp.placeholder = vscode.l10n.t("Installed models, models to download, or a GGUF file");
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
    }, logged(log, "reading the downloadable models' headers for the pick", undefined)).finally(() => { qp.busy = false; });
    return (await picked)?.run?.();
}

/** Runs `fn` on each item, at most `limit` at a time (reading GGUF headers costs node-llama-cpp a simulated load each). */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>, log: Log): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({length: Math.min(limit, items.length)}, async () => {
        while (next < items.length) await fn(items[next++]!).catch(logged(log, "reading a downloadable model's header", undefined));
    }));
}
