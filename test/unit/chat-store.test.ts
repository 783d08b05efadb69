/**
 * The sidebar chat's store (src/vscode/chatStore.ts), on the real file system in a temporary folder: a file per
 * conversation and an index; a save writes only the conversations that changed (a turn's end rewrites one file, not
 * thirty); a conversation that is gone loses its file; a hostile or corrupt index or file is skipped and logged, and
 * nothing outside the folder is read; the one file of before (and the workspace state before it) moves to the store.
 */
import assert from "node:assert/strict";
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import * as path from "node:path";
import {after, test} from "node:test";
import {ChatStore, chatFolder, oneChatFile, type SavedChat} from "../../src/vscode/chatStore";

const root = mkdtempSync(path.join(tmpdir(), "emt-chat-store-"));
after(() => rmSync(root, {recursive: true, force: true}));
let folders = 0;
const newFolder = () => { const f = path.join(root, `s${folders++}`); mkdirSync(f); return f; };

interface Conv {
    readonly id: string;
    title: string;
    updated: number;
    turns: {readonly user: string; readonly thinking: string}[];
}
const signature = (c: Conv) => `${c.updated}\n${c.turns.length}\n${c.title}`;
const conv = (i: number, turns = 1, size = 100): Conv => ({id: `conv-${i}`, title: `problem ${i}`, updated: i,
    turns: Array.from({length: turns}, (_, t) => ({user: `q${t}`, thinking: "t".repeat(size)}))});

function logger() {
    const warnings: string[] = [];
    return {warnings, log: {info: () => undefined, warn: (m: string) => void warnings.push(m), error: (m: string | Error) => void warnings.push(String(m))}};
}

/** Each file's inode: a write (a temporary file, then a rename) gives the file a new one. */
function inodes(folder: string): Map<string, number> {
    const dir = path.join(folder, chatFolder);
    return new Map(readdirSync(dir).map((f) => [f, statSync(path.join(dir, f)).ino]));
}

class MapStore {
    public readonly map = new Map<string, unknown>();
    public get<T>(key: string): T | undefined { return this.map.get(key) as T | undefined; }
    public update(key: string, value: unknown): Promise<void> {
        if (value === undefined) this.map.delete(key); else this.map.set(key, value);
        return Promise.resolve();
    }
}

test("the chat reads back as saved: a file per conversation and an index, in order, with the open one", async () => {
    const folder = newFolder();
    const {log, warnings} = logger();
    const store = new ChatStore<Conv>(folder, signature, log);
    assert.equal(await store.read(), undefined, "nothing saved yet");
    const chat: SavedChat<Conv> = {current: "conv-2", conversations: [conv(1), conv(2, 3), conv(3)]};
    store.save(chat);
    assert.equal(await store.flush(), true);
    assert.deepEqual([...inodes(folder).keys()].sort(), ["conv-1.json", "conv-2.json", "conv-3.json", "index.json"]);
    const again = await new ChatStore<Conv>(folder, signature, log).read();
    assert.deepEqual(again, {current: "conv-2", conversations: JSON.parse(JSON.stringify(chat.conversations))});
    assert.deepEqual(warnings, []);
});

test("a save after a turn writes only that conversation's file and the index; a conversation that is gone loses its file", async () => {
    const folder = newFolder();
    const {log} = logger();
    const store = new ChatStore<Conv>(folder, signature, log);
    // Thirty conversations of 200 KB each, as a long-thinking user keeps them.
    const conversations = Array.from({length: 30}, (_, i) => conv(i, 2, 100_000));
    store.save({current: "conv-29", conversations});
    await store.flush();
    const before = inodes(folder);

    conversations[29]!.turns.push({user: "and then?", thinking: "more"});
    conversations[29]!.updated = 100;
    store.save({current: "conv-29", conversations});
    await store.flush();
    const afterTurn = inodes(folder);
    const rewritten = [...afterTurn].filter(([f, ino]) => before.get(f) !== ino).map(([f]) => f).sort();
    assert.deepEqual(rewritten, ["conv-29.json", "index.json"]);
    assert.equal(JSON.parse(readFileSync(path.join(folder, chatFolder, "conv-29.json"), "utf8")).turns.length, 3);

    // The oldest conversation drops out of the kept ones: its file goes, the others stay as they were.
    store.save({current: "conv-29", conversations: conversations.slice(1)});
    await store.flush();
    const afterDrop = inodes(folder);
    assert.equal(afterDrop.has("conv-0.json"), false);
    assert.deepEqual([...afterDrop].filter(([f, ino]) => afterTurn.get(f) !== ino).map(([f]) => f), ["index.json"]);

    // Read again, nothing needs writing: a save with no change writes the index only.
    const reread = new ChatStore<Conv>(folder, signature, log);
    const read = await reread.read();
    assert.equal(read?.conversations.length, 29);
    reread.save({current: "conv-29", conversations: read!.conversations as Conv[]});
    await reread.flush();
    assert.deepEqual([...inodes(folder)].filter(([f, ino]) => afterDrop.get(f) !== ino).map(([f]) => f), ["index.json"]);
});

