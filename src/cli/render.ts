/**
 * `elastic-math render [--jsonl] [--macro '\name=expansion' ...]`: markdown + LaTeX on stdin -> HTML on stdout
 * (the same HTML the panel shows).
 *
 * With `--jsonl`, each input line is `{"id": ..., "text": "..."}` and gives one output line
 * `{"id": ..., "html": "...", "errors": [{"tex", "message"}]}` (errors: the formulas KaTeX could not render);
 * a line that is not such an object gives `{"id": null, "error": "..."}` and exit code 1 at the end.
 * Without it, the whole input is one answer; formula errors are counted on stderr (a formula KaTeX cannot render is
 * part of the output, shown as its source, not bad input). Exit codes: the convention in ./args.ts.
 */
import {createInterface} from "node:readline";
import {renderMarkdown, type RenderOptions} from "../render/index";
import {EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCodesHelp, readAll, write} from "./args";

const usage = `usage: elastic-math render [--jsonl] [--macro '\\name=expansion' ...] < input
  --jsonl   each line {"id", "text"} -> {"id", "html", "errors"}; a bad line gets {"id", "error"}

${exitCodesHelp}`;

export async function renderCommand(args: string[]): Promise<number> {
    let jsonl = false;
    const macros: Record<string, string> = {};
    for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a === "--jsonl") jsonl = true;
        else if (a === "--macro") {
            const def = args[++i];
            if (def == null) {
                process.stderr.write(`elastic-math render: --macro needs a value\n\n${usage}`);
                return EXIT_USAGE;
            }
            const eq = def.indexOf("=");
            if (!def.startsWith("\\") || eq < 2) {
                process.stderr.write(`elastic-math render: bad --macro "${def}"\n\n${usage}`);
                return EXIT_USAGE;
            }
            macros[def.slice(0, eq)] = def.slice(eq + 1);
        } else if (a === "-h" || a === "--help") {
            process.stdout.write(usage);
            return EXIT_OK;
        } else {
            process.stderr.write(`elastic-math render: unknown option "${a}"\n\n${usage}`);
            return EXIT_USAGE;
        }
    }
    const options: RenderOptions = Object.keys(macros).length > 0 ? {macros} : {};

    if (!jsonl) {
        const result = renderMarkdown(await readAll(process.stdin), options);
        await write(result.html);
        if (result.errors.length > 0) process.stderr.write(`elastic-math render: ${result.errors.length} formula(s) could not be rendered\n`);
        return EXIT_OK;
    }

    let bad = 0;
    const lines = createInterface({input: process.stdin, crlfDelay: Infinity});
    for await (const line of lines) {
        if (line.trim() === "") continue;
        let item: unknown;
        try {
            item = JSON.parse(line);
        } catch (err) {
            bad++;
            await write(JSON.stringify({id: null, error: `not JSON: ${err instanceof Error ? err.message : String(err)}`}) + "\n");
            continue;
        }
        if (typeof item !== "object" || item === null || typeof (item as {text?: unknown}).text !== "string") {
            bad++;
            const id = typeof item === "object" && item !== null ? (item as {id?: unknown}).id ?? null : null;
            await write(JSON.stringify({id, error: "expected {\"id\", \"text\"} with a string text"}) + "\n");
            continue;
        }
        const {id, text} = item as {id?: unknown; text: string};
        const result = renderMarkdown(text, options);
        await write(JSON.stringify({id: id ?? null, html: result.html, errors: result.errors}) + "\n");
    }
    if (bad > 0) {
        process.stderr.write(`elastic-math render: ${bad} input ${bad === 1 ? "line was not an {\"id\", \"text\"} object" : "lines were not {\"id\", \"text\"} objects"} (their output lines carry the error)\n`);
        return EXIT_FAILED;
    }
    return EXIT_OK;
}
