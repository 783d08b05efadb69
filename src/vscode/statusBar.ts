import * as vscode from "vscode";
import {CommandIds, modelConfiguredContextKey, modelStepId} from "./commandIds";
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
    /** Whether a model was configured at the last update (undefined before the first). */
    private modelConfigured: boolean | undefined;
    private markStepTimer: ReturnType<typeof setTimeout> | undefined;

    public constructor(private readonly log: Log) {
        super();
        this.item.name = vscode.l10n.t("Elastic Math model");
        this.item.command = CommandIds.chooseModel;
        this._register(onEngineSettingsChange(() => {
            this.device = null;
            this.update();
        }));
        this._register({dispose: () => clearTimeout(this.markStepTimer)});
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

    /**
     * Marks the walkthrough's "Get a model" step done when a model becomes configured (at activation too). Its completion
     * event, the context key, is not enough: the workbench registers an extension's walkthrough only when the Welcome
     * page or Open Walkthrough first needs it, and a context expression that already holds then is noted as seen
     * without marking the step; later sets of the key change nothing, so with a model configured at startup the step
     * stayed open for the session (VS Code 1.100 and 1.139, WalkthroughsService.registerDoneListeners:
     * docs/testing-vscode.md). The workbench's `welcome.markStepComplete` marks it directly. Before the walkthrough is
     * registered that command fails on the unknown step (1.100 and 1.139 store the step's progress before that check,
     * so the walkthrough shows it done once registered); it is tried again a few times, then the failure is logged.
     */
    private markModelStepDone(attempt: number): void {
        clearTimeout(this.markStepTimer);
        void vscode.commands.executeCommand("welcome.markStepComplete", modelStepId).then(() => {
            if (attempt > 0) this.log.info(`the walkthrough step ${modelStepId} is marked done (try ${attempt + 1})`);
        }, (err) => {
            if (this.disposed) return;
            const wait = MARK_STEP_RETRY_MS[attempt];
            if (wait === undefined) {
                this.log.warn(`marking the walkthrough step ${modelStepId} done failed ${attempt + 1} times: ${String(err)}`);
                return;
            }
            this.log.debug(`marking the walkthrough step ${modelStepId} done failed (try ${attempt + 1}, again in ${wait} ms): ${String(err)}`);
            this.markStepTimer = setTimeout(() => this.markModelStepDone(attempt + 1), wait);
        });
    }

    private update(): void {
        const settings = readSettings();
        const {modelPath, modelName} = configuredModelName(settings);
        // The walkthrough's first step ("Get a model") is done once a model (or a server) is configured.
        const configured = modelPath !== "";
        void vscode.commands.executeCommand("setContext", modelConfiguredContextKey, configured).then(undefined,
            (err) => this.log.warn(`setting the context ${modelConfiguredContextKey} failed: ${String(err)}`));
        if (configured && this.modelConfigured !== true) this.markModelStepDone(0);
        this.modelConfigured = configured;
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

/** Waits before each further try of marking the walkthrough's model step done (ms): about 15 s in all. */
const MARK_STEP_RETRY_MS = [1000, 2000, 4000, 8000];

function shortDevice(device: string): string {
    return device.split(" (")[0];
}
