import * as path from "node:path";
import * as vscode from "vscode";
import {presetToBudget} from "../core/budgets";
import {budgetText} from "./l10n";
import {type AskResult, Conversation, type ConversationData, type ConversationFormat, conversationFormatFor, conversationMarkdown} from "../core/conversation";
import type {BudgetSpec} from "../core/types";
import type {BudgetChoiceView, BudgetView, ConversationSummary, FromChatMessage, RequestRecord, RequestStats, ToChatMessage} from "../protocol/messages";
import {budgetFromJson} from "../core/budgets";
import type {BudgetPicker} from "./budgetPicker";
import {ChatView} from "./chatView";
import {Disposable} from "./disposable";
import {answerOnlyReason, type EngineService} from "./engineService";
import {readRenderOptions} from "./renderSettings";
import type {Log} from "./log";
import type {ViewRenderer} from "./formulaOffload";
import {ChatStore} from "./chatStore";
import type {KeyValueStore, ViewStorage} from "./jsonFile";
import {OrderedPost} from "./orderedPost";
import {openLink, renderRecord, RequestPipeline, toBudgetView, warnUser} from "./requestPipeline";

/** Where conversations were kept before they moved to a file (jsonFile.ts says why): read once, then removed. */
const stateKey = "elasticMath.chat.state";
const lastBudgetKey = "elasticMath.chat.lastBudget";
/** The chat's Custom… budget (typed once, offered on the chip afterwards). */
const customBudgetKey = "elasticMath.chat.customBudget";
const customLabel = "Custom";
/** Past conversations kept. */
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


/** What a chat send returned (for the extension's API and the tests). */
export interface ChatSendResult {
    readonly turn: StoredTurn;
    readonly ask: AskResult | undefined;
}

/**
 * The sidebar chat: conversations with the model on the same engine (and queue) as the solution panel.
 * Each turn goes through core/conversation.ts (KV cache kept across turns); conversations live in a file of the
 * workspace's storage folder (jsonFile.ts), read when the extension starts: what needs them waits for that.
 */
export class ChatController extends Disposable {
    public readonly view: ChatView;
    private state: ChatState;
    private readonly store: ChatStore<StoredConversation>;
    private readonly loaded: Promise<void>;
    /** The chip's budget (small values); the conversations were kept here before. */
    private readonly storage: KeyValueStore;
    private readonly live = new Map<string, Conversation>();
    private readonly pipeline: RequestPipeline;
    /** The conversation of each running turn, by request id. */
    private readonly running = new Map<string, string>();
    /** Counts view (re)loads: a view that loaded while a turn ran never got its card, so it gets a snapshot at the end. */
    private viewEpoch = 0;
    /** To the view in order: a conversation's turns render in the formula worker, and what follows waits for them. */
    private readonly out: OrderedPost<ToChatMessage>;

    public constructor(extensionUri: vscode.Uri, private readonly engines: EngineService, storage: ViewStorage,
        private readonly picker: BudgetPicker, private readonly log: Log, private readonly renderer: ViewRenderer, onPost?: (message: ToChatMessage) => void) {
        super();
        this.pipeline = new RequestPipeline("c", log, renderer);
        this.out = new OrderedPost((message) => this.view.post(message), log);
        this.storage = storage.memento;
        this.store = new ChatStore<StoredConversation>(storage.folder, signature, log);
        this.state = readState(undefined);
        this.loaded = this.load();
        this.view = this._register(new ChatView(extensionUri, {
            onMessage: (m) => void this.loaded.then(() => this.onMessage(m)),
            onProblem: (m) => warnUser(log, m),
            onReady: () => void this.loaded.then(() => {
                this.viewEpoch++;
                this.postSnapshot();
                // A turn still running shows as it stands now and goes on streaming into the new view.
                for (const m of this.pipeline.replay((id) => this.running.get(id) === this.state.current)) this.post(m);
                if (this.busy) this.post({type: "busy", busy: true, id: this.runningId()});
            })
        }, log, onPost));
    }

    /** Reads the saved conversations; those kept in workspace state or in the one file of before move to the store. */
    private async load(): Promise<void> {
        this.state = await this.store.readMoved(this.storage, stateKey, readState);
    }

    /** Resolves once the saved conversations are read (what reads `current` from outside waits for it). */
    public whenLoaded(): Promise<void> {
        return this.loaded;
    }

    /** Every save so far written (the extension's deactivation). */
    public flush(): Promise<boolean> {
        return this.store.flush();
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
        return this.runningId() != null;
    }

    private runningId(): string | undefined {
        for (const [id, conversation] of this.running) if (conversation === this.state.current) return id;
        return undefined;
    }

    private post(message: ToChatMessage): void {
        this.out.post(message);
    }

