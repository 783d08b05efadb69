/** Every command id of the extension, in one place (package.json declares them with the "Elastic Math" category). */
export const CommandIds = {
    solveProblem: "elasticMath.solveProblem",
    stop: "elasticMath.stop",
    showPanel: "elasticMath.showPanel",
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

/** What a command does, by id (the extension's entry registers every id at activation and runs these on first use). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command takes its own arguments (scripts, menus)
export type CommandHandlers = {readonly [id in CommandId]?: (...args: any[]) => unknown};

/** Context key set while a request is generating (enables Stop). */
export const generatingContextKey = "elasticMath.generating";

export const solutionPanelViewType = "elasticMath.solution";

export const chatViewType = "elasticMath.chat";

export const tutorPanelViewType = "elasticMath.tutor";
