/**
 * `elastic-math render [--jsonl] [--macro '\name=expansion' ...]`: markdown + LaTeX on stdin -> HTML on stdout
 * (the same HTML the panel shows).
 *
 * With `--jsonl`, each input line is `{"id": ..., "text": "..."}` and gives one output line
 * `{"id": ..., "html": "...", "errors": [{"tex", "message"}]}` (errors: the formulas KaTeX could not render);
 * a line that is not such an object gives `{"id": null, "error": "..."}` and a non-zero exit status at the end.
 * Without it, the whole input is one answer; formula errors are counted on stderr.
 */
import {createInterface} from "node:readline";
import {renderMarkdown, type RenderOptions} from "../render/index";

const usage = "usage: elastic-math render [--jsonl] [--macro '\\name=expansion' ...] < input\n";

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString("utf8");
}

function write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
        process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
    });
}

export async function renderCommand(args: string[]): Promise<number> {
    let jsonl = false;
    const macros: Record<string, string> = {};
    for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a === "--jsonl") jsonl = true;
        else if (a === "--macro" && i + 1 < args.length) {
            const def = args[++i]!;
            const eq = def.indexOf("=");
            if (!def.startsWith("\\") || eq < 2) {
                process.stderr.write(`elastic-math render: bad --macro "${def}"\n${usage}`);
                return 2;
            }
            macros[def.slice(0, eq)] = def.slice(eq + 1);
        } else if (a === "-h" || a === "--help") {
            process.stdout.write(usage);
            return 0;
        } else {
            process.stderr.write(`elastic-math render: unknown option "${a}"\n${usage}`);
            return 2;
        }
    }
    const options: RenderOptions = Object.keys(macros).length > 0 ? {macros} : {};

    if (!jsonl) {
        const result = renderMarkdown(await readAll(process.stdin), options);
        await write(result.html);
        if (result.errors.length > 0) process.stderr.write(`elastic-math render: ${result.errors.length} formula(s) could not be rendered\n`);
        return 0;
    }

    let status = 0;
    const lines = createInterface({input: process.stdin, crlfDelay: Infinity});
    for await (const line of lines) {
        if (line.trim() === "") continue;
        let item: unknown;
        try {
            item = JSON.parse(line);
        } catch (err) {
            status = 1;
            await write(JSON.stringify({id: null, error: `not JSON: ${err instanceof Error ? err.message : String(err)}`}) + "\n");
            continue;
        }
        if (typeof item !== "object" || item === null || typeof (item as {text?: unknown}).text !== "string") {
            status = 1;
            const id = typeof item === "object" && item !== null ? (item as {id?: unknown}).id ?? null : null;
            await write(JSON.stringify({id, error: "expected {\"id\", \"text\"} with a string text"}) + "\n");
            continue;
        }
        const {id, text} = item as {id?: unknown; text: string};
        const result = renderMarkdown(text, options);
        await write(JSON.stringify({id: id ?? null, html: result.html, errors: result.errors}) + "\n");
    }
    return status;
}
