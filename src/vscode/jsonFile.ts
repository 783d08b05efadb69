/**
 * One JSON value kept in a file of the extension's storage folder, written off the host's thread.
 *
 * The Tutor's session and the sidebar chat's conversations live in such files. Why not in workspace state
 * (vscode.Memento): VS Code sends an extension's whole workspace state to the workbench again on every update of any
 * key, after a deep copy of the updated value on the host's thread. With a long answer in the Tutor's session (220 KB
 * of markdown) each Tutor step cost the host's thread 20-30 ms in that copy and 25-30 ms in serialising the whole
 * state, the chat's conversations included (a CPU profile of test/integration/render-restore.test.ts;
 * docs/hostile-input.md); the chat saved its 30 conversations that way at every turn. Here a save costs one
 * `JSON.stringify` of the value (under a millisecond for 220 KB) and the write happens in Node's thread pool.
 *
 * Writes are whole-file (a temporary file, then a rename), one at a time, and only the newest value waits: saves in a
 * row coalesce. A file that cannot be read or parsed reads as nothing, and that is logged.
 */
import {mkdir, readFile, rename, rm, writeFile} from "node:fs/promises";
import * as path from "node:path";
import type {Logger} from "../core/logger";

/** The part of a vscode.Memento (workspace state) that {@link readMoved} uses. */
export interface KeyValueStore {
    get<T>(key: string): T | undefined;
    update(key: string, value: unknown): Thenable<void>;
}

/**
 * Where a view keeps what it saves: a folder of the extension's storage (the files) and the workspace state (small
 * values, and where files' values were kept before: {@link readMoved}). One for the Tutor and the chat (src/main.ts).
 */
export interface ViewStorage {
    readonly folder: string;
    readonly memento: KeyValueStore;
}

export class JsonFile {
    /** The newest text to write (null: delete the file), when a write is waiting. */
    private next: string | null | undefined;
    private writing: Promise<void> | undefined;
    /** The last write failed (logged). */
    private failed = false;

    public constructor(private readonly file: string, private readonly log: Logger) {}

    /** The value in the file; undefined when there is none, or it cannot be read (logged). */
    public async read(): Promise<unknown> {
        let text: string;
        try {
            text = await readFile(this.file, "utf8");
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "ENOENT") this.log.warn(`reading ${path.basename(this.file)} failed: ${String(err)}`);
            return undefined;
        }
        try {
            return JSON.parse(text) as unknown;
        } catch (err) {
            this.log.warn(`${path.basename(this.file)} is not valid JSON (${String(err)}); it is ignored`);
            return undefined;
        }
    }

    /** Saves `value` as it is now (undefined deletes the file); the write follows off the host's thread. */
    public save(value: unknown): void {
        this.next = value === undefined ? null : JSON.stringify(value);
        this.writing ??= this.drain();
    }

    /** Resolves when every save so far is on disk (true) or the last one failed (false; logged). */
    public async flush(): Promise<boolean> {
        while (this.writing != null) await this.writing;
        return !this.failed;
    }

    private async drain(): Promise<void> {
        try {
            while (this.next !== undefined) {
                const text = this.next;
                this.next = undefined;
                try {
                    this.failed = false;
                    if (text == null) await rm(this.file, {force: true});
                    else {
                        await mkdir(path.dirname(this.file), {recursive: true});
                        const temporary = `${this.file}.${process.pid}.tmp`;
                        await writeFile(temporary, text, "utf8");
                        await rename(temporary, this.file);
                    }
                } catch (err) {
                    this.failed = true;
                    this.log.warn(`saving ${path.basename(this.file)} failed: ${String(err)}`);
                }
            }
        } finally {
            this.writing = undefined;
        }
    }
}

/**
 * The value in `file`, or, where it is not there yet, the one kept under `key` in `legacy` (the workspace state, where
 * it was before): that one is written to the file, then removed from `legacy` once the file holds it (a failed write
 * leaves it there, to move at the next start). A value under `key` beside a file is removed: the file wins.
 */
export async function readMoved(file: JsonFile, legacy: KeyValueStore, key: string, log: Logger): Promise<unknown> {
    const saved = await file.read();
    const old = legacy.get<unknown>(key);
    if (old === undefined) return saved;
    if (saved === undefined) {
        file.save(old);
        if (!(await file.flush())) return old;
    }
    await Promise.resolve(legacy.update(key, undefined)).catch((err: unknown) => log.warn(`removing ${key} from workspace state failed: ${String(err)}`));
    return saved ?? old;
}
