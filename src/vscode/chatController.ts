import {readRenderOptions} from "./renderSettings";
import * as vscode from "vscode";
import {describeBudget, presetToBudget} from "../core/budgets";
import {type AskResult, Conversation, type ConversationData, type ConversationFormat, conversationFormatFor} from "../core/conversation";
import type {SolveEvent, SolveResult} from "../core/types";
import type {
    BudgetView, ChatToHostMessage, ChatTurnView, ConversationSummary, HostToChatMessage, RequestRecord, RequestStats, RequestStatus, TurnMessage
} from "../protocol/messages";
import {assertNever} from "../protocol/messages";
import {renderMarkdown} from "../render";
import {markdownToLatex} from "../core/latexExport";
import {ChatView} from "./chatView";
import {Disposable} from "./disposable";
import type {EngineService} from "./engineService";
import {answerHtml, openLink, PhaseStreams, toBudgetView} from "./solveController";

const stateKey = "elasticMath.chat.state";
const lastBudgetKey = "elasticMath.chat.lastBudget";
/** Past conversations kept in workspace storage. */
const keptConversations = 30;

/** A turn as shown and stored (raw text; HTML is rendered when shown). */
export interface StoredTurn {
    readonly id: string;
    readonly user: string;
    readonly budget: BudgetView;
    readonly thinking: string;
    readonly solution: string;
    readonly answer: string | null;
    readonly status: "done" | "stopped" | "error";
    readonly stats: RequestStats | null;
    readonly error: string | null;
    /** Index of the turn in the model's history; null for a failed turn (the model never saw it). */
    readonly modelIndex: number | null;
}

export interface StoredConversation {
    readonly id: string;
    title: string;
    readonly created: number;
    updated: number;
    data: ConversationData;
    turns: StoredTurn[];
}

interface ChatState {
    current: string;
    conversations: StoredConversation[];
}

interface Running {
    readonly id: string;
    readonly conversationId: string;
    readonly controller: AbortController;
    /** The messages that show this turn as it stands to a view that loaded after it started. */
    readonly replay: () => HostToChatMessage[];
}

/** What a chat send returned (for the extension's API and the tests). */
export interface ChatSendResult {
    readonly turn: StoredTurn;
    readonly ask: AskResult | undefined;
}

/**
 * The sidebar chat: conversations with the model on the same engine (and queue) as the solution panel.
 * Each turn goes through core/conversation.ts (KV cache kept across turns); conversations live in workspace storage.
 */
export class ChatController extends Disposable {
    public readonly view: ChatView;
    private state: ChatState;
    private readonly live = new Map<string, Conversation>();
    private readonly running = new Map<string, Running>();
    private nextId = 1;
    /** Counts view (re)loads: a view that loaded while a turn ran never got its card, so it gets a snapshot at the end. */
    private viewEpoch = 0;
    /** Every message posted to the chat view, newest last (bounded): the exported API shows it to tests. */
    public readonly posted: HostToChatMessage[] = [];
    /** The last turn's figures (tests check the evaluated-token count of a follow-up). */
    public lastAsk: AskResult | undefined;

    public constructor(extensionUri: vscode.Uri, private readonly engines: EngineService, private readonly storage: vscode.Memento) {
        super();
        this.state = readState(storage.get<unknown>(stateKey));
        this.view = this._register(new ChatView(extensionUri, {
            onMessage: (m) => this.onMessage(m),
            onReady: () => {
                this.viewEpoch++;
                this.postSnapshot();
                // A turn still running shows as it stands now and goes on streaming into the new view.
                for (const r of this.running.values()) if (r.conversationId === this.state.current) for (const m of r.replay()) this.post(m);
            }
        }));
    }

    public get current(): StoredConversation {
        let c = this.state.conversations.find((x) => x.id === this.state.current);
        if (c == null) {
            c = newConversation();
            this.state.conversations.push(c);
            this.state.current = c.id;
        }
        return c;
    }

    public get busy(): boolean {
        return [...this.running.values()].some((r) => r.conversationId === this.state.current);
    }

    private post(message: HostToChatMessage): void {
        this.posted.push(message);
        if (this.posted.length > 3000) this.posted.splice(0, this.posted.length - 3000);
        this.view.post(message);
    }

