/**
 * The evaluation harness behind `elastic-math eval`: E1's tables (per budget, Avg@k accuracy and mean response
 * tokens) on a dataset, every sample written as one JSON line as soon as it is graded, so that a crashed or stopped
 * run resumes where it was: a rerun with the same output folder skips the samples already in `samples.jsonl` (a torn
 * last line is dropped and redone). Seeds are a function of (problem id, sample index), so a resumed run samples
 * exactly what an uninterrupted one would have.
 *
 * Concurrency: samples may run several at a time (`lanes` solvers in flight, each running batches of up to
 * `batchSize` samples of one problem through `solveMany`). Each sample is appended as one whole line the moment it is
 * graded, whatever the order in which they finish; samples that were running when the process died are simply not
 * in the file and are redone with the same seed. The table depends only on the set of records (sums of integers), so
 * a resumed concurrent run gives the same table as an uninterrupted sequential one.
 *
 * Plain Node: the solver is passed in (the CLI gives an ElasticEngine; tests may give the same on fixtures).
 */
import {appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, truncateSync} from "node:fs";
import {join} from "node:path";
import {gradeAnswer} from "../grading/equivalence";
import {parseTokenCount} from "../budgets";
import {extractFinalAnswer, type AnswerStyle} from "../grading/extract";
import type {BudgetSpec, SamplingOptions, SolveResult} from "../types";
import {accuracyPlotSvg, type PlotSeries} from "./plot";

export interface EvalItem {
    readonly id: string;
    readonly problem: string;
    readonly answer: string;
}

export interface EvalBudget {
    /** As written on the command line: "1024+1024" or "unconstrained". */
    readonly label: string;
    readonly spec: BudgetSpec;
}

/** One graded sample: a line of samples.jsonl. */
export interface SampleRecord {
    readonly budget: string;
    readonly id: string;
    readonly sample: number;
    readonly seed: number;
    readonly gold: string;
    readonly pred: string | null;
    /** true / false / null (the grader cannot tell; counted as not correct). */
    readonly correct: boolean | null;
    readonly thinkingTokens: number;
    readonly solutionTokens: number;
    /** Response length: thinking + solution sampled tokens (E1's "tokens"). */
    readonly tokens: number;
    readonly thinkingCut: boolean;
    readonly stop: string;
}

export interface BudgetRow {
    readonly budget: string;
    readonly samples: number;
    /** Avg@k in percent: correct samples / all samples. */
    readonly accuracy: number;
    /** Mean response tokens over all samples. */
    readonly meanTokens: number;
    readonly cannotTell: number;
}

export type Solver = (options: {problem: string; budget: BudgetSpec; sampling: SamplingOptions; signal?: AbortSignal}) => Promise<SolveResult>;

/** k samples of one problem at once (ElasticEngine.solveMany's shape); `onSample` as each one ends. */
export type ManySolver = (options: {problem: string; budget: BudgetSpec; samplings: SamplingOptions[]; signal?: AbortSignal;
    onSample: (index: number, result: SolveResult) => void}) => Promise<unknown>;

/** What the progress callback gets. */
export interface EvalProgress {
    readonly done: number;
    readonly total: number;
    /** Already done when this run started (resumed). */
    readonly resumed: number;
    /** The sample just graded (absent in the first call). */
    readonly last?: SampleRecord;
    /** Response tokens (thinking + solution) of the samples graded in this run. */
    readonly generatedTokens: number;
    /** Milliseconds since this run started its first sample. */
    readonly elapsedMs: number;
}

export interface EvalOptions {
    readonly items: readonly EvalItem[];
    readonly budgets: readonly EvalBudget[];
    /** k of Avg@k. */
    readonly samples: number;
    readonly solve: Solver;
    /** Where samples.jsonl, results.md, results.json and accuracy-vs-tokens.svg are written. */
    readonly outDir: string;
    /** Shown in the table and the plot. */
    readonly modelName: string;
    readonly datasetName: string;
    readonly answerStyle?: AnswerStyle;
    readonly sampling?: Omit<SamplingOptions, "seed">;
    readonly signal?: AbortSignal;
    /** Solvers in flight at once (default 1): `solve` (or `solveMany`) is called up to this many times concurrently. */
    readonly lanes?: number;
    /** With `solveMany`: up to this many pending samples of one problem and budget per call (default 1). */
    readonly batchSize?: number;
    /** Used instead of `solve` when given and a batch holds more than one sample. */
    readonly solveMany?: ManySolver;
    /** After each sample (and once at the start with the count already done). */
    readonly onProgress?: (p: EvalProgress) => void;
}

