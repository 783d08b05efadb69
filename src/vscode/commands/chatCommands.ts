/** The chat and selection commands (issue 4), and what the extension's API exposes of them. */
import * as vscode from "vscode";
import type {ToChatMessage} from "../../protocol/messages";
import type {SolveResult} from "../../core/types";
import type {ChatSendResult, StoredConversation} from "../chatController";
import {CommandIds, type CommandHandlers} from "../commandIds";
import type {PostRecorder} from "../postRecorder";
import {insertSolutionBelow, lastTooLongMessage, type SelectionDeps, sendSelectionToChat, solveSelection, type SolveSelectionArgs} from "./selection";

export interface ChatApi {
    send(text: string, budgetLabel?: string): Promise<ChatSendResult | undefined>;
    stop(id?: string): number;
    newChat(): Promise<void>;
    exportMarkdown(): string;
    readonly current: StoredConversation;
    /** The messages posted to the chat view so far (newest last): recorded by the composition root (postRecorder.ts). */
    readonly messages: readonly ToChatMessage[];
    readonly lastTooLongMessage: string | undefined;
    solveSelection(args?: SolveSelectionArgs): Promise<SolveResult | undefined>;
    insertSolutionBelow(args?: SolveSelectionArgs): Promise<boolean>;
}

/** The handlers of the chat and selection commands (the extension's entry registers them), and their API. */
type ChatCommandId = typeof CommandIds[
    "solveSelection" | "insertSolutionBelow" | "sendSelectionToChat" | "newChat" | "stopChat" | "exportConversation"];

/** `posted`: what the chat view was sent (the composition root records it; the API shows it). */
export function chatCommands(deps: SelectionDeps, posted: PostRecorder<ToChatMessage>): {commands: Pick<CommandHandlers, ChatCommandId>; api: ChatApi} {
    const {chat} = deps;
    const commands: Pick<CommandHandlers, ChatCommandId> = {
        [CommandIds.solveSelection]: (args?: SolveSelectionArgs) => solveSelection(deps, args),
        [CommandIds.insertSolutionBelow]: (args?: SolveSelectionArgs) => insertSolutionBelow(deps, args),
        [CommandIds.sendSelectionToChat]: () => sendSelectionToChat(deps),
        [CommandIds.newChat]: async () => {
            await chat.view.reveal();
            await chat.newChat();
        },
        [CommandIds.stopChat]: () => {
            if (chat.stop() === 0) vscode.window.setStatusBarMessage(vscode.l10n.t("Elastic Math: no chat answer is running"), 2000);
        },
        [CommandIds.exportConversation]: async (target?: vscode.Uri) => {
            await chat.whenLoaded();
            const conversation = chat.current;
            if (conversation.turns.length === 0) {
                void vscode.window.showInformationMessage(vscode.l10n.t("Elastic Math: this conversation is empty; there is nothing to export."));
                return undefined;
            }
            const name = (conversation.title || "conversation").replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-|-$/g, "").slice(0, 40) || "conversation";
            const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
            const uri = target ?? await vscode.window.showSaveDialog({
                title: vscode.l10n.t("Export Conversation"),
                defaultUri: folder != null ? vscode.Uri.joinPath(folder, `${name}.md`) : undefined,
                filters: {Markdown: ["md"]}
            });
            if (uri == null) return undefined;
            try {
                await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(chat.exportMarkdown()));
            } catch (err) {
                void vscode.window.showErrorMessage(vscode.l10n.t("Elastic Math: could not write {0}: {1}", uri.fsPath, err instanceof Error ? err.message : String(err)));
                return undefined;
            }
            const open = vscode.l10n.t("Open");
            if (target == null) void vscode.window.showInformationMessage(vscode.l10n.t("Elastic Math: conversation exported to {0}.", vscode.workspace.asRelativePath(uri)), open).then((c) => {
                if (c === open) void vscode.window.showTextDocument(uri);
            });
            return uri;
        }
    };
    const api: ChatApi = {
        send: (text, budgetLabel) => chat.send(text, budgetLabel),
        stop: (id) => chat.stop(id),
        newChat: () => chat.newChat(),
        exportMarkdown: () => chat.exportMarkdown(),
        get current() { return chat.current; },
        get messages() { return posted.messages; },
        get lastTooLongMessage() { return lastTooLongMessage(); },
        solveSelection: (args) => solveSelection(deps, args),
        insertSolutionBelow: (args) => insertSolutionBelow(deps, args)
    };
    return {commands, api};
}
