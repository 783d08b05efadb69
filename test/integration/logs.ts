// The log channels' files, as a user would send them: under the run's user-data folder (scripts/vscode-server.mjs gives
// each run its own HOME next to its user-data folder; VS Code writes log channels under user-data/logs/).
import * as fs from "node:fs";
import * as path from "node:path";

/** The files of log channels whose name contains `name` (other channels' lines never match what a test looks for). */
export function logFiles(name: string): string[] {
    const found: string[] = [];
    const walk = (dir: string, depth: number) => {
        let entries: fs.Dirent[] = [];
        try { entries = fs.readdirSync(dir, {withFileTypes: true}); } catch { return; }
        for (const e of entries) {
            const p = path.join(dir, e.name);
            if (e.isDirectory() && depth > 0) walk(p, depth - 1);
            else if (e.isFile() && e.name.includes(name)) found.push(p);
        }
    };
    walk(path.join(path.dirname(process.env.HOME ?? ""), "user-data", "logs"), 6);
    return found;
}

/** The text of those files now. */
export function logText(name: string): string {
    return logFiles(name).map((f) => fs.readFileSync(f, "utf8")).join("\n");
}

/** Waits (up to `timeoutMs`) until the log's text passes `check`; returns the text then (the last one read on timeout). */
export async function waitForLog(name: string, check: (text: string) => boolean, timeoutMs = 20000): Promise<string> {
    let text = "";
    for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
        text = logText(name);
        if (check(text)) break;
    }
    return text;
}
