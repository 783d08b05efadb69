/**
 * The JSON file the Tutor keeps its session in (src/vscode/jsonFile.ts), on the real file system in a temporary folder:
 * what is saved is read back as it was when saved, saves in a row coalesce and the newest wins, nothing is lost or
 * thrown on a folder that cannot be written or a file that is not JSON (each is logged); what the workspace state held
 * before moves to the file and is not lost when the file cannot be written.
 */
import assert from "node:assert/strict";
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import * as path from "node:path";
import {after, test} from "node:test";
import {JsonFile, readMoved} from "../../src/vscode/jsonFile";

const folder = mkdtempSync(path.join(tmpdir(), "emt-json-file-"));
after(() => rmSync(folder, {recursive: true, force: true}));

function logger() {
    const warnings: string[] = [];
    return {warnings, log: {info: () => undefined, warn: (m: string) => void warnings.push(m), error: (m: string | Error) => void warnings.push(String(m))}};
}

test("a saved value reads back as it was when saved; the folder is made; no temporary file stays", async () => {
    const {log, warnings} = logger();
    const file = path.join(folder, "made", "here", "session.json");
    const store = new JsonFile(file, log);
    assert.equal(await store.read(), undefined, "no file yet: nothing, and no warning");
    const session = {problem: "2+2?", steps: 0, solution: "x".repeat(300_000)};
    store.save(session);
    // Changed after the save: what was saved is the value at the save.
    session.steps = 5;
    await store.flush();
    assert.deepEqual(await new JsonFile(file, log).read(), {problem: "2+2?", steps: 0, solution: "x".repeat(300_000)});
    assert.deepEqual(readdirSync(path.dirname(file)), ["session.json"]);
    assert.deepEqual(warnings, []);
});

test("saves in a row: the newest is on disk at the end; undefined removes the file", async () => {
    const {log} = logger();
    const file = path.join(folder, "row.json");
    const store = new JsonFile(file, log);
    for (let i = 0; i < 200; i++) store.save({i});
    await store.flush();
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), {i: 199});
    store.save({i: 200});
    store.save(undefined);
    await store.flush();
    assert.equal(await store.read(), undefined);
    assert.deepEqual(readdirSync(folder).filter((f) => f.startsWith("row")), []);
});

test("a file that is not JSON reads as nothing, with a warning; a folder that cannot be written loses the save with a warning, never a throw", async () => {
    const {log, warnings} = logger();
    const bad = path.join(folder, "bad.json");
    writeFileSync(bad, "{\"problem\": \"2+2?\", ");
    assert.equal(await new JsonFile(bad, log).read(), undefined);
    assert.match(warnings.join("\n"), /bad\.json is not valid JSON/);
    // A "folder" that is a file: mkdir fails.
    const blocked = new JsonFile(path.join(bad, "session.json"), log);
    blocked.save({problem: "2+2?"});
    await blocked.flush();
    assert.match(warnings.join("\n"), /saving session\.json failed/);
    // The store still works for the next save elsewhere: a new one in a good folder.
    const good = new JsonFile(path.join(folder, "good.json"), log);
    good.save({ok: true});
    await good.flush();
    assert.deepEqual(await good.read(), {ok: true});
});

/** Workspace state as VS Code's Memento keeps it, in memory (the extension host's own cannot run here). */
class MapStore {
    public readonly map = new Map<string, unknown>();
    public get<T>(key: string): T | undefined {
        return this.map.get(key) as T | undefined;
    }
    public update(key: string, value: unknown): Promise<void> {
        if (value === undefined) this.map.delete(key);
        else this.map.set(key, value);
        return Promise.resolve();
    }
}

test("a value kept in workspace state moves to the file: written, then removed there; a file already there wins", async () => {
    const {log, warnings} = logger();
    const legacy = new MapStore();
    const session = {problem: "2+2?", stepsShown: 1};
    legacy.map.set("elasticMath.tutor.session", session);
    const file = path.join(folder, "moved", "tutor-session.json");
    assert.deepEqual(await readMoved(new JsonFile(file, log), legacy, "elasticMath.tutor.session", log), session);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), session);
    assert.equal(legacy.map.has("elasticMath.tutor.session"), false);
    // The next start reads the file.
    assert.deepEqual(await readMoved(new JsonFile(file, log), legacy, "elasticMath.tutor.session", log), session);
    // An older value left in workspace state beside the file: the file wins, and the old one goes.
    legacy.map.set("elasticMath.tutor.session", {problem: "older"});
    assert.deepEqual(await readMoved(new JsonFile(file, log), legacy, "elasticMath.tutor.session", log), session);
    assert.equal(legacy.map.size, 0);
    // Nothing anywhere.
    assert.equal(await readMoved(new JsonFile(path.join(folder, "none.json"), log), legacy, "elasticMath.chat.state", log), undefined);
    assert.deepEqual(warnings, []);
});

test("a move whose write fails keeps the value in workspace state (it moves at the next start), and the caller still gets it", async () => {
    const {log, warnings} = logger();
    const legacy = new MapStore();
    legacy.map.set("elasticMath.chat.state", {current: "c1", conversations: []});
    const blockedFolder = path.join(folder, "a-file");
    writeFileSync(blockedFolder, "");
    const value = await readMoved(new JsonFile(path.join(blockedFolder, "chat-conversations.json"), log), legacy, "elasticMath.chat.state", log);
    assert.deepEqual(value, {current: "c1", conversations: []});
    assert.deepEqual(legacy.map.get("elasticMath.chat.state"), {current: "c1", conversations: []});
    assert.match(warnings.join("\n"), /saving chat-conversations\.json failed/);
});
