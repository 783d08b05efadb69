/**
 * `@math` in VS Code's own Chat view (chat participants: stable API since 1.90). A question goes to our engine, on the
 * configured local model or server, with our budgets (never on the chat's own language model); it waits in the same
 * queue as the panel and the sidebar chat. Follow-ups in a conversation use its history as the sidebar chat does:
 * the earlier solutions, not their thinking, and the KV cache of the previous turn while this window lives.
 * Budget commands, `/hint` and `/check` are parsed in core/chat/chatCommand.ts; the reply is written by
 * core/chat/chatReply.ts.
 */
import * as vscode from "vscode";
import {type ChatTurn, Conversation, type ConversationData, conversationFormatFor} from "../../core/conversation";
import {parseChatRequest} from "../../core/chat/chatCommand";
import {chatTypesetsMath, mathForChat} from "../../core/chat/chatMath";
import {ChatReply} from "../../core/chat/chatReply";
import {checkAnswer} from "../../core/tutor/check";
import {requestHint} from "../../core/tutor/hints";
import type {BudgetSpec, SolveResult} from "../../core/types";
import {CommandIds} from "../commandIds";
import type {EngineService} from "../engineService";
import {finishedRecord, statsOf, toBudgetView} from "../requestPipeline";
import {errorCode} from "../errors";
import {errorText} from "../l10n";
import {checkMessage, chatRequestProblem} from "../tutorTexts";
import {MATH_PARTICIPANT_ID, type MathTurnMetadata} from "./mathParticipantRegistration";
import {localBudgetTitle, replyTexts} from "./replyTexts";

function metadataOf(turn: vscode.ChatRequestTurn | vscode.ChatResponseTurn): MathTurnMetadata | undefined {
    if (!(turn instanceof vscode.ChatResponseTurn) || turn.participant !== MATH_PARTICIPANT_ID) return undefined;
    const m = turn.result.metadata as Partial<MathTurnMetadata> | undefined;
    return m?.elasticMath === 1 ? m as MathTurnMetadata : undefined;
}

/** This participant's earlier turns in the conversation, oldest first. */
function history(context: vscode.ChatContext): MathTurnMetadata[] {
    return context.history.map(metadataOf).filter((m): m is MathTurnMetadata => m != null);
}

export interface MathParticipantDeps {
    readonly engines: EngineService;
    readonly log: (message: string) => void;
}

/** Keeps the live conversations (with their exact sampled tokens, so follow-ups reuse the KV cache). */
class LiveConversations {
    private readonly live = new Map<string, Conversation>();
    key(turns: readonly ChatTurn[]): string { return JSON.stringify(turns.map((t) => [t.user, t.solution])); }
    take(turns: readonly ChatTurn[], make: () => Conversation): Conversation {
        const k = this.key(turns);
        const found = this.live.get(k);
        if (found != null) { this.live.delete(k); return found; }
        return make();
    }
    keep(conversation: Conversation): void {
        this.live.set(this.key(conversation.turns), conversation);
        while (this.live.size > 8) this.live.delete(this.live.keys().next().value as string);
    }
}

/**
 * The participant's request handler (the heavy part: the engine, conversations, the tutor's checks). The participant
 * itself is registered at activation by mathParticipantRegistration.ts, which loads this on the first question.
 */
export function createMathHandler(deps: MathParticipantDeps): vscode.ChatRequestHandler {
    const conversations = new LiveConversations();
    return (request, chatContext, stream, token) => handle(deps, conversations, request, chatContext, stream, token);
}

async function handle(deps: MathParticipantDeps, conversations: LiveConversations, request: vscode.ChatRequest,
    chatContext: vscode.ChatContext, stream: vscode.ChatResponseStream, token: vscode.CancellationToken): Promise<vscode.ChatResult> {
    const settings = deps.engines.settings;
    const action = parseChatRequest(request.command, request.prompt, {presets: settings.presets, defaultLabel: settings.defaultBudgetLabel});
    const earlier = history(chatContext);
    const last = earlier[earlier.length - 1];
    const typeset = chatTypesetsMath(vscode.version, vscode.workspace.getConfiguration("chat").get<boolean>("math.enabled"));
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    try {
        if (!deps.engines.hasModel) {
            stream.markdown(vscode.l10n.t("No model is configured yet. Choose one, then ask again."));
            stream.button({command: "elasticMath.chooseModel", title: vscode.l10n.t("Choose Model...")});
            return {metadata: {elasticMath: 1}};
        }
        switch (action.kind) {
            case "error":
                stream.markdown(chatRequestProblem(action.message));
                return {metadata: {elasticMath: 1, ...(last?.problem != null ? {problem: last.problem, hiddenAnswer: last.hiddenAnswer, hints: last.hints} : {})}};
            case "check": {
                if (last?.problem == null) {
                    stream.markdown(vscode.l10n.t("There is no problem to check against yet: ask one with `@math <problem>` or `/hint <problem>` first."));
                    return {metadata: {elasticMath: 1}};
                }
                const verdict = checkAnswer(action.answer, last.hiddenAnswer ?? null);
                stream.markdown(mathForChat(checkMessage(verdict), typeset));
                return {metadata: {elasticMath: 1, problem: last.problem, hiddenAnswer: last.hiddenAnswer, hints: last.hints}};
            }
            case "hint":
                return await hint(deps, action.question, last, stream, controller.signal, typeset);
            case "solve":
                return await solve(deps, conversations, action.question, action.budget, action.budgetLabel, earlier, stream, controller.signal, typeset);
        }
    } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        deps.log(`@math: ${message}`);
        stream.markdown(`\n\n**Elastic Math:** ${errorText(errorCode(err), message)}`);
        return {errorDetails: {message}, metadata: {elasticMath: 1}};
    } finally {
        cancel.dispose();
    }
}

