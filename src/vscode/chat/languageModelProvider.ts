/**
 * The engine's half of our VS Code language model (registered by languageModelRegistration.ts): a response is our
 * two-phase generation on the configured model (local file or server): budgets from the request's model options
 * (`thinkTokens`, `answerTokens`, or `unconstrained: true`), else the default budget; the thinking is in the text
 * between `<think>` and `</think>` unless `includeThinking: false`; cancellation stops generation at once. Token counts
 * come from the model's own tokenizer.
 */
import * as vscode from "vscode";
import {presetToBudget} from "../../core/budgets";
import {type ChatTurn, Conversation, conversationFormatFor} from "../../core/conversation";
import type {BudgetSpec} from "../../core/types";
import type {EngineService} from "../engineService";
import type {LanguageModelResponder} from "./languageModelRegistration";

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

/**
 * The heavy half of the language model provider: answers and token counts on the engine. The provider itself (its
 * model list, from the settings alone) is registered at activation by languageModelRegistration.ts, which asks for
 * this on the first request.
 */
export function createLanguageModelResponder(engines: EngineService, log: (m: string) => void): LanguageModelResponder {
    return {
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
}
