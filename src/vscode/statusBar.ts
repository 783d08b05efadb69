import * as vscode from "vscode";
import {CommandIds, modelConfiguredContextKey} from "./commandIds";
import {Disposable} from "./disposable";
import type {EngineService} from "./engineService";
import type {Log} from "./log";

/** The status bar item: the model and the device it runs on; clicking it chooses a model (on a server backend: tests the server). */
export class ModelStatusBar extends Disposable {
    private readonly item = this._register(vscode.window.createStatusBarItem("elasticMath.model", vscode.StatusBarAlignment.Right, 100));
    private device: string | null = null;

    public constructor(private readonly engines: EngineService, private readonly log: Log) {
        super();
        this.item.name = "Elastic Math model";
        this.item.command = CommandIds.chooseModel;
        this._register(engines.onDidChange(() => {
            this.device = null;
            this.update();
        }));
        this.update();
        this.item.show();
    }

    public setDevice(device: string): void {
        this.device = device;
        this.update();
    }

    private update(): void {
        const engine = this.engines.current();
        // The walkthrough's first step ("Get a model") is done once a model (or a server) is configured.
        void vscode.commands.executeCommand("setContext", modelConfiguredContextKey, engine.modelPath !== "").then(undefined,
            (err) => this.log.warn(`setting the context ${modelConfiguredContextKey} failed: ${String(err)}`));
        if (engine.modelPath === "") {
            this.item.command = CommandIds.chooseModel;
            this.item.text = "$(circle-slash) Elastic Math: no model";
            this.item.tooltip = "No model is configured. Click to download or choose a model.";
            return;
        }
        this.item.text = `$(symbol-numeric) ${engine.modelName}${this.device != null ? ` · ${shortDevice(this.device)}` : ""}`;
        if (this.engines.settings.backend === "server") {
            // On a server the local model pick does not apply: the click checks the server instead.
            this.item.command = CommandIds.testServerConnection;
            this.item.tooltip = new vscode.MarkdownString(
                `**Elastic Math on a server**\n\n${engine.modelName}\n\nClick to test the server connection (the server is set in elasticMath.server.*).`);
            return;
        }
        this.item.command = CommandIds.chooseModel;
        this.item.tooltip = new vscode.MarkdownString(
            `**Elastic Math model**\n\n${engine.modelPath}\n\nDevice: ${this.device ?? "not loaded yet"}\n\nClick to choose another model.`);
    }
}

function shortDevice(device: string): string {
    return device.split(" (")[0];
}