export interface EvalResult {
    readonly rows: BudgetRow[];
    readonly complete: boolean;
    readonly files: {samples: string; markdown: string; json: string; svg: string};
}

/** "1024+1024" -> elastic t=1024 s=1024; "unconstrained" or "unconstrained:N". */
export function parseBudgets(text: string): EvalBudget[] {
    const out: EvalBudget[] = [];
    for (const raw of text.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
        const el = /^([^+]+)\+([^+]+)$/.exec(raw);
        const un = /^unconstrained(?::(\d+))?$/.exec(raw);
        if (el) {
            // The one rule for a phase budget, as in the budget pick and `solve --think/--answer`.
            const t = parseTokenCount(el[1]!, "thinking");
            const s = parseTokenCount(el[2]!, "answer");
            if (typeof t === "string" || typeof s === "string") throw new Error(`budget "${raw}": ${typeof t === "string" ? t : s}`);
            out.push({label: raw, spec: {mode: "elastic", thinkTokens: t, answerTokens: s}});
        } else if (un) {
            out.push({label: raw, spec: un[1] ? {mode: "unconstrained", maxTokens: Number(un[1])} : {mode: "unconstrained"}});
        } else throw new Error(`budget "${raw}" is not <think>+<answer> (e.g. 1024+1024) or unconstrained[:N]`);
    }
    if (out.length === 0) throw new Error("no budgets given");
    if (new Set(out.map((b) => b.label)).size !== out.length) throw new Error("a budget is listed twice");
    return out;
}

/** The seed of a sample: stable across runs and budgets (FNV-1a of the id, mixed with the index). */
export function sampleSeed(id: string, sample: number): number {
    let h = 0x811c9dc5;
    for (const ch of `${id}#${sample}`) { h ^= ch.codePointAt(0)!; h = Math.imul(h, 0x01000193) >>> 0; }
    return h & 0x7fffffff;
}

const key = (budget: string, id: string, sample: number) => `${budget}\u0000${id}\u0000${sample}`;

/** Reads samples.jsonl; a torn last line (a crash mid-write) is cut off the file so appends stay well-formed. */
export function readSamples(path: string): SampleRecord[] {
    if (!existsSync(path)) return [];
    const text = readFileSync(path, "utf8");
    const out: SampleRecord[] = [];
    let goodLength = 0;
    let offset = 0;
    for (const line of text.split("\n")) {
        const end = offset + Buffer.byteLength(line, "utf8") + 1;
        if (line.trim() !== "") {
            try {
                const r = JSON.parse(line) as SampleRecord;
                if (typeof r.budget === "string" && typeof r.id === "string" && typeof r.sample === "number") {
                    out.push(r);
                    goodLength = Math.min(end, Buffer.byteLength(text, "utf8"));
                } else break;
            } catch { break; }
        } else goodLength = Math.min(end, Buffer.byteLength(text, "utf8"));
        offset = end;
    }
    if (goodLength < Buffer.byteLength(text, "utf8")) truncateSync(path, goodLength);
    return out;
}

export function summarize(records: readonly SampleRecord[], budgets: readonly EvalBudget[]): BudgetRow[] {
    return budgets.map((b) => {
        const rs = records.filter((r) => r.budget === b.label);
        const n = rs.length;
        return {
            budget: b.label,
            samples: n,
            accuracy: n === 0 ? 0 : (100 * rs.filter((r) => r.correct === true).length) / n,
            meanTokens: n === 0 ? 0 : rs.reduce((a, r) => a + r.tokens, 0) / n,
            cannotTell: rs.filter((r) => r.correct === null).length
        };
    });
}

/** The E1-style Markdown table. */
export function markdownTable(rows: readonly BudgetRow[], o: {modelName: string; datasetName: string; samples: number; problems: number; complete: boolean}): string {
    const lines = [
        `# ${o.modelName} on ${o.datasetName}`,
        "",
        `Avg@${o.samples} over ${o.problems} problem${o.problems === 1 ? "" : "s"} (accuracy = correct samples / all samples; tokens = mean response length, thinking + solution).` +
            (o.complete ? "" : " **Incomplete run: rerun the same command to resume.**"),
        "",
        "| budget (t+s) | tokens | accuracy (%) | samples | cannot tell |",
        "|---|---:|---:|---:|---:|"
    ];
    for (const r of rows) lines.push(`| ${r.budget} | ${r.meanTokens.toFixed(0)} | ${r.accuracy.toFixed(1)} | ${r.samples} | ${r.cannotTell} |`);
    return lines.join("\n") + "\n";
}

