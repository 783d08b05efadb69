/**
 * Registers our model as a VS Code language model at activation (Language Model Chat Provider: stable API since VS Code
 * 1.104), light: its model list comes from the settings alone. Registered only when the running VS Code has
 * `vscode.lm.registerLanguageModelChatProvider` (our minimum, 1.100, does not; its @types lack it, hence the local types
 * below). Answers and token counts (languageModelProvider.ts, on the engine) are asked for on the first request.
 */
import * as vscode from "vscode";
import {configuredModelName} from "../modelName";
import {onEngineSettingsChange, readSettings} from "../settings";

export const LM_VENDOR = "elastic-math";

export interface ChatInformation {
    readonly id: string; readonly name: string; readonly family: string; readonly version: string;
    readonly maxInputTokens: number; readonly maxOutputTokens: number;
    readonly tooltip?: string; readonly detail?: string;
    readonly capabilities: {readonly toolCalling?: boolean; readonly imageInput?: boolean};
}
interface ResponseOptions { readonly modelOptions?: Record<string, unknown> }

/** What answers: the engine's half of the provider (languageModelProvider.ts). */
export interface LanguageModelResponder {
    provideLanguageModelChatResponse(model: ChatInformation, messages: readonly vscode.LanguageModelChatMessage[], options: ResponseOptions,
        progress: vscode.Progress<vscode.LanguageModelTextPart>, token: vscode.CancellationToken): Promise<void>;
    provideTokenCount(model: ChatInformation, text: string | vscode.LanguageModelChatMessage, token: vscode.CancellationToken): Promise<number>;
}
interface Provider extends LanguageModelResponder {
    readonly onDidChangeLanguageModelChatInformation?: vscode.Event<void>;
    provideLanguageModelChatInformation(options: {silent: boolean}, token: vscode.CancellationToken): Promise<ChatInformation[]>;
}
type Register = (vendor: string, provider: Provider) => vscode.Disposable;

/** Registers the provider when this VS Code can; `responder()` gives the engine's half on first use. False when it cannot. */
export function registerLanguageModelProvider(context: vscode.ExtensionContext, responder: () => LanguageModelResponder, log: (m: string) => void): boolean {
    const register = (vscode.lm as unknown as {registerLanguageModelChatProvider?: Register}).registerLanguageModelChatProvider;
    if (typeof register !== "function") return false;
    const changed = new vscode.EventEmitter<void>();
    context.subscriptions.push(changed, onEngineSettingsChange(() => changed.fire()));
    const provider: Provider = {
        onDidChangeLanguageModelChatInformation: changed.event,
        async provideLanguageModelChatInformation(options) {
            const settings = readSettings();
            const {modelPath, modelName} = configuredModelName(settings);
            log(`language models asked (silent: ${options?.silent}): ${modelPath !== "" ? modelName : "no model configured"}`);
            if (modelPath === "") return [];
            const where = settings.backend === "server" ? vscode.l10n.t("on your server") : vscode.l10n.t("local");
            const context = settings.contextSize > 0 ? settings.contextSize : 8192;
            return [{
                id: "configured", name: vscode.l10n.t("{0} ({1}, elastic budgets)", modelName, where), family: "elastic-math",
                version: "1", maxInputTokens: context, maxOutputTokens: context,
                tooltip: vscode.l10n.t("Elastic Math's model: thinks, then answers, each within its token budget (modelOptions thinkTokens / answerTokens)."),
                detail: where, capabilities: {toolCalling: false, imageInput: false}
            }];
        },
        provideLanguageModelChatResponse: (...args) => responder().provideLanguageModelChatResponse(...args),
        provideTokenCount: (...args) => responder().provideTokenCount(...args)
    };
    context.subscriptions.push(register(LM_VENDOR, provider));
    // The chat may have listed the vendors' models before this extension was activated: ask it to list ours again.
    setTimeout(() => changed.fire(), 0);
    return true;
}
