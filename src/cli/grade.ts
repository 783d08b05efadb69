/**
 * `elastic-math grade`: JSON lines `{"gold": "...", "pred": "..."}` on stdin -> one line `{"equal": true|false|null}`
 * per input line, in order (null = the grader cannot tell). A line that is not such an object gets
 * `{"equal": null, "error": "..."}` so that the output stays aligned with the input; empty lines are skipped.
 * Exit codes: the convention in ./args.ts (1 when any line was bad, after every line was answered).
 */
import {createInterface} from "node:readline";
import {gradeAnswer} from "../core/grading/equivalence";
import {EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCodesHelp, write} from "./args";

const usage = `usage: elastic-math grade < pairs.jsonl
  reads {"gold": "...", "pred": "..."} per line, writes {"equal": true | false | null} per line (null = cannot tell)
  a line that is not such an object gets {"equal": null, "error": "..."} (the output stays aligned with the input)

${exitCodesHelp}`;

export async function gradeCommand(args: string[]): Promise<number> {
    if (args.includes("--help") || args.includes("-h")) { process.stdout.write(usage); return EXIT_OK; }
    if (args.length > 0) { process.stderr.write(`elastic-math grade: unexpected argument ${args[0]}\n\n${usage}`); return EXIT_USAGE; }
    const rl = createInterface({input: process.stdin, crlfDelay: Infinity});
    let n = 0;
    let bad = 0;
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
        if (out.error != null) bad++;
        await write(JSON.stringify(out) + "\n");
    }
    if (bad > 0) {
        process.stderr.write(`elastic-math grade: ${bad} input ${bad === 1 ? "line was not a {\"gold\", \"pred\"} pair" : "lines were not {\"gold\", \"pred\"} pairs"} (their output lines carry the error)\n`);
        return EXIT_FAILED;
    }
    return EXIT_OK;
}
