import * as vscode from "vscode";
import {CommandIds, modelConfiguredContextKey} from "./commandIds";
import {Disposable} from "./disposable";
import type {Log} from "./log";
import {configuredModelName} from "./modelName";
import {onEngineSettingsChange, readSettings} from "./settings";

/**
 * The status bar item: the model and the device it runs on; clicking it chooses a model (on a server backend: tests the
 * server). Shown at activation from the settings alone (no engine, no node-llama-cpp: the extension's entry bundle
 * makes it, see src/extension.ts); the device is added after the first request says which one ran.
 */
export class ModelStatusBar extends Disposable {
    private readonly item = this._register(vscode.window.createStatusBarItem("elasticMath.model", vscode.StatusBarAlignment.Right, 100));
    private device: string | null = null;
    private shown = false;

    public constructor(private readonly log: Log) {
        super();
        this.item.name = vscode.l10n.t("Elastic Math model");
        this.item.command = CommandIds.chooseModel;
        this._register(onEngineSettingsChange(() => {
            this.device = null;
            this.update();
        }));
        this.update();
        this.item.show();
        this.shown = true;
    }

    /** What the item shows now (the extension's API reports it). */
    public get state(): {readonly shown: boolean; readonly text: string; readonly command: string | undefined} {
        const command = this.item.command;
        return {shown: this.shown, text: this.item.text, command: typeof command === "string" ? command : command?.command};
    }

    public setDevice(device: string): void {
        this.device = device;
        this.update();
    }

    private update(): void {
        const settings = readSettings();
        const {modelPath, modelName} = configuredModelName(settings);
        // The walkthrough's first step ("Get a model") is done once a model (or a server) is configured.
        void vscode.commands.executeCommand("setContext", modelConfiguredContextKey, modelPath !== "").then(undefined,
            (err) => this.log.warn(`setting the context ${modelConfiguredContextKey} failed: ${String(err)}`));
        if (modelPath === "") {
            this.item.command = CommandIds.chooseModel;
            this.item.text = `$(circle-slash) ${vscode.l10n.t("Elastic Math: no model")}`;
            this.item.tooltip = vscode.l10n.t("No model is configured. Click to download or choose a model.");
            return;
        }
        this.item.text = `$(symbol-numeric) ${modelName}${this.device != null ? ` · ${shortDevice(this.device)}` : ""}`;
        if (settings.backend === "server") {
            // On a server the local model pick does not apply: the click checks the server instead.
            this.item.command = CommandIds.testServerConnection;
            this.item.tooltip = new vscode.MarkdownString(
                `**${vscode.l10n.t("Elastic Math on a server")}**\n\n${modelName}\n\n${vscode.l10n.t("Click to test the server connection (the server is set in elasticMath.server.*).")}`);
            return;
        }
        this.item.command = CommandIds.chooseModel;
        this.item.tooltip = new vscode.MarkdownString(
            `**${vscode.l10n.t("Elastic Math model")}**\n\n${modelPath}\n\n${vscode.l10n.t("Device: {0}", this.device ?? vscode.l10n.t("not loaded yet"))}\n\n${vscode.l10n.t("Click to choose another model.")}`);
    }
}

function shortDevice(device: string): string {
    return device.split(" (")[0];
}
