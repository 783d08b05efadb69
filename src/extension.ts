import * as vscode from "vscode";
// When the bundle started to evaluate (scripts/build.mjs's banner) and when its imports were done (this line runs after
// them): activation = loading this bundle + activate(); both are logged (issue 12, defect 7).
declare const __emtBundleStart: number | undefined;
const loadedAt = performance.now();
const bundleStart = typeof __emtBundleStart === "number" ? __emtBundleStart : loadedAt;
import type {SolveResult} from "./core/types";
import type {ToPanelMessage} from "./protocol/messages";
import {BudgetPicker} from "./vscode/budgetPicker";
import {ChatController} from "./vscode/chatController";
import {registerChatCommands, type ChatApi} from "./vscode/commands/chatCommands";
import {CommandIds} from "./vscode/commandIds";
import {solveProblem, type SolveProblemArgs} from "./vscode/commands/solveProblem";
import {tutorMe, type TutorArgs} from "./vscode/commands/tutorMe";
import {openEvalPlot} from "./vscode/commands/openEvalPlot";
import {checkSelectedAnswer} from "./vscode/commands/checkSelectedAnswer";
import {TutorController} from "./vscode/tutorPanel";
import type {FromTutorMessage, ToTutorMessage} from "./protocol/tutor";
import {serverApiKeySecret, setServerApiKey, testServerConnection, type ServerCheck} from "./vscode/commands/serverCommands";
import {EngineService} from "./vscode/engineService";
import {FirstRunCard} from "./vscode/firstRunCard";
import {ModelManager} from "./vscode/modelManager";
import {SolveController} from "./vscode/solveController";
import {ModelStatusBar} from "./vscode/statusBar";
import {createLog, registerShowLog} from "./vscode/log";
import {ErrorSurface} from "./vscode/errors";
import type {LoadProgressEvent} from "./vscode/loadProgress";
import {disposeFormulaOffload, setFormulaOffloadLog, sharedFormulaOffload} from "./vscode/formulaOffload";
import type {OffloadStats} from "./render/formulaOffload";
import {registerMathParticipant} from "./vscode/chat/mathParticipant";
import {registerLanguageModelProvider} from "./vscode/chat/languageModelProvider";

/** What the extension exports (`vscode.extensions.getExtension(...).exports`): used by scripts and the integration tests. */
export interface ElasticMathApi {
    solve(args: SolveProblemArgs): Promise<SolveResult | undefined>;
    /** The messages posted to the solution panel so far (newest last). */
    readonly panelMessages: readonly ToPanelMessage[];
    /** Tutor Me on a problem (resolves when the tutor's hidden solution is ready). */
    tutor(args: TutorArgs): Promise<SolveResult | undefined>;
    /** A Tutor panel action, as if clicked (resolves when it is done). */
    tutorAction(message: FromTutorMessage): Promise<void>;
    readonly tutorMessages: readonly ToTutorMessage[];
    /** Choosing and downloading models; `offerFirstRun()` is the first-run offer other views can show. */
    readonly models: ModelManager;
    /** The sidebar chat and the selection commands (issue 4). */
    readonly chat: ChatApi;
    /** Server backend: store the API key (as the command does, without the input box); test the connection quietly. */
    readonly server: {setApiKey(value: string): Promise<unknown>; test(): Promise<ServerCheck>};
    /** Model loading progress as the notification showed it (newest last). */
    readonly loadProgress: readonly LoadProgressEvent[];
    /** What the formula worker has rendered so far (slow formulas of streamed answers; see src/render/formulaOffload.ts). */
    readonly formulaWorker: OffloadStats;
    /** Activation in ms: evaluating the bundle (its imports), then activate() itself (printed to the log; tests print it). */
    readonly activation: {readonly loadMs: number; readonly activateMs: number};
}

