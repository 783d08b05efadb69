/**
 * Where the sidebar chat keeps its conversations: one file per conversation and a small index, in a `chat` folder of
 * the extension's storage folder (each a {@link JsonFile}: written off the host's thread, a temporary file then a rename).
 *
 * Why not one file: a save then serialised every kept conversation (30 at most) on the host's thread at the end of every
 * turn. Conversations with long thinking come to megabytes each; 30 of 10 turns with 120 KB of thinking are 77 MB of
 * JSON, 300-700 ms of `JSON.stringify` measured on this project's 2-core machine, and the same again in `JSON.parse`
 * at startup. Now a save serialises only the conversations that changed since the last save (at a turn's end, the one
 * it was in) and the index, and a start parses one conversation at a time, each read in its own turn of the event loop.
 *
 * Which conversations changed is told by a signature the chat gives (its counts and times): a conversation's turns are
 * never edited, only added. A conversation that is gone from the state has its file deleted. A file that cannot be read
 * or parsed, or an index entry that is not a plain id, is dropped, and that is logged.
 */
import * as path from "node:path";
import type {Logger} from "../core/logger";
import {JsonFile, readMoved, type KeyValueStore} from "./jsonFile";

/** The folder, in the storage folder, that holds the chat's files. */
export const chatFolder = "chat";
const indexFile = "index.json";
/** Where the conversations were kept before, all in one file of the storage folder: moved to the store, then removed. */
export const oneChatFile = "chat-conversations.json";
/** A conversation's id as a file name: no separators, no dots (a hostile index must not reach outside the folder). */
const plainId = /^[A-Za-z0-9_-]{1,100}$/;

interface ChatIndex {
    readonly current: string;
    readonly ids: readonly string[];
}

/** What the chat saves: which conversation is open, and the conversations in order. */
export interface SavedChat<C extends {readonly id: string}> {
    readonly current: string;
    readonly conversations: readonly C[];
}

export class ChatStore<C extends {readonly id: string}> {
    /** The storage folder (the chat's files are in its `chat` folder; the one file of before was in it). */
    private readonly storageFolder: string;
    private readonly folder: string;
    private readonly index: JsonFile;
    private readonly files = new Map<string, JsonFile>();
    /** Each saved conversation's signature when it was last written (or read). */
    private readonly written = new Map<string, string>();
    /** The files of conversations that are gone, until their deletion is on disk. */
    private readonly deleted = new Set<JsonFile>();

    public constructor(storageFolder: string, private readonly signature: (c: C) => string, private readonly log: Logger) {
        this.storageFolder = storageFolder;
        this.folder = path.join(storageFolder, chatFolder);
        this.index = new JsonFile(path.join(this.folder, indexFile), log);
    }

    /**
     * The saved chat (conversations as read: the caller checks their shape), or undefined when there is no index yet.
     * Conversations are read one at a time, so no turn of the event loop parses more than one.
     */
    public async read(): Promise<{current: unknown; conversations: unknown[]} | undefined> {
        const raw = await this.index.read() as Partial<ChatIndex> | undefined;
        if (raw == null) return undefined;
        const ids = Array.isArray(raw.ids) ? raw.ids : [];
        const conversations: unknown[] = [];
        for (const id of ids) {
            if (typeof id !== "string" || !plainId.test(id)) {
                this.log.warn(`the chat's index names a conversation that is not a plain id (${JSON.stringify(id).slice(0, 80)}); it is skipped`);
                continue;
            }
            const c = await this.file(id).read() as C | undefined;
            if (c == null || typeof c !== "object" || c.id !== id) {
                if (c != null) this.log.warn(`the chat's file ${id}.json holds another conversation; it is skipped`);
                continue;
            }
            let signature = "";
            try {
                signature = this.signature(c);
            } catch {
                // A malformed conversation: the caller drops it, and the next save deletes its file (known, not in the state).
            }
            this.written.set(id, signature);
            conversations.push(c);
        }
        return {current: raw.current, conversations};
    }

    /** Saves the chat as it is now: the changed conversations' files, the deleted ones' removal, and the index. */
    public save(chat: SavedChat<C>): void {
        const ids = new Set<string>();
        for (const c of chat.conversations) {
            if (!plainId.test(c.id)) {
                this.log.warn(`a chat conversation's id is not a plain id (${c.id.slice(0, 80)}); it is not saved`);
                continue;
            }
            ids.add(c.id);
            const signature = this.signature(c);
            if (this.written.get(c.id) === signature) continue;
            this.file(c.id).save(c);
            this.written.set(c.id, signature);
        }
        for (const id of [...this.written.keys()]) {
            if (ids.has(id)) continue;
            const file = this.file(id);
            file.save(undefined);
            this.deleted.add(file);
            this.files.delete(id);
            this.written.delete(id);
        }
        this.index.save({current: chat.current, ids: [...ids]} satisfies ChatIndex);
    }

    /** Resolves when every save so far is on disk (true) or one of its writes failed (false; logged). */
    public async flush(): Promise<boolean> {
        const deleted = [...this.deleted];
        const results = await Promise.all([this.index, ...this.files.values(), ...deleted].map((f) => f.flush()));
        for (const f of deleted) this.deleted.delete(f);
        return results.every((ok) => ok);
    }

    /**
     * The saved chat, checked by `parse`: from the store; else from the one file of before (or, before that, the
     * workspace state under `key`), which then moves to the store. The old file is removed once the store holds its
     * conversations; if a write failed it stays, to move at the next start.
     */
    public async readMoved<S extends SavedChat<C>>(legacy: KeyValueStore, key: string, parse: (raw: unknown) => S): Promise<S> {
        const saved = await this.read();
        if (saved !== undefined) return parse(saved);
        const before = new JsonFile(path.join(this.storageFolder, oneChatFile), this.log);
        const old = await readMoved(before, legacy, key, this.log);
        const chat = parse(old);
        if (old === undefined) return chat;
        this.save(chat);
        if (await this.flush()) {
            before.save(undefined);
            await before.flush();
        }
        return chat;
    }

    private file(id: string): JsonFile {
        let f = this.files.get(id);
        if (f == null) {
            f = new JsonFile(path.join(this.folder, `${id}.json`), this.log);
            this.files.set(id, f);
        }
        return f;
    }
}
