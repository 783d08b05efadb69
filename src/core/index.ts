/**
 * The core's public API: the engine, prompt formats, answer extraction, streaming helpers and the contract types.
 * Plain Node (never imports `vscode`): used by the VS Code layer, the CLI and the tests.
 */
export * from "./types";
export * from "./engine";
export * from "./promptFormat";
export * from "./answer";
export * from "./utf8Stream";
export * from "./budgets";
export * from "./latexExport";
export * from "./conversation";
export * from "./selectionText";
