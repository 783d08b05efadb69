/**
 * The evaluation sets that ship with the project (data/benchmarks, see its PROVENANCE.md) and user JSONL files.
 * A line is `{"id"?, "problem", "answer"}`; ids default to the line number.
 */
import {existsSync, readFileSync} from "node:fs";
import {dirname, join} from "node:path";
import type {EvalItem} from "./harness";

/** Dataset names -> files in data/benchmarks. */
export const DATASETS: Readonly<Record<string, string>> = {
    aime24: "aime.jsonl",
    math500: "math.jsonl",
    amc: "amc.jsonl",
    gsm8k: "gsm8k.jsonl",
    minerva: "minerva.jsonl",
    olympiad: "olympiad_bench.jsonl"
};

/** data/benchmarks, found upwards from `from` (the bundle's folder) or the working folder. */
export function benchmarksDir(from: string): string {
    let dir = from;
    for (let i = 0; i < 6; i++) {
        if (existsSync(join(dir, "data", "benchmarks"))) return join(dir, "data", "benchmarks");
        dir = dirname(dir);
    }
    return join(process.cwd(), "data", "benchmarks");
}

export function loadDataset(nameOrPath: string, from: string): {name: string; items: EvalItem[]} {
    const file = DATASETS[nameOrPath] != null ? join(benchmarksDir(from), DATASETS[nameOrPath]!) : nameOrPath;
    if (!existsSync(file))
        throw new Error(`dataset "${nameOrPath}" not found: give one of ${Object.keys(DATASETS).join(", ")} or a .jsonl file`);
    const items: EvalItem[] = [];
    const ids = new Set<string>();
    readFileSync(file, "utf8").split("\n").forEach((line, i) => {
        if (line.trim() === "") return;
        let v: {id?: unknown; problem?: unknown; answer?: unknown};
        try { v = JSON.parse(line); } catch { throw new Error(`${file}:${i + 1}: not JSON`); }
        if (typeof v.problem !== "string" || v.problem.trim() === "") throw new Error(`${file}:${i + 1}: "problem" must be a non-empty string`);
        if (typeof v.answer !== "string" && typeof v.answer !== "number") throw new Error(`${file}:${i + 1}: "answer" must be a string`);
        const id = v.id != null ? String(v.id) : `line-${i + 1}`;
        if (ids.has(id)) throw new Error(`${file}:${i + 1}: id "${id}" appears twice`);
        ids.add(id);
        items.push({id, problem: v.problem, answer: String(v.answer)});
    });
    return {name: DATASETS[nameOrPath] != null ? nameOrPath : file.split(/[\\/]/).pop()!, items};
}