    private get lastBudgetLabel(): string {
        const settings = this.engines.settings;
        const saved = this.storage.get<string>(lastBudgetKey);
        if (saved != null && settings.presets.some((p) => p.label === saved)) return saved;
        return settings.presets.some((p) => p.label === settings.defaultBudgetLabel) ? settings.defaultBudgetLabel : settings.presets[0]!.label;
    }

    private postSnapshot(): void {
        const c = this.current;
        const settings = this.engines.settings;
        this.post({
            type: "conversation",
            id: c.id,
            title: c.title,
            turns: c.turns.map((t) => turnView(t, c.data.droppedTurns)),
            past: this.pastList(),
            budgets: settings.presets.map((p) => ({label: p.label, description: describeBudget(presetToBudget(p))})),
            budget: this.lastBudgetLabel,
            busy: this.busy
        });
    }

    private pastList(): ConversationSummary[] {
        const current = this.state.current;
        return this.state.conversations.filter((x) => x.turns.length > 0 || x.id === current)
            .sort((a, b) => b.updated - a.updated)
            .map((x) => ({id: x.id, title: x.title || "New conversation", updated: x.updated, turns: x.turns.length}));
    }

    private async save(): Promise<void> {
        const nonEmpty = this.state.conversations.filter((c) => c.turns.length > 0 || c.id === this.state.current);
        nonEmpty.sort((a, b) => a.updated - b.updated);
        this.state.conversations = nonEmpty.slice(-keptConversations);
        await this.storage.update(stateKey, this.state);
    }

    private onMessage(message: ChatToHostMessage): void {
        switch (message.type) {
            case "ready":
                this.postSnapshot();
                break;
            case "send":
                void this.send(message.text, message.budget).catch(() => undefined);
                break;
            case "stop":
                this.stop(message.id);
                break;
            case "newChat":
                void this.newChat();
                break;
            case "open":
                void this.open(message.id);
                break;
            case "export":
                void vscode.commands.executeCommand("elasticMath.exportConversation");
                break;
            case "copy":
                void this.copy(message.id, message.what);
                break;
            case "openLink":
                void openLink(message.href);
                break;
            default:
                assertNever(message);
        }
    }

    /** Stops one turn by id, or every running turn. Never touches the solution panel's requests. */
    public stop(id?: string): number {
        let n = 0;
        for (const r of this.running.values()) {
            if (id != null && r.id !== id) continue;
            r.controller.abort();
            n++;
        }
        return n;
    }

    public async newChat(): Promise<void> {
        if (this.current.turns.length > 0) {
            const c = newConversation();
            this.state.conversations.push(c);
            this.state.current = c.id;
        }
        await this.save();
        this.postSnapshot();
    }

    public async open(id: string): Promise<void> {
        if (!this.state.conversations.some((c) => c.id === id)) return;
        this.state.current = id;
        this.viewEpoch++; // a turn running in it has no card in the view now
        await this.save();
        this.postSnapshot();
    }

    /** The live conversation for a stored one, in the model's chat format (recreated when the model's format changes). */
    private conversationFor(c: StoredConversation, format: ConversationFormat): Conversation {
        const key = `${c.id}\n${JSON.stringify(format)}`;
        let conversation = this.live.get(key);
        if (conversation == null) {
            conversation = new Conversation(c.data, {format, keepThinking: this.engines.settings.chat.feedThinkingBack});
            this.live.set(key, conversation);
        }
        return conversation;
    }

