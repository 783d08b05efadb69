/**
 * The extension's main part (out/main.js): the engine service, the model manager, the panels, the chat, the tutor, the
 * renderer (KaTeX, markdown-it) and the grader (compute-engine). The entry (src/extension.ts, out/extension.js) stays
 * small so that activation is instant: it registers every command, view, serializer and the chat participant with thin
 * shims, shows the status item from the settings, and loads this module on first use (a command runs, a view
 * resolves, a panel is restored, `@math` is asked, or the API is used). node-llama-cpp is loaded later still, by the
 * first request (src/core/engine).
 */
import * as vscode from "vscode";
import type {SolveResult} from "./core/types";
import type {ToChatMessage, ToPanelMessage} from "./protocol/messages";
import type {FromTutorMessage, ToTutorMessage} from "./protocol/tutor";
import type {OffloadStats} from "./render/formulaOffload";
import {warmUpInSlices} from "./render/markdown";
import {BudgetPicker} from "./vscode/budgetPicker";
import {ChatController} from "./vscode/chatController";
import {chatCommands, type ChatApi} from "./vscode/commands/chatCommands";
import {CommandIds, solutionPanelViewType, tutorPanelViewType, type CommandHandlers} from "./vscode/commandIds";
import {checkSelectedAnswer} from "./vscode/commands/checkSelectedAnswer";
import {openEvalPlot} from "./vscode/commands/openEvalPlot";
import {serverApiKeySecret, setServerApiKey, testServerConnection, type ServerCheck} from "./vscode/commands/serverCommands";
import {solveProblem, type SolveProblemArgs} from "./vscode/commands/solveProblem";
import {tutorMe, type TutorArgs} from "./vscode/commands/tutorMe";
import {createLanguageModelResponder} from "./vscode/chat/languageModelProvider";
import type {LanguageModelResponder} from "./vscode/chat/languageModelRegistration";
import {createMathHandler} from "./vscode/chat/mathParticipant";
import {EngineService} from "./vscode/engineService";
import {ErrorSurface} from "./vscode/errors";
import {FirstRunCard} from "./vscode/firstRunCard";
import {ViewRenderer} from "./vscode/formulaOffload";
import type {LoadProgressEvent} from "./vscode/loadProgress";
import type {Log} from "./vscode/log";
import {ModelManager} from "./vscode/modelManager";
import {PostRecorder} from "./vscode/postRecorder";
import {isRequestRecord} from "./vscode/solutionPanel";
import {SolveController} from "./vscode/solveController";
import type {ModelStatusBar} from "./vscode/statusBar";
import {TutorController} from "./vscode/tutorPanel";

/** The part of the extension's API (ElasticMathApi, src/extension.ts) that this module provides. */
export interface MainApi {
    solve(args: SolveProblemArgs): Promise<SolveResult | undefined>;
    /** The messages posted to the solution panel so far (newest last). */
    readonly panelMessages: readonly ToPanelMessage[];
    /** Tutor Me on a problem (resolves when the tutor's hidden solution is ready). */
    tutor(args: TutorArgs): Promise<SolveResult | undefined>;
    /** A Tutor panel action, as if clicked (resolves when it is done). */
    tutorAction(message: FromTutorMessage): Promise<void>;
    readonly tutorMessages: readonly ToTutorMessage[];
    /**
     * Forgets the messages recorded so far for the three views (tests only: what they keep of a long answer's stream is
     * megabytes of the host's heap, which a measurement of the host's pauses should not count).
     */
    forgetPosted(): void;
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
}

/** What the entry made at activation and hands to this module. */
export interface Shell {
    readonly context: vscode.ExtensionContext;
    readonly log: Log;
    readonly statusBar: ModelStatusBar;
}

/** What the entry's shims call into. */
export interface Main {
    readonly api: MainApi;
    /** Every command id of package.json except Show Log (the entry's own). */
    readonly commands: CommandHandlers;
    readonly chatView: vscode.WebviewViewProvider;
    /** The panels restored after a window reload, by view type. */
    readonly panels: Readonly<Record<string, vscode.WebviewPanelSerializer>>;
    readonly chatParticipant: vscode.ChatRequestHandler;
    readonly languageModel: LanguageModelResponder;
    /** At deactivation (everything else is disposed through context.subscriptions). */
    deactivate(): Promise<void>;
}