    private get lastBudgetLabel(): string {
        const settings = this.engines.settings;
        const saved = this.storage.get<string>(lastBudgetKey);
        if (saved != null && this.budgetChoices().some((b) => b.label === saved)) return saved;
        return settings.presets.some((p) => p.label === settings.defaultBudgetLabel) ? settings.defaultBudgetLabel : settings.presets[0]!.label;
    }

    /** The presets, then the Custom budget once one was typed. */
    private budgetChoices(): BudgetChoiceView[] {
        const presets = this.engines.settings.presets.map((p) => ({label: p.label, description: budgetText(presetToBudget(p))}));
        const custom = this.customBudget();
        return custom == null ? presets : [...presets, {label: customLabel, description: budgetText(custom)}];
    }

    private customBudget(): BudgetSpec | null {
        return budgetFromJson(this.storage.get<unknown>(customBudgetKey));
    }

    /** The chip's Custom…: two input boxes (one for a model without thinking), then the chip shows it. */
    private async askCustomBudget(): Promise<void> {
        const picked = await this.picker.askCustom((await answerOnlyReason(this.engines)) != null);
        if (picked != null) {
            await this.storage.update(customBudgetKey, picked.budget);
            await this.storage.update(lastBudgetKey, customLabel);
        }
        this.postSnapshot();
    }

    /** The current conversation as it stands now (its turns rendered in the formula worker; long phases in pieces). */
    private postSnapshot(): void {
        const c = this.current;
        const render = readRenderOptions();
        const shown = {type: "conversation", id: c.id, title: c.title, past: this.pastList(), budgets: this.budgetChoices(), budget: this.lastBudgetLabel, busy: this.busy} as const;
        const turns = c.turns.slice();
        this.out.post(Promise.all(turns.map((t) => renderRecord(this.renderer, toRecord(t), render, t.modelIndex != null && t.modelIndex < c.data.droppedTurns)))
            .then((restored): ToChatMessage[] => [{...shown, turns: restored.map((r) => r.item)}, ...restored.flatMap((r) => r.more)]));
    }

    private pastList(): ConversationSummary[] {
        const current = this.state.current;
        return this.state.conversations.filter((x) => x.turns.length > 0 || x.id === current)
            .sort((a, b) => b.updated - a.updated)
            .map((x) => ({id: x.id, title: x.title || vscode.l10n.t("New conversation"), updated: x.updated, turns: x.turns.length}));
    }

    private save(): void {
        const nonEmpty = this.state.conversations.filter((c) => c.turns.length > 0 || c.id === this.state.current);
        nonEmpty.sort((a, b) => a.updated - b.updated);
        this.state.conversations = nonEmpty.slice(-keptConversations);
        this.store.save(this.state);
    }

    private onMessage(message: FromChatMessage): void {
        switch (message.type) {
            case "ready":
                break;
            case "send":
                void this.send(message.text, message.budget).catch((err) => warnUser(this.log, `the chat message failed: ${err instanceof Error ? err.message : String(err)}`));
                break;
            case "customBudget":
                void this.askCustomBudget().catch((err) => warnUser(this.log, `the custom budget failed: ${err instanceof Error ? err.message : String(err)}`));
                break;
            case "stop":
                this.stop(message.id);
                break;
            case "newChat":
                void this.newChat().catch((err) => warnUser(this.log, `New Chat failed: ${String(err)}`));
                break;
            case "open":
                void this.open(message.id).catch((err) => warnUser(this.log, `opening the conversation failed: ${String(err)}`));
                break;
            case "export":
                void vscode.commands.executeCommand("elasticMath.exportConversation").then(undefined, (err) => warnUser(this.log, `the export failed: ${String(err)}`));
                break;
            case "copy": {
                const turn = this.current.turns.find((t) => t.id === message.id);
                void this.pipeline.copy(message.id, message.what, turn != null ? toRecord(turn) : undefined).catch((err) => warnUser(this.log, `copying failed: ${String(err)}`));
                break;
            }
            case "openLink":
                void openLink(message.href).catch((err) => warnUser(this.log, `opening ${message.href} failed: ${String(err)}`));
                break;
            default: {
                const unhandled: never = message;
                void unhandled;
            }
        }
    }

    /** Stops one turn by id, or every running turn. Never touches the solution panel's requests. */
    public stop(id?: string): number {
        return this.pipeline.stop(id);
    }

    public async newChat(): Promise<void> {
        await this.loaded;
        if (this.current.turns.length > 0) {
            const c = newConversation();
            this.state.conversations.push(c);
            this.state.current = c.id;
        }
        this.save();
        this.postSnapshot();
        await this.out.idle();
    }

