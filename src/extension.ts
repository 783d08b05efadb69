/**
 * The extension's entry (out/extension.js), kept small so that activation is instant (issue 12, defect 7): it makes the
 * log and the model/device status item (from the settings alone), and registers every command, the chat view, the
 * panels' serializers, `@math` and the language model with thin shims. The main part (src/main.ts, out/main.js: the
 * engine service, the panels, the renderer, the grader) is loaded on first use; node-llama-cpp later still, by the first
 * request. scripts/build.mjs builds the two bundles; test/unit/entry-bundle.test.ts keeps the heavy modules out of this one.
 */
// When VS Code started to evaluate this bundle (scripts/build.mjs's banner) and when its imports were done (this line
// runs after them): activation = loading this bundle + activate(); both are logged and reported by the API.
declare const __emtBundleStart: number | undefined;
const loadedAt = performance.now();
const bundleStart = typeof __emtBundleStart === "number" ? __emtBundleStart : loadedAt;
import * as vscode from "vscode";
import type * as MainModule from "./main";
import type {Main, MainApi} from "./main";
import {registerLanguageModelProvider} from "./vscode/chat/languageModelRegistration";
import {registerMathParticipant} from "./vscode/chat/mathParticipantRegistration";
import {chatViewType, CommandIds, solutionPanelViewType, tutorPanelViewType} from "./vscode/commandIds";
import {createLog, registerShowLog} from "./vscode/log";
import {readSettings} from "./vscode/settings";
import {ModelStatusBar} from "./vscode/statusBar";

/** How activation went: what it cost, and whether (and why, and at what cost) the main part was loaded since. */
export interface ActivationReport {
    /** Evaluating the entry bundle (its imports), then activate() itself, in ms. */
    readonly loadMs: number;
    readonly activateMs: number;
    /** Whether out/main.js is loaded; what asked for it first ("command elasticMath.solveProblem", "the chat view"...), and its load time. */
    readonly mainLoaded: boolean;
    readonly mainLoadedFor: string | undefined;
    readonly mainLoadMs: number | undefined;
}

/** What the extension exports (`vscode.extensions.getExtension(...).exports`): used by scripts and the integration tests. */
export interface ElasticMathApi extends MainApi {
    readonly activation: ActivationReport;
    /** The model/device status item as it is now (shown at activation, before the main part is loaded). */
    readonly statusBar: ModelStatusBar["state"];
}

/** The main part once loaded (module state: deactivate() needs it). */
let main: Main | undefined;

export function activate(context: vscode.ExtensionContext): ElasticMathApi {
    const activateStart = performance.now();
    const log = createLog();
    const statusBar = new ModelStatusBar(log);
    context.subscriptions.push(log, registerShowLog(log), statusBar);
    let mainLoad: {ms: number; for: string} | undefined;

    /** The main part, loaded on first use (synchronously: a command, a view or an API getter needs it now). */
    const loadMain = (reason: string): Main => {
        if (main != null) return main;
        const t0 = performance.now();
        try {
            const module = require("./main") as typeof MainModule;
            main = module.start({context, log, statusBar});
        } catch (err) {
            log.error(`loading the extension's main part (out/main.js, for ${reason}) failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
            void vscode.window.showErrorMessage(vscode.l10n.t("Elastic Math could not load its main part: {0}. See Elastic Math: Show Log.", err instanceof Error ? err.message : String(err)));
            throw err;
        }
        mainLoad = {ms: performance.now() - t0, for: reason};
        log.info(`main part loaded in ${mainLoad.ms.toFixed(1)} ms (for ${reason})`);
        return main;
    };

    for (const id of Object.values(CommandIds)) {
        if (id === CommandIds.showLog) continue; // registered with the log above
        context.subscriptions.push(vscode.commands.registerCommand(id, (...args: unknown[]) => loadMain(`command ${id}`).commands[id](...args)));
    }
    context.subscriptions.push(
        vscode.window.registerWebviewViewProvider(chatViewType, {
            resolveWebviewView: (view, resolveContext, token) => loadMain("the chat view").chatView.resolveWebviewView(view, resolveContext, token)
        }, {webviewOptions: {retainContextWhenHidden: true}}),
        ...[solutionPanelViewType, tutorPanelViewType].map((viewType) => vscode.window.registerWebviewPanelSerializer(viewType, {
            deserializeWebviewPanel: (panel, state) => loadMain(`restoring the ${viewType} panel`).panels[viewType]!.deserializeWebviewPanel(panel, state)
        }))
    );
    registerMathParticipant(context, () => loadMain("@math in the Chat view").chatParticipant);
    registerLanguageModelProvider(context, () => loadMain("a language model request").languageModel, (m) => log.info(m));

    const problems = readSettings().presetProblems;
    if (problems.length > 0)
        void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: some budget presets were ignored: {0}", problems.join("; ")));
    const loadMs = loadedAt - bundleStart;
    const activateMs = performance.now() - activateStart;
    log.info(`activated in ${(loadMs + activateMs).toFixed(1)} ms: entry bundle loaded in ${loadMs.toFixed(1)} ms, activate() took ${activateMs.toFixed(1)} ms `
        + "(the main part loads on first use, node-llama-cpp on the first request)");

    const api = () => loadMain("the extension's API").api;
    return {
        activation: {
            loadMs, activateMs,
            get mainLoaded() { return main != null; }, get mainLoadedFor() { return mainLoad?.for; }, get mainLoadMs() { return mainLoad?.ms; }
        },
        get statusBar() { return statusBar.state; },
        solve: (args) => api().solve(args),
        tutor: (args) => api().tutor(args),
        tutorAction: (m) => api().tutorAction(m),
        get panelMessages() { return api().panelMessages; },
        get tutorMessages() { return api().tutorMessages; },
        forgetPosted: () => api().forgetPosted(),
        get models() { return api().models; },
        get chat() { return api().chat; },
        get server() { return api().server; },
        get loadProgress() { return api().loadProgress; },
        get formulaWorker() { return api().formulaWorker; }
    };
}

export function deactivate(): Promise<void> | undefined {
    // Everything else is disposed through context.subscriptions.
    return main?.deactivate();
}
