/**
 * `elastic-math grade`: JSON lines `{"gold": "...", "pred": "..."}` on stdin -> one line `{"equal": true|false|null}`
 * per input line, in order (null = the grader cannot tell). A line that is not such an object gets
 * `{"equal": null, "error": "..."}` so that the output stays aligned with the input; empty lines are skipped.
 * Exit code 0, or 2 for a usage error.
 */
import {createInterface} from "node:readline";
import {gradeAnswer} from "../core/grading/equivalence";

const usage = `usage: elastic-math grade < pairs.jsonl
  reads {"gold": "...", "pred": "..."} per line, writes {"equal": true | false | null} per line (null = cannot tell)
`;

export async function gradeCommand(args: string[]): Promise<number> {
    if (args.includes("--help") || args.includes("-h")) { process.stdout.write(usage); return 0; }
    if (args.length > 0) { process.stderr.write(`elastic-math grade: unexpected argument ${args[0]}\n${usage}`); return 2; }
    const rl = createInterface({input: process.stdin, crlfDelay: Infinity});
    let n = 0;
    for await (const line of rl) {
        n++;
        if (line.trim() === "") continue;
        let out: {equal: boolean | null; error?: string};
        try {
            const v = JSON.parse(line) as unknown;
            if (v == null || typeof v !== "object" || typeof (v as {gold?: unknown}).gold !== "string" || typeof (v as {pred?: unknown}).pred !== "string")
                out = {equal: null, error: `line ${n}: expected {"gold": string, "pred": string}`};
            else out = {equal: gradeAnswer((v as {gold: string}).gold, (v as {pred: string}).pred)};
        } catch (err) {
            out = {equal: null, error: `line ${n}: not JSON (${err instanceof Error ? err.message : String(err)})`};
        }
        if (!process.stdout.write(JSON.stringify(out) + "\n")) await new Promise((r) => process.stdout.once("drain", r));
    }
    return 0;
}