    public async open(id: string): Promise<void> {
        await this.loaded;
        if (!this.state.conversations.some((c) => c.id === id)) return;
        this.state.current = id;
        this.viewEpoch++; // a turn running in it has no card in the view now
        this.save();
        this.postSnapshot();
        await this.out.idle();
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
        await this.loaded;
        const settings = this.engines.settings;
        const label = budgetLabel ?? this.lastBudgetLabel;
        const preset = settings.presets.find((p) => p.label === label);
        const budget = label === customLabel ? this.customBudget() : preset != null ? presetToBudget(preset) : null;
        if (budget == null) {
            void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: there is no budget preset \"{0}\".", label));
            return undefined;
        }
        await this.storage.update(lastBudgetKey, label);
        const stored = this.current;
        const engine = this.engines.current();
        const format = conversationFormatFor(await engine.format());
        if (format == null) {
            void vscode.window.showWarningMessage(vscode.l10n.t("Elastic Math: this model has no chat template (it is prompted with worked examples), so it cannot hold a conversation. Use Solve Problem or Solve Selection with it."));
            return undefined;
        }
        // A model without a thinking phase: only the answer budget applies, as in the panel.
        const budgetView = toBudgetView(budget, label, budget.mode === "elastic" && (await answerOnlyReason(this.engines)) != null);
        const conversation = this.conversationFor(stored, format);
        const onThisView = () => this.state.current === stored.id;
        if (stored.title === "") stored.title = message.split("\n")[0]!.slice(0, 80);
        const epoch = this.viewEpoch;
        const before = conversation.droppedTurns;
        let ask: AskResult | undefined;
        let runningId = "";
        const outcome = await this.pipeline.run({
            problem: message, budget: budgetView, modelName: engine.modelName, render: readRenderOptions(),
            post: (m) => {
                if (m.type === "request") {
                    runningId = m.id;
                    this.running.set(m.id, stored.id);
                }
                if (onThisView()) this.post(m);
                if (m.type === "request" && onThisView()) this.post({type: "busy", busy: true, id: m.id});
            },
            run: async ({signal, onEvent}) => {
                if (engine.modelPath === "") throw new Error(vscode.l10n.t("No model is configured. Run \"Elastic Math: Use a GGUF Model File on Disk...\" or set elasticMath.model.path."));
                ask = await conversation.ask({solve: (o) => engine.solve({...o, signal: o.signal ?? signal, onEvent: o.onEvent ?? (() => undefined)})},
                    {message, budget, sampling: settings.sampling, signal, onEvent});
                return ask.result;
            }
        });
        this.running.delete(runningId);
        if (onThisView()) this.post({type: "busy", busy: this.busy});
        const r = outcome.record;
        const turn: StoredTurn = {
            id: r.id, user: message, budget: budgetView, thinking: r.thinking, solution: r.solution, answer: r.answer,
            status: r.status === "stopped" ? "stopped" : r.status === "error" ? "error" : "done", stats: r.stats, error: outcome.ok ? null : r.error,
            modelIndex: ask?.added === true ? conversation.turns.length - 1 : null
        };
        if (ask != null && conversation.droppedTurns > before && onThisView()) {
            const n = conversation.droppedTurns - before;
            this.post({type: "notice", text: n === 1
                ? vscode.l10n.t("The conversation outgrew the model's context ({0} prompt tokens now): the oldest turn is no longer shown to the model.", ask.promptTokens)
                : vscode.l10n.t("The conversation outgrew the model's context ({0} prompt tokens now): the oldest {1} turns are no longer shown to the model.", ask.promptTokens, n)});
        }
        stored.turns.push(turn);
        stored.data = conversation.toJSON();
        stored.updated = Date.now();
        this.save();
        if (this.viewEpoch !== epoch) this.postSnapshot();
        else this.post({type: "past", id: this.state.current, past: this.pastList()});
        await this.out.idle();
        return {turn, ask};
    }

    /** The current conversation as Markdown, stamped with the time of the export (and the conversation's start). */
    public exportMarkdown(c: StoredConversation = this.current): string {
        return conversationMarkdown(c, Date.now());
    }

    public override dispose(): void {
        this.stop();
        super.dispose();
    }
}

/** What changes when a stored conversation does (its turns are only ever added): the store writes it again then. */
function signature(c: StoredConversation): string {
    return `${c.updated}\n${c.turns.length}\n${c.data.turns.length}\n${c.data.droppedTurns}\n${c.title}`;
}

function newConversation(): StoredConversation {
    const now = Date.now();
    return {id: `conv-${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`, title: "", created: now, updated: now,
        data: {turns: [], droppedTurns: 0}, turns: []};
}

function toRecord(t: StoredTurn): RequestRecord {
    return {id: t.id, problem: t.user, budget: t.budget, thinking: t.thinking, solution: t.solution, answer: t.answer,
        status: t.status, stats: t.stats, error: t.error};
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