export function activate(context: vscode.ExtensionContext): ElasticMathApi {
    const activateStart = performance.now();
    // The log and the error surface first: every collaborator gets them through its constructor.
    const log = createLog();
    const errors = new ErrorSurface(log);
    context.subscriptions.push(log, registerShowLog(log));
    setFormulaOffloadLog(log);
    const models = new ModelManager(context, log, errors);
    const engines = new EngineService({
        log,
        fitProblem: (p) => models.fitProblem(p),
        formatFor: (p) => models.formatFor(p),
        formatForCatalogId: (id) => models.formatForCatalogId(id),
        apiKey: () => Promise.resolve(context.secrets.get(serverApiKeySecret))
    });
    const statusBar = new ModelStatusBar(engines, log);
    const picker = new BudgetPicker(context.globalState);
    const controller = new SolveController(context.extensionUri, engines, log);
    const tutor = new TutorController(context.extensionUri, engines, context.workspaceState, log);
    const chat = new ChatController(context.extensionUri, engines, context.workspaceState, picker, log);
    context.subscriptions.push(engines, controller, statusBar, chat, tutor);
    const tutorCommand = (args?: TutorArgs) => tutorMe({engines, picker, tutor, models}, args);

    context.subscriptions.push(context.secrets.onDidChange((e) => { if (e.key === serverApiKeySecret) engines.apiKeyChanged(); }));
    const firstRunCard = new FirstRunCard(controller, engines, models, log);
    context.subscriptions.push(firstRunCard);
    const deps = {context, engines, picker, controller, models, errors, firstRun: () => models.offerFirstRun()};
    const chatApi = registerChatCommands(context, {engines, picker, controller, chat, firstRun: deps.firstRun});
    const solve = async (args?: SolveProblemArgs) => {
        const result = await solveProblem(deps, args);
        if (result != null) statusBar.setDevice(result.device);
        return result;
    };
    context.subscriptions.push(
        vscode.commands.registerCommand(CommandIds.solveProblem, solve),
        vscode.commands.registerCommand(CommandIds.stop, () => {
            if (controller.stop() === 0) vscode.window.setStatusBarMessage("Elastic Math: nothing is running", 2000);
        }),
        vscode.commands.registerCommand(CommandIds.showPanel, () => {
            controller.panel.show(false);
            void firstRunCard.refresh(); // no model yet: the panel offers one
        }),
        vscode.commands.registerCommand(CommandIds.useModelFile, () => models.pickFile()),
        vscode.commands.registerCommand(CommandIds.setServerApiKey, () => setServerApiKey(context, engines)),
        vscode.commands.registerCommand(CommandIds.testServerConnection, () => testServerConnection(context, engines, log)),
        vscode.commands.registerCommand(CommandIds.tutor, tutorCommand),
        vscode.commands.registerCommand(CommandIds.openEvalPlot, (arg?: vscode.Uri | string) => openEvalPlot(log, arg)),
        vscode.commands.registerCommand(CommandIds.checkSelection, () => checkSelectedAnswer(tutor)),
        vscode.commands.registerCommand(CommandIds.chooseModel, (args?: {path?: string; catalogId?: string; quantization?: string}) => models.choose(args)),
        vscode.commands.registerCommand(CommandIds.chooseBudget, async () => {
            const picked = await picker.pick(engines.settings);
            if (picked != null) vscode.window.setStatusBarMessage(`Elastic Math: budget ${picked.label} will be offered first`, 3000);
        })
    );
    const chatLog = (m: string) => log.info(m);
    registerMathParticipant(context, {engines, log: chatLog});
    registerLanguageModelProvider(context, engines, chatLog);
    const problems = engines.settings.presetProblems;
    if (problems.length > 0)
        void vscode.window.showWarningMessage(`Elastic Math: some budget presets were ignored: ${problems.join("; ")}`);
    const activation = {loadMs: loadedAt - bundleStart, activateMs: performance.now() - activateStart};
    log.info(`activated: bundle loaded in ${activation.loadMs.toFixed(1)} ms, activate() took ${activation.activateMs.toFixed(1)} ms (node-llama-cpp is loaded on the first request)`);

    return {
        solve, models, get panelMessages() { return controller.posted; }, chat: chatApi, get loadProgress() { return engines.loadProgress.events; },
        server: {setApiKey: (value) => setServerApiKey(context, engines, value), test: () => testServerConnection(context, engines, log, {quiet: true})},
        tutor: tutorCommand, tutorAction: (m) => tutor.act(m), get tutorMessages() { return tutor.posted; },
        get formulaWorker() { return sharedFormulaOffload().stats; }, activation
    };
}

export function deactivate(): void {
    // Everything else is disposed through context.subscriptions.
    disposeFormulaOffload();
}
