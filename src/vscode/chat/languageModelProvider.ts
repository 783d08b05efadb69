/**
 * Our model as a VS Code language model (Language Model Chat Provider: stable API since VS Code 1.104). Registered
 * only when the running VS Code has `vscode.lm.registerLanguageModelChatProvider` (our minimum, 1.100, does not; its
 * @types lack it, hence the local types below). Any extension can then use it with
 * `vscode.lm.selectChatModels({vendor: "elastic-math"})`, and a user can pick it in the chat's model picker.
 *
 * A response is our two-phase generation on the configured model (local file or server): budgets from the request's
 * model options (`thinkTokens`, `answerTokens`, or `unconstrained: true`), else the default budget; the thinking is in
 * the text between `<think>` and `</think>` unless `includeThinking: false`; cancellation stops generation at once.
 * Token counts come from the model's own tokenizer.
 */
import * as vscode from "vscode";
import {presetToBudget} from "../../core/budgets";
import {type ChatTurn, Conversation, conversationFormatFor} from "../../core/conversation";
import type {BudgetSpec} from "../../core/types";
import type {EngineService} from "../engineService";

export const LM_VENDOR = "elastic-math";

interface ChatInformation {
    readonly id: string; readonly name: string; readonly family: string; readonly version: string;
    readonly maxInputTokens: number; readonly maxOutputTokens: number;
    readonly tooltip?: string; readonly detail?: string;
    readonly capabilities: {readonly toolCalling?: boolean; readonly imageInput?: boolean};
}
interface ResponseOptions { readonly modelOptions?: Record<string, unknown> }
interface Provider {
    readonly onDidChangeLanguageModelChatInformation?: vscode.Event<void>;
    provideLanguageModelChatInformation(options: {silent: boolean}, token: vscode.CancellationToken): Promise<ChatInformation[]>;
    provideLanguageModelChatResponse(model: ChatInformation, messages: readonly vscode.LanguageModelChatMessage[], options: ResponseOptions,
        progress: vscode.Progress<vscode.LanguageModelTextPart>, token: vscode.CancellationToken): Promise<void>;
    provideTokenCount(model: ChatInformation, text: string | vscode.LanguageModelChatMessage, token: vscode.CancellationToken): Promise<number>;
}
type Register = (vendor: string, provider: Provider) => vscode.Disposable;

/** The text of a chat message (text parts only). */
export function messageText(message: vscode.LanguageModelChatMessage): string {
    return message.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : "")).join("");
}

/** Reads the budget of a request's model options; undefined means "use the default budget". */
export function budgetFromModelOptions(options: Record<string, unknown> | undefined): BudgetSpec | string | undefined {
    if (options == null) return undefined;
    if (options.unconstrained === true) return {mode: "unconstrained"};
    const t = options.thinkTokens;
    const a = options.answerTokens;
    if (t === undefined && a === undefined) return undefined;
    const ok = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 1;
    if (!ok(t) || !ok(a)) return "modelOptions.thinkTokens and modelOptions.answerTokens must both be whole numbers of at least 1";
    return {mode: "elastic", thinkTokens: t as number, answerTokens: a as number};
}

export function registerLanguageModelProvider(context: vscode.ExtensionContext, engines: EngineService, log: (m: string) => void): boolean {
    const register = (vscode.lm as unknown as {registerLanguageModelChatProvider?: Register}).registerLanguageModelChatProvider;
    if (typeof register !== "function") return false;
    const changed = new vscode.EventEmitter<void>();
    context.subscriptions.push(changed, engines.onDidChange(() => changed.fire()));
    const provider: Provider = {
        onDidChangeLanguageModelChatInformation: changed.event,
        async provideLanguageModelChatInformation(options) {
            log(`language models asked (silent: ${options?.silent}): ${engines.hasModel ? engines.current().modelName : "no model configured"}`);
            if (!engines.hasModel) return [];
            const settings = engines.settings;
            const where = settings.backend === "server" ? "on your server" : "local";
            const context = settings.contextSize > 0 ? settings.contextSize : 8192;
            return [{
                id: "configured", name: `${engines.current().modelName} (${where}, elastic budgets)`, family: "elastic-math",
                version: "1", maxInputTokens: context, maxOutputTokens: context,
                tooltip: "Elastic Math's model: thinks, then answers, each within its token budget (modelOptions thinkTokens / answerTokens).",
                detail: where, capabilities: {toolCalling: false, imageInput: false}
            }];
        },
        async provideLanguageModelChatResponse(_model, messages, options, progress, token) {
            const engine = engines.current();
            const settings = engines.settings;
            const parsed = budgetFromModelOptions(options.modelOptions);
            if (typeof parsed === "string") throw new Error(parsed);
            const preset = settings.presets.find((p) => p.label === settings.defaultBudgetLabel) ?? settings.presets[0];
            const budget = parsed ?? (preset != null ? presetToBudget(preset) : {mode: "elastic", thinkTokens: 1024, answerTokens: 1024});
            const includeThinking = options.modelOptions?.includeThinking !== false;
            const users = messages.filter((m) => m.role === vscode.LanguageModelChatMessageRole.User);
            if (users.length === 0) throw new Error("No user message to answer.");
            // Earlier exchanges become the conversation's history (solutions only, as the R1 models expect).
            const turns: ChatTurn[] = [];
            for (let i = 0; i + 1 < messages.length; i++) {
                if (messages[i].role === vscode.LanguageModelChatMessageRole.User && messages[i + 1].role === vscode.LanguageModelChatMessageRole.Assistant)
                    turns.push({user: messageText(messages[i]), thinking: "", solution: messageText(messages[i + 1]).replace(/^[\s\S]*<\/think>\s*/, ""),
                        budget, stop: "eog", thinkingCut: false});
            }
            const question = messageText(users[users.length - 1]);
            const controller = new AbortController();
            const cancel = token.onCancellationRequested(() => controller.abort());
            let inThinking = false;
            const report = (text: string) => progress.report(new vscode.LanguageModelTextPart(text));
            try {
                const format = conversationFormatFor(await engine.format());
                const onEvent = (e: import("../../core/types").SolveEvent) => {
                    if (e.type !== "delta") return;
                    if (e.phase === "thinking") {
                        if (!includeThinking) return;
                        if (!inThinking) { inThinking = true; report("<think>\n"); }
                        report(e.text);
                    } else {
                        if (inThinking) { inThinking = false; report("\n</think>\n\n"); }
                        report(e.text);
                    }
                };
                if (format == null) {
                    await engine.solve({problem: question, budget, signal: controller.signal, onEvent, sampling: settings.sampling});
                } else {
                    const conversation = new Conversation({turns, droppedTurns: 0}, {format});
                    await conversation.ask({solve: (o) => engine.solve({...o, signal: o.signal ?? controller.signal, onEvent: o.onEvent ?? (() => undefined)})},
                        {message: question, budget, sampling: settings.sampling, signal: controller.signal, onEvent});
                }
                if (inThinking) report("\n</think>\n\n");
            } catch (err) {
                log(`language model request: ${err instanceof Error ? err.message : String(err)}`);
                throw err;
            } finally {
                cancel.dispose();
            }
        },
        async provideTokenCount(_model, text) {
            const meter = await engines.current().promptMeter();
            const s = typeof text === "string" ? text : messageText(text);
            return meter.countPromptTokens(s);
        }
    };
    context.subscriptions.push(register(LM_VENDOR, provider));
    // The chat may have listed the vendors' models before this extension was activated: ask it to list ours again.
    setTimeout(() => changed.fire(), 0);
    return true;
}
