/** Every command id of the extension, in one place (package.json declares them with the "Elastic Math" category). */
export const CommandIds = {
    solveProblem: "elasticMath.solveProblem",
    stop: "elasticMath.stop",
    showPanel: "elasticMath.showPanel",
    /** Shows a finished answer (a RequestRecord) in the solution panel: `@math`'s "Show in the panel" button. */
    showInPanel: "elasticMath.showInPanel",
    useModelFile: "elasticMath.useModelFile",
    chooseModel: "elasticMath.chooseModel",
    chooseBudget: "elasticMath.chooseBudget",
    tutor: "elasticMath.tutor",
    openEvalPlot: "elasticMath.openEvalPlot",
    checkSelection: "elasticMath.checkSelectedAnswer",
    solveSelection: "elasticMath.solveSelection",
    insertSolutionBelow: "elasticMath.insertSolutionBelow",
    sendSelectionToChat: "elasticMath.sendSelectionToChat",
    newChat: "elasticMath.newChat",
    exportConversation: "elasticMath.exportConversation",
    stopChat: "elasticMath.stopChat",
    setServerApiKey: "elasticMath.setServerApiKey",
    testServerConnection: "elasticMath.testServerConnection",
    showLog: "elasticMath.showLog"
} as const;

export type CommandId = typeof CommandIds[keyof typeof CommandIds];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command takes its own arguments (scripts, menus)
export type CommandHandler = (...args: any[]) => unknown;

/**
 * What each command does, by id: every id but Show Log (the entry's own), so a command without a handler is a compile
 * error. The extension's entry registers every id at activation and runs these on first use (src/main.ts makes them).
 */
export type CommandHandlers = {readonly [id in Exclude<CommandId, typeof CommandIds.showLog>]: CommandHandler};

/** Context key set while a request is generating (enables Stop). */
export const generatingContextKey = "elasticMath.generating";
/** True when a model (or a server) is configured: the walkthrough's "Get a model" step is done. */
export const modelConfiguredContextKey = "elasticMath.modelConfigured";
/**
 * The walkthrough's "Get a model" step as the workbench names it (`<publisher>.<name>#<walkthrough id>#<step id>`, from
 * package.json; test/unit/walkthrough.test.ts checks it): marked done with the workbench's `welcome.markStepComplete`.
 */
export const modelStepId = "elastic-math.elastic-math-tutor#start#model";

export const solutionPanelViewType = "elasticMath.solution";

export const chatViewType = "elasticMath.chat";

export const tutorPanelViewType = "elasticMath.tutor";