    /**
     * Sends a message in the current conversation with a budget preset (by label; default: the last one used).
     * Resolves when the turn is finished (also when stopped); a failure shows in the turn and resolves too.
     */
    public async send(text: string, budgetLabel?: string): Promise<ChatSendResult | undefined> {
        const message = text.trim();
        if (message === "") return undefined;
        const settings = this.engines.settings;
        const label = budgetLabel ?? this.lastBudgetLabel;
        const preset = settings.presets.find((p) => p.label === label);
        if (preset == null) {
            void vscode.window.showWarningMessage(`Elastic Math: there is no budget preset "${label}".`);
            return undefined;
        }
        await this.storage.update(lastBudgetKey, preset.label);
        const budget = presetToBudget(preset);
        const budgetView = toBudgetView(budget, preset.label);
        const stored = this.current;
        const engine = this.engines.current();
        const format = conversationFormatFor(await engine.format());
        if (format == null) {
            void vscode.window.showWarningMessage("Elastic Math: this model has no chat template (it is prompted with worked examples), so it cannot hold a conversation. Use Solve Problem or Solve Selection with it.");
            return undefined;
        }
        const conversation = this.conversationFor(stored, format);
        const id = `c${Date.now().toString(36)}-${this.nextId++}`;
        const controller = new AbortController();
        const onThisView = () => this.state.current === stored.id;
        // The turn's lifecycle so far, for a view that (re)loads mid-turn (the rendered text comes from the stream).
        const shown: {request?: HostToChatMessage; started?: HostToChatMessage; status?: HostToChatMessage; cut?: HostToChatMessage} = {};
        const post = (m: HostToChatMessage) => {
            if (m.type === "request" || m.type === "started" || m.type === "status" || m.type === "cut") shown[m.type] = m;
            if (onThisView()) this.post(m);
        };
        if (stored.title === "") stored.title = message.split("\n")[0]!.slice(0, 80);

        const epoch = this.viewEpoch;
        const render = readRenderOptions();
        post({type: "request", id, problemHtml: renderMarkdown(message, render).html, budget: budgetView, model: engine.modelName});
        post({type: "busy", busy: true, id});
        const stream = new PhaseStreams(id, (m) => post(m as TurnMessage), render);
        this.running.set(id, {id, conversationId: stored.id, controller, replay: () => [
            shown.request, {type: "busy", busy: true, id}, shown.started, shown.status,
            ...stream.replay("thinking") as TurnMessage[], shown.cut, ...stream.replay("solution") as TurnMessage[]
        ].filter((m): m is HostToChatMessage => m != null)});
        let status: RequestStatus = "queued";
        const setStatus = (next: RequestStatus, extra: {position?: number; detail?: string} = {}) => {
            status = next;
            post({type: "status", id, status: next, ...extra});
        };
        const onEvent = (event: SolveEvent) => {
            switch (event.type) {
                case "queued": setStatus("queued", {position: event.position}); break;
                case "loading": setStatus("loading", {detail: event.model}); break;
                case "started":
                    post({type: "started", id, model: engine.modelName, device: event.device, promptTokens: event.promptTokens});
                    setStatus("thinking");
                    break;
                case "delta": stream.push(event.phase, event.text, event.thinkingTokens, event.solutionTokens); break;
                case "cut":
                    stream.flush();
                    post({type: "cut", id, thinkingTokens: event.thinkingTokens});
                    break;
                case "phase":
                    stream.flush();
                    if (event.phase === "solution" && status !== "answering") setStatus("answering");
                    break;
                case "forced": break; // think longer is not used by the chat; the "Wait" is in the thinking text
                default: assertNever(event);
            }
        };
        const before = conversation.droppedTurns;
        let turn: StoredTurn;
        let ask: AskResult | undefined;
        try {
            if (engine.modelPath === "") throw new Error("No model is configured. Run \"Elastic Math: Use a GGUF Model File on Disk...\" or set elasticMath.model.path.");
            ask = await conversation.ask({solve: (o) => engine.solve({...o, signal: o.signal ?? controller.signal, onEvent: o.onEvent ?? (() => undefined)})},
                {message, budget, sampling: settings.sampling, signal: controller.signal, onEvent});
            this.lastAsk = ask;
            await stream.finish();
            const r = ask.result;
            turn = {
                id, user: message, budget: budgetView, thinking: r.thinking, solution: r.solution, answer: r.answer,
                status: r.stop === "abort" ? "stopped" : "done", stats: statsOf(r), error: null, modelIndex: ask.added ? conversation.turns.length - 1 : null
            };
            const record = toRecord(turn);
            post({type: "done", id, stats: turn.stats!, answerHtml: answerHtml(r.answer, render), record});
            if (conversation.droppedTurns > before) {
                const n = conversation.droppedTurns - before;
                post({type: "notice", text: `The conversation outgrew the model's context (${ask.promptTokens} prompt tokens now): the oldest ${n === 1 ? "turn is" : `${n} turns are`} no longer shown to the model.`});
            }
        } catch (err) {
            await stream.finish();
            const messageText = err instanceof Error ? err.message : String(err);
            turn = {
                id, user: message, budget: budgetView, thinking: stream.text("thinking"), solution: stream.text("solution"), answer: null,
                status: "error", stats: null, error: messageText, modelIndex: null
            };
            post({type: "error", id, message: messageText, record: toRecord(turn)});
        } finally {
            this.running.delete(id);
            post({type: "busy", busy: this.busy});
        }
        stored.turns.push(turn);
        stored.data = conversation.toJSON();
        stored.updated = Date.now();
        await this.save();
        if (this.viewEpoch !== epoch) this.postSnapshot();
        else this.post({type: "past", id: this.state.current, past: this.pastList()});
        return {turn, ask};
    }