async function solve(deps: MathParticipantDeps, conversations: LiveConversations, question: string, budget: BudgetSpec, label: string,
    earlier: readonly MathTurnMetadata[], stream: vscode.ChatResponseStream, signal: AbortSignal, typeset: boolean): Promise<vscode.ChatResult> {
    const engine = deps.engines.current();
    const format = conversationFormatFor(await engine.format());
    const title = localBudgetTitle(label, budget);
    const reply = new ChatReply({sink: {progress: (t) => stream.progress(t), markdown: (t) => stream.markdown(t)}, texts: replyTexts, typesetMath: typeset, budget, budgetTitle: title});
    let result: SolveResult | undefined;
    let turn: ChatTurn | undefined;
    if (format == null) {
        // A base model prompted with worked examples holds no conversation: each question stands alone.
        result = await engine.solve({problem: question, budget, signal, onEvent: (e) => reply.onEvent(e), sampling: deps.engines.settings.sampling});
    } else {
        const turns = earlier.map((m) => m.turn).filter((t): t is ChatTurn => t != null);
        const data: ConversationData = {turns, droppedTurns: 0};
        const conversation = conversations.take(turns, () => new Conversation(data, {format}));
        const ask = await conversation.ask({solve: (o) => engine.solve({...o, signal: o.signal ?? signal, onEvent: o.onEvent ?? (() => undefined)})},
            {message: question, budget, sampling: deps.engines.settings.sampling, signal, onEvent: (e) => reply.onEvent(e)});
        result = ask.result;
        if (ask.added) {
            turn = conversation.turns[conversation.turns.length - 1];
            conversations.keep(conversation);
        }
        if (ask.newlyDroppedTurns > 0)
            stream.markdown(`\n\n*${vscode.l10n.t("The conversation outgrew the model's context: the oldest {0} turn(s) are no longer shown to the model.", ask.newlyDroppedTurns)}*\n`);
    }
    const stopped = result.stop === "abort";
    reply.finish(result, stopped);
    if (result.thinking !== "" || result.solution !== "") {
        // The whole answer, with its thinking, as a card in the solution panel (the chat shows the thinking only as progress).
        const record = finishedRecord(`chat-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, question,
            toBudgetView(budget, label), result, statsOf(result, engine.modelName));
        stream.button({command: CommandIds.showInPanel, title: vscode.l10n.t("Show in the panel"), arguments: [record]});
    }
    return {metadata: {elasticMath: 1, turn, problem: question, hiddenAnswer: result.answer, budgetLabel: label} satisfies MathTurnMetadata};
}

async function hint(deps: MathParticipantDeps, question: string, last: MathTurnMetadata | undefined, stream: vscode.ChatResponseStream,
    signal: AbortSignal, typeset: boolean): Promise<vscode.ChatResult> {
    const engine = deps.engines.current();
    const sameProblem = question === "" || question === last?.problem;
    const problem = question !== "" ? question : last?.problem;
    if (problem == null || problem === "") {
        stream.markdown(vscode.l10n.t("Give the problem after `/hint`, for example `/hint Solve x^2 = 9`."));
        return {metadata: {elasticMath: 1}};
    }
    const settings = deps.engines.settings;
    const preset = settings.presets.find((p) => p.label === settings.defaultBudgetLabel) ?? settings.presets[0];
    const budget: BudgetSpec = preset != null && preset.unconstrained !== true ? {mode: "elastic", thinkTokens: preset.think!, answerTokens: preset.answer!} : {mode: "elastic", thinkTokens: 1024, answerTokens: 1024};
    let hiddenAnswer = sameProblem ? last?.hiddenAnswer : undefined;
    const previous = sameProblem ? [...(last?.hints ?? [])] : [];
    if (hiddenAnswer === undefined) {
        // The tutor solves the problem first, hidden, so that no hint can give its answer away.
        stream.progress(vscode.l10n.t("The tutor is solving the problem first (hidden)…"));
        const solved = await engine.solve({problem, budget, signal, onEvent: () => undefined, sampling: settings.sampling});
        if (solved.stop === "abort") { stream.markdown(`*${vscode.l10n.t("Stopped.")}*`); return {metadata: {elasticMath: 1}}; }
        hiddenAnswer = solved.answer;
    }
    stream.progress(vscode.l10n.t("Writing hint {0}…", previous.length + 1));
    const h = await requestHint({
        problem, level: previous.length + 1, previous, answer: hiddenAnswer ?? null, budget, signal,
        solve: (o) => engine.solve({problem: o.problem, budget: o.budget, signal: o.signal ?? signal, onEvent: () => undefined, sampling: settings.sampling})
    });
    if (h.repeats != null) {
        stream.markdown(vscode.l10n.t("The tutor had no new hint: it only repeated hint {0}. Ask for a step of the solution, or for the full solution.", h.repeats));
        return {metadata: {elasticMath: 1, problem, hiddenAnswer: hiddenAnswer ?? null, hints: previous, noNewHint: true} satisfies MathTurnMetadata};
    }
    stream.markdown(`**${vscode.l10n.t("Hint {0}:", h.level)}** ${mathForChat(h.text, typeset)}`);
    if (h.masked > 0) stream.markdown(`\n\n*(${h.masked === 1 ? vscode.l10n.t("1 place that would give the answer away is hidden.") : vscode.l10n.t("{0} places that would give the answer away are hidden.", h.masked)})*`);
    stream.markdown(`\n\n${vscode.l10n.t("Check your answer with `/check <your answer>`.")}`);
    return {metadata: {elasticMath: 1, problem, hiddenAnswer: hiddenAnswer ?? null, hints: [...previous, h.text]} satisfies MathTurnMetadata};
}