test("a hostile index reads nothing outside the folder; a corrupt or foreign file is skipped; each is logged", async () => {
    const folder = newFolder();
    const {log, warnings} = logger();
    const dir = path.join(folder, chatFolder);
    mkdirSync(dir);
    writeFileSync(path.join(folder, "secret.json"), JSON.stringify({id: "../secret", title: "outside"}));
    writeFileSync(path.join(dir, "conv-ok.json"), JSON.stringify(conv(7)).replace("conv-7", "conv-ok"));
    writeFileSync(path.join(dir, "conv-bad.json"), "{\"id\": \"conv-bad\", \"tur");
    writeFileSync(path.join(dir, "conv-other.json"), JSON.stringify(conv(8)));
    writeFileSync(path.join(dir, "index.json"), JSON.stringify({current: "conv-ok", ids: ["../secret", "a/b", 5, "conv-bad", "conv-other", "conv-missing", "conv-ok"]}));
    const read = await new ChatStore<Conv>(folder, signature, log).read();
    assert.deepEqual(read?.conversations.map((c) => (c as Conv).id), ["conv-ok"]);
    assert.equal(read?.current, "conv-ok");
    const said = warnings.join("\n");
    assert.match(said, /not a plain id \("\.\.\/secret"\)/);
    assert.match(said, /not a plain id \("a\/b"\)/);
    assert.match(said, /conv-bad\.json is not valid JSON/);
    assert.match(said, /conv-other\.json holds another conversation/);
    // A conversation the chat cannot use (no turns, so its signature throws) is read, dropped by the caller, and its
    // file goes at the next save.
    writeFileSync(path.join(dir, "conv-broken.json"), JSON.stringify({id: "conv-broken"}));
    writeFileSync(path.join(dir, "index.json"), JSON.stringify({current: "conv-ok", ids: ["conv-broken", "conv-ok"]}));
    const strict = new ChatStore<Conv>(folder, (c) => `${c.turns.length}`, log);
    const both = await strict.read();
    assert.equal(both?.conversations.length, 2);
    strict.save({current: "conv-ok", conversations: both!.conversations.filter((c) => Array.isArray((c as Conv).turns)) as Conv[]});
    await strict.flush();
    assert.equal(existsSync(path.join(dir, "conv-broken.json")), false);
    assert.equal(existsSync(path.join(dir, "conv-ok.json")), true);
    // A conversation whose id is not a plain file name is not saved (and writes nothing outside the folder).
    const store = new ChatStore<Conv>(folder, signature, log);
    store.save({current: "x", conversations: [{...conv(1), id: "../escape"}]});
    await store.flush();
    assert.equal(existsSync(path.join(folder, "escape.json")), false);
    assert.match(warnings.join("\n"), /id is not a plain id \(\.\.\/escape\)/);
});

test("the one file of before moves to the store and is removed; the workspace state before it moves too; a failed move keeps it", async () => {
    const {log} = logger();
    const parse = (raw: unknown): SavedChat<Conv> => raw == null ? {current: "", conversations: []} : raw as SavedChat<Conv>;
    const legacy = new MapStore();

    // The one file of before.
    const folder = newFolder();
    const old = {current: "conv-2", conversations: [conv(1), conv(2)]};
    writeFileSync(path.join(folder, oneChatFile), JSON.stringify(old));
    const store = new ChatStore<Conv>(folder, signature, log);
    assert.deepEqual(await store.readMoved(legacy, "elasticMath.chat.state", parse), old);
    assert.equal(existsSync(path.join(folder, oneChatFile)), false, "the old file is removed once moved");
    assert.deepEqual(await new ChatStore<Conv>(folder, signature, log).read(), old);
    // Read again from the store: the same.
    assert.deepEqual(await new ChatStore<Conv>(folder, signature, log).readMoved(legacy, "elasticMath.chat.state", parse), old);

    // Workspace state, from before the one file.
    const second = newFolder();
    legacy.map.set("elasticMath.chat.state", old);
    assert.deepEqual(await new ChatStore<Conv>(second, signature, log).readMoved(legacy, "elasticMath.chat.state", parse), old);
    assert.equal(legacy.map.has("elasticMath.chat.state"), false);
    assert.equal(existsSync(path.join(second, oneChatFile)), false);
    assert.deepEqual(await new ChatStore<Conv>(second, signature, log).read(), old);

    // The store's folder cannot be made (a file is in its place): the old file stays, to move at the next start.
    const third = newFolder();
    writeFileSync(path.join(third, oneChatFile), JSON.stringify(old));
    writeFileSync(path.join(third, chatFolder), "a file where the folder would be");
    const {log: log3, warnings} = logger();
    assert.deepEqual(await new ChatStore<Conv>(third, signature, log3).readMoved(legacy, "elasticMath.chat.state", parse), old);
    assert.equal(existsSync(path.join(third, oneChatFile)), true, "the old file is kept when the move failed");
    assert.match(warnings.join("\n"), /saving .*\.json failed/);
});