    /** The current conversation as Markdown: math kept as the model wrote it ($...$, $$...$$), thinking folded. */
    public exportMarkdown(c: StoredConversation = this.current): string {
        const lines: string[] = [`# ${c.title || "Elastic Math conversation"}`, "", `_Exported from Elastic Math Tutor, ${new Date(c.updated).toISOString()}._`, ""];
        for (const t of c.turns) {
            lines.push("## You", "", t.user, "");
            lines.push(`## Elastic Math (${t.budget.label}: ${t.budget.mode === "elastic" ? `think ${t.budget.thinkTokens} / answer ${t.budget.answerTokens}` : "unconstrained"})`, "");
            if (t.thinking.trim() !== "")
                lines.push("<details><summary>Thinking</summary>", "", t.thinking.trim(), "", "</details>", "");
            if (t.stats?.thinkingCut) lines.push(`> Thinking cut at ${t.stats.thinkingTokens} tokens (budget).`, "");
            if (t.solution.trim() !== "") lines.push(t.solution.trim(), "");
            if (t.status === "stopped") lines.push("_(stopped)_", "");
            if (t.error != null) lines.push(`_Error: ${t.error}_`, "");
        }
        return lines.join("\n");
    }

    private async copy(id: string, what: "answer" | "markdown" | "latex"): Promise<void> {
        const turn = this.current.turns.find((t) => t.id === id);
        if (turn == null) return;
        const text = what === "answer" ? (turn.answer ?? "") : what === "markdown" ? turn.solution : markdownToLatex(turn.solution);
        if (text === "") {
            void vscode.window.showWarningMessage("Elastic Math: this answer has nothing to copy.");
            return;
        }
        await vscode.env.clipboard.writeText(text);
        vscode.window.setStatusBarMessage("Elastic Math: copied", 2000);
    }

    public override dispose(): void {
        this.stop();
        super.dispose();
    }
}

function newConversation(): StoredConversation {
    const now = Date.now();
    return {id: `conv-${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`, title: "", created: now, updated: now,
        data: {turns: [], droppedTurns: 0}, turns: []};
}

function statsOf(r: SolveResult): RequestStats {
    return {
        thinkingTokens: r.thinkingTokens, solutionTokens: r.solutionTokens, thinkingCut: r.thinkingCut, stop: r.stop,
        promptTokens: r.promptTokens, timeToFirstTokenMs: r.timings.timeToFirstTokenMs, tokensPerSecond: r.timings.tokensPerSecond,
        totalMs: r.timings.totalMs, model: r.model, device: r.device
    };
}

function toRecord(t: StoredTurn): RequestRecord {
    return {id: t.id, problem: t.user, budget: t.budget, thinking: t.thinking, solution: t.solution, answer: t.answer,
        status: t.status, stats: t.stats, error: t.error};
}

function turnView(t: StoredTurn, droppedTurns: number): ChatTurnView {
    const render = readRenderOptions();
    return {
        id: t.id, userHtml: renderMarkdown(t.user, render).html, budget: t.budget, thinkingHtml: renderMarkdown(t.thinking, render).html,
        solutionHtml: renderMarkdown(t.solution, render).html, answerHtml: answerHtml(t.answer, render), status: t.status, stats: t.stats,
        error: t.error, dropped: t.modelIndex != null && t.modelIndex < droppedTurns
    };
}

/** Reads stored state defensively: anything malformed is dropped, never thrown. */
function readState(raw: unknown): ChatState {
    const fresh = newConversation();
    const value = raw as Partial<ChatState> | undefined;
    if (value == null || !Array.isArray(value.conversations)) return {current: fresh.id, conversations: [fresh]};
    const conversations = value.conversations.filter((c): c is StoredConversation =>
        c != null && typeof c.id === "string" && Array.isArray(c.turns) && c.data != null && Array.isArray(c.data.turns)
        && typeof c.data.droppedTurns === "number");
    const current = typeof value.current === "string" && conversations.some((c) => c.id === value.current) ? value.current : undefined;
    if (current == null) {
        conversations.push(fresh);
        return {current: fresh.id, conversations};
    }
    return {current, conversations};
}