/** Makes the extension's collaborators; each gets the log and what it needs through its constructor. */
export function start({context, log, statusBar}: Shell): Main {
    const errors = new ErrorSurface(log);
    // One formula worker for every view, told where its failure goes when it is made.
    const renderer = new ViewRenderer(log);
    const models = new ModelManager(context, log, errors);
    const engines = new EngineService({
        log,
        fitProblem: (p) => models.fitProblem(p),
        formatFor: (p) => models.formatFor(p),
        formatForCatalogId: (id) => models.formatForCatalogId(id),
        apiKey: () => Promise.resolve(context.secrets.get(serverApiKeySecret))
    });
    const picker = new BudgetPicker(context.globalState);
    // The renderer's one-time warm-up, a block per turn of the event loop (src/render/markdown.ts).
    warmUpInSlices().catch((err: unknown) => log.warn(`The renderer's warm-up failed: ${String(err)}`));
    // What each view was sent, for the API (the integration tests read it): recorded here, not by the controllers, and
    // only when VS Code runs the extension's tests (a long answer's messages hold megabytes of HTML: a user's host
    // keeps none of them).
    const recording = context.extensionMode === vscode.ExtensionMode.Test;
    const posted = {panel: new PostRecorder<ToPanelMessage>(recording ? 2000 : 0), tutor: new PostRecorder<ToTutorMessage>(recording ? 2000 : 0),
        chat: new PostRecorder<ToChatMessage>(recording ? 3000 : 0)};
    const controller = new SolveController(context.extensionUri, engines, log, renderer, posted.panel.record);
    // The Tutor's session and the chat's conversations in the workspace's storage folder (a window without a folder:
    // the global one), not in workspace state (src/vscode/jsonFile.ts says why).
    const storage = {folder: (context.storageUri ?? context.globalStorageUri).fsPath, memento: context.workspaceState};
    const tutor = new TutorController(context.extensionUri, engines, storage, log, renderer, posted.tutor.record);
    const chat = new ChatController(context.extensionUri, engines, storage, picker, log, renderer, posted.chat.record);
    const firstRunCard = new FirstRunCard(controller, engines, models, log);
    context.subscriptions.push(engines, controller, chat, tutor, firstRunCard);
    context.subscriptions.push(context.secrets.onDidChange((e) => { if (e.key === serverApiKeySecret) engines.apiKeyChanged(); }));

    const tutorCommand = (args?: TutorArgs) => tutorMe({engines, picker, tutor, models}, args);
    const deps = {context, engines, picker, controller, models, errors};
    const chatPart = chatCommands({engines, picker, controller, chat, ensureModel: () => models.ensureModel()}, posted.chat);
    const solve = async (args?: SolveProblemArgs) => {
        const result = await solveProblem(deps, args);
        if (result != null) statusBar.setDevice(result.device);
        return result;
    };
    const commands: CommandHandlers = {
        ...chatPart.commands,
        [CommandIds.solveProblem]: solve,
        [CommandIds.stop]: () => {
            if (controller.stop() === 0) vscode.window.setStatusBarMessage("Elastic Math: nothing is running", 2000);
        },
        [CommandIds.showPanel]: () => {
            controller.panel.show(false);
            void firstRunCard.refresh(); // no model yet: the panel offers one
        },
        [CommandIds.showInPanel]: (record?: unknown) => (isRequestRecord(record) ? controller.showRecord(record) : controller.panel.show(false)),
        // From the palette: the file dialog; from the Explorer's context menu on a .gguf file: that file.
        [CommandIds.useModelFile]: (file?: unknown) => file instanceof vscode.Uri ? models.useFile(file.fsPath) : models.pickFile(),
        [CommandIds.setServerApiKey]: () => setServerApiKey(context, engines),
        [CommandIds.testServerConnection]: () => testServerConnection(context, engines, log),
        [CommandIds.tutor]: tutorCommand,
        [CommandIds.openEvalPlot]: (arg?: vscode.Uri | string) => openEvalPlot(log, arg),
        [CommandIds.checkSelection]: () => checkSelectedAnswer(tutor),
        [CommandIds.chooseModel]: (args?: {path?: string; catalogId?: string; quantization?: string}) => models.choose(args),
        [CommandIds.chooseBudget]: async () => {
            const picked = await picker.pick(engines.settings);
            if (picked != null) vscode.window.setStatusBarMessage(`Elastic Math: budget ${picked.label} will be offered first`, 3000);
        }
    };
    const chatLog = (m: string) => log.info(m);
    return {
        api: {
            solve, models, get panelMessages() { return posted.panel.messages; }, chat: chatPart.api, get loadProgress() { return engines.loadProgress.events; },
            server: {setApiKey: (value) => setServerApiKey(context, engines, value), test: () => testServerConnection(context, engines, log, {quiet: true})},
            tutor: tutorCommand, tutorAction: (m) => tutor.act(m), get tutorMessages() { return posted.tutor.messages; },
            forgetPosted: () => { for (const r of Object.values(posted)) r.forget(); },
            get formulaWorker() { return renderer.stats; }
        },
        commands,
        chatView: chat.view,
        panels: {[solutionPanelViewType]: controller.panel, [tutorPanelViewType]: tutor},
        chatParticipant: createMathHandler({engines, log: chatLog}),
        languageModel: createLanguageModelResponder(engines, chatLog),
        // The Tutor's and the chat's last saves written (the workbench waits a little for them).
        deactivate: async () => {
            renderer.dispose();
            await Promise.all([tutor.flush(), chat.flush()]);
        }
    };
}