/** Runs (or resumes) an evaluation. Stops early, with `complete: false`, when `signal` aborts. */
export async function runEval(o: EvalOptions): Promise<EvalResult> {
    if (!Number.isInteger(o.samples) || o.samples < 1) throw new Error("samples must be a whole number >= 1");
    if (o.items.length === 0) throw new Error("the dataset has no problems");
    mkdirSync(o.outDir, {recursive: true});
    const files = {
        samples: join(o.outDir, "samples.jsonl"), markdown: join(o.outDir, "results.md"),
        json: join(o.outDir, "results.json"), svg: join(o.outDir, "accuracy-vs-tokens.svg")
    };
    const wanted = new Set<string>();
    for (const b of o.budgets) for (const it of o.items) for (let j = 0; j < o.samples; j++) wanted.add(key(b.label, it.id, j));
    const records = readSamples(files.samples).filter((r) => wanted.has(key(r.budget, r.id, r.sample)));
    const done = new Set(records.map((r) => key(r.budget, r.id, r.sample)));
    const total = wanted.size;
    const resumed = done.size;
    const started = performance.now();
    let generatedTokens = 0;
    const progress = (last?: SampleRecord) =>
        o.onProgress?.({done: done.size, total, resumed, last, generatedTokens, elapsedMs: performance.now() - started});
    progress();
    // The pending samples in the canonical order, in batches of one problem and budget.
    type Unit = {budget: EvalBudget; item: EvalItem; sample: number; seed: number};
    const batchSize = Math.max(1, o.batchSize ?? 1);
    const batches: Unit[][] = [];
    for (const b of o.budgets) for (const it of o.items) {
        let batch: Unit[] = [];
        for (let j = 0; j < o.samples; j++) {
            if (done.has(key(b.label, it.id, j))) continue;
            batch.push({budget: b, item: it, sample: j, seed: sampleSeed(it.id, j)});
            if (batch.length === batchSize) { batches.push(batch); batch = []; }
        }
        if (batch.length > 0) batches.push(batch);
    }
    /** Grades one finished sample and appends it as one line (a whole line per write: a kill tears at most the last). */
    const record = (u: Unit, r: SolveResult) => {
        if (r.stop === "abort" || o.signal?.aborted) return;
        const k = key(u.budget.label, u.item.id, u.sample);
        if (done.has(k)) return;
        const pred = extractFinalAnswer(r.solution, o.answerStyle ?? "boxed");
        const rec: SampleRecord = {
            budget: u.budget.label, id: u.item.id, sample: u.sample, seed: u.seed, gold: u.item.answer, pred,
            correct: pred == null ? false : gradeAnswer(u.item.answer, pred),
            thinkingTokens: r.thinkingTokens, solutionTokens: r.solutionTokens,
            tokens: r.thinkingTokens + r.solutionTokens, thinkingCut: r.thinkingCut, stop: r.stop
        };
        appendFileSync(files.samples, JSON.stringify(rec) + "\n");
        records.push(rec);
        done.add(k);
        generatedTokens += rec.tokens;
        progress(rec);
    };
    const runBatch = async (batch: Unit[]) => {
        const first = batch[0]!;
        if (batch.length > 1 && o.solveMany != null) {
            await o.solveMany({problem: first.item.problem, budget: first.budget.spec, signal: o.signal,
                samplings: batch.map((u) => ({...o.sampling, seed: u.seed})),
                onSample: (i, r) => { const u = batch[i]; if (u != null) record(u, r); }});
            return;
        }
        for (const u of batch) {
            if (o.signal?.aborted) return;
            record(u, await o.solve({problem: u.item.problem, budget: u.budget.spec, sampling: {...o.sampling, seed: u.seed}, signal: o.signal}));
        }
    };
    let next = 0;
    const lane = async () => {
        while (next < batches.length && !o.signal?.aborted) await runBatch(batches[next++]!);
    };
    await Promise.all(Array.from({length: Math.max(1, Math.min(o.lanes ?? 1, batches.length))}, () => lane()));
    const rows = summarize(records, o.budgets);
    const complete = done.size === total;
    writeFileSync(files.markdown, markdownTable(rows, {modelName: o.modelName, datasetName: o.datasetName, samples: o.samples, problems: o.items.length, complete}));
    writeFileSync(files.json, JSON.stringify({model: o.modelName, dataset: o.datasetName, samples: o.samples, problems: o.items.length, complete, rows}, null, 2) + "\n");
    const series: PlotSeries = {
        name: o.modelName,
        points: rows.filter((r) => r.samples > 0).map((r) => ({x: r.meanTokens, y: r.accuracy, label: r.budget}))
    };
    writeFileSync(files.svg, accuracyPlotSvg([series], {title: `${o.datasetName}: accuracy vs. response tokens (Avg@${o.samples})`}));
    return {rows, complete, files};
}
