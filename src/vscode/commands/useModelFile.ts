import * as fs from "node:fs/promises";
import * as path from "node:path";
import * as vscode from "vscode";
import {checkModelFile as checkGgufModelFile, modelFileMessage, toGgufError} from "../../core/gguf";
import type {EngineService} from "../engineService";

/** Elastic Math: Use a GGUF Model File on Disk... — picks a .gguf file and stores it in the machine-scoped setting. */
export async function useModelFile(): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({
        title: "Elastic Math: choose a GGUF model file",
        canSelectFiles: true,
        canSelectFolders: false,
        canSelectMany: false,
        openLabel: "Use This Model",
        filters: {"GGUF models": ["gguf"], "All files": ["*"]}
    });
    const uri = picked?.[0];
    if (uri == null) return undefined;
    const problem = await checkModelFile(uri.fsPath);
    if (problem != null) {
        void vscode.window.showErrorMessage(`Elastic Math: ${problem}`);
        return undefined;
    }
    await vscode.workspace.getConfiguration("elasticMath").update("model.path", uri.fsPath, vscode.ConfigurationTarget.Global);
    vscode.window.setStatusBarMessage(`Elastic Math: using ${uri.fsPath}`, 4000);
    return uri.fsPath;
}

/** A check before the file is configured: exists, is a file, is GGUF, and its header passes src/core/gguf's checks. */
export async function checkModelFile(file: string): Promise<string | null> {
    let handle: fs.FileHandle | undefined;
    try {
        const stat = await fs.stat(file);
        if (stat.isDirectory()) return `"${file}" is a folder, not a GGUF model file.`;
        if (stat.size < 32) return `"${file}" is too small (${stat.size} bytes) to be a GGUF model.`;
        handle = await fs.open(file, "r");
        const magic = Buffer.alloc(4);
        await handle.read(magic, 0, 4, 0);
        if (magic.toString("latin1") !== "GGUF") return `"${file}" is not a GGUF model file (it does not start with "GGUF").`;
        // The header's checks (what llama.cpp would abort the extension host on), before the file is configured.
        const refused = await checkGgufModelFile(file).then(() => undefined, (err: unknown) => toGgufError(err));
        return refused != null ? modelFileMessage(path.basename(file), refused) : null;
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return `the model file "${file}" does not exist.`;
        if (code === "EACCES") return `the model file "${file}" cannot be read (permission denied).`;
        return `the model file "${file}" cannot be read: ${(err as Error).message}`;
    } finally {
        await handle?.close();
    }
}

/** Makes sure a model is configured: offers to choose one when none is. Returns false when there still is none. */
export async function ensureModel(engines: EngineService, firstRun?: () => Promise<string | undefined>): Promise<boolean> {
    if (engines.hasModel) return true;
    if (firstRun != null) return (await firstRun()) != null;
    const choice = await vscode.window.showInformationMessage(
        "Elastic Math needs a local GGUF model to solve problems (for example E1-Math-1.5B). Choose a GGUF file you have, or set \"elasticMath.model.path\".",
        "Choose a GGUF File...",
        "Open Settings"
    );
    if (choice === "Choose a GGUF File...") return (await useModelFile()) != null;
    if (choice === "Open Settings") await vscode.commands.executeCommand("workbench.action.openSettings", "elasticMath.model.path");
    return false;
}
