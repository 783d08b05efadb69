/**
 * `elastic-math eval --model <gguf> --dataset aime24|math500|amc|gsm8k|minerva|olympiad|<file.jsonl> --budgets 1024+1024,2048+1024
 *  [--samples 16] [--unconstrained] [--limit N] [--out dir] [--threads N] [--context N] [--gpu ...]`
 *
 * The prompt format comes from the GGUF's metadata, as in VS Code: an R1-distill template (E1, DeepScaleR), ChatML,
 * the model's own template, or, for a base model with no template (Llemma), the Minerva few-shot prompt with its
 * stop texts; its answers are then read from "The final answer is $X$" (a \boxed{} also counts).
 *
 * Writes <out>/samples.jsonl (every sample as it is graded), results.md (E1's table), results.json and
 * accuracy-vs-tokens.svg. Rerunning the same command resumes. Ctrl+C stops after writing what is done (exit 130).
 *
 * `--server <url>` runs on an inference server (the engine's server backend, R1-distill prompt format);
 * `--concurrency N` keeps N requests in flight there (N engines on the one server, each one request at a time), or,
 * locally, runs up to N samples of a problem as parallel sequences of one context (the engine's solveMany: when
 * memory does not allow, one after another, and the reason is printed).
 */
import {readFileSync} from "node:fs";
import {dirname, join} from "node:path";
import {fileURLToPath} from "node:url";
import {ElasticEngine, EngineError} from "../core/engine";
import type {ServerOptions} from "../core/engine/serverClient";
import type {PromptFormat} from "../core/promptFormat";
import {loadDataset} from "../core/eval/dataset";
import {detectPromptFormat, readGgufPromptInfo} from "../core/modelTemplate";
import {LLEMMA_FEW_SHOT_FORMAT} from "../core/promptFormat";
import {parseBudgets, runEval, type EvalBudget, type EvalOptions} from "../core/eval/harness";
import type {SolveResult} from "../core/types";
import {
    EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, InputError, UsageError, checkModelPath, exitCodesHelp, gpuOption, intOption, numberOption,
    parseOptions, plural, refuseApiKeyArgument, reportArgError, serverOption, serverOptionsHelp, serverValuedOptions
} from "./args";
import {progressReporter} from "./progress";

const usage = `usage: elastic-math eval --model <file.gguf> | --server <url> --dataset aime24|math500|amc|gsm8k|minerva|olympiad|<file.jsonl>
       --budgets 1024+1024,2048+1024,... [--samples 16] [--unconstrained] [--limit N] [--out dir] [--concurrency N]
       [--server-model <name>] [--api auto|llamacpp|openai]
       [--threads N] [--context N] [--gpu auto|cpu|cuda|vulkan|metal] [--temperature X] [--top-p X]

  --budgets        thinking+solution budgets in tokens, comma-separated (also "unconstrained" or "unconstrained:N")
  --unconstrained  add the unconstrained run (one phase up to the context size)
  --samples k      samples per problem: Avg@k (default 16, as in E1)
  --limit N        only the first N problems
  --out dir        output folder (default eval-out/<model>-<dataset>); rerun to resume
  --concurrency N  samples at once (default 1): on a server, N requests in flight; locally, up to N samples of a
                   problem as parallel sequences of one context when memory allows (else fewer, and why)
${serverOptionsHelp}
${exitCodesHelp}`;

export async function evalCommand(args: string[]): Promise<number> {
    try {
        refuseApiKeyArgument(args);
        const {positional, values, flags} = parseOptions(args, {
            ...serverValuedOptions, "--concurrency": "number",
            "--model": "value", "--dataset": "value", "--budgets": "value", "--samples": "number", "--limit": "number", "--out": "value",
            "--threads": "number", "--context": "number", "--gpu": "value", "--temperature": "number", "--top-p": "number"
        }, ["--unconstrained", "--help"], {"-m": "--model", "-h": "--help"});
        if (flags.has("--help")) { process.stdout.write(usage); return EXIT_OK; }
        if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`);
        const server = serverOption(values);
        const model = values.get("--model") ?? "";
        if (server == null && model === "") throw new UsageError("--model <file.gguf> (or --server <url>) is required");
        const concurrency = intOption(values, "--concurrency", 1, 256) ?? 1;
        const datasetArg = values.get("--dataset");
        if (datasetArg == null) throw new UsageError("--dataset is required");
        const budgetText = values.get("--budgets") ?? (flags.has("--unconstrained") ? "" : "1024+1024");
        let budgets: EvalBudget[];
        try {
            budgets = budgetText === "" ? [] : parseBudgets(budgetText);
            if (flags.has("--unconstrained") && !budgets.some((b) => b.spec.mode === "unconstrained")) budgets.push(...parseBudgets("unconstrained"));
        } catch (err) {
            throw new UsageError(`--budgets: ${err instanceof Error ? err.message : String(err)}`);
        }
        const samples = intOption(values, "--samples", 1) ?? 16;
        const limit = intOption(values, "--limit", 1);
        const threads = intOption(values, "--threads", 1);
        const contextSize = intOption(values, "--context", 64);
        const gpu = gpuOption(values);
        const sampling = {temperature: numberOption(values, "--temperature", 0, 5), topP: numberOption(values, "--top-p", 0, 1)};
        const here = dirname(fileURLToPath(import.meta.url));
        let ds: ReturnType<typeof loadDataset>;
        try {
            ds = loadDataset(datasetArg, here);
        } catch (err) {
            throw new InputError(err instanceof Error ? err.message : String(err));
        }
        const items = limit != null ? ds.items.slice(0, limit) : ds.items;
        let format: PromptFormat | undefined;
        if (server == null) {
            await checkModelPath(model);
            // A broken file is reported by the engine's checks when it loads, with their clear messages.
            format = await readGgufPromptInfo(model).then((info) => detectPromptFormat(info), () => undefined);
            if (format != null) process.stderr.write(`prompt format: ${format.label}\n`);
        }
        const runner = evalRunner({model, server, threads, contextSize, gpu, format, concurrency, samples});
        const modelName = runner.modelName;
        const outDir = values.get("--out") ?? join("eval-out", `${modelName}-${ds.name.replace(/\.jsonl$/, "")}`);
        const controller = new AbortController();
        const onSigint = () => { if (controller.signal.aborted) process.exit(130); controller.abort(); };
        process.on("SIGINT", onSigint);
        const bar = progressReporter(process.stderr);
        try {
            const result = await runEval({
                answerStyle: format?.id === LLEMMA_FEW_SHOT_FORMAT.id ? "llemma" : "boxed",
                items, budgets, samples, outDir, modelName, datasetName: ds.name, signal: controller.signal,
                sampling, ...runner.solvers,
                onProgress: (p) => {
                    if (p.last == null) {
                        process.stderr.write(`${plural(items.length, "problem")} x ${plural(budgets.length, "budget")} x ${plural(samples, "sample")} = ${p.total}` +
                            (p.resumed > 0 ? `; resuming: ${p.resumed} already done, ${p.total - p.resumed} to go\n` : "\n"));
                        if (runner.note != null) process.stderr.write(runner.note + "\n");
                        return;
                    }
                    if (process.stdout.isTTY === true) bar.clear();
                    process.stdout.write(`[${p.done}/${p.total}] ${p.last.budget} ${p.last.id}#${p.last.sample}: ${p.last.pred ?? "(no answer)"} ` +
                        `${p.last.correct === true ? "correct" : p.last.correct === false ? "wrong" : "cannot tell"} (${p.last.tokens} tokens)\n`);
                    bar.update(p);
                }
            });
            bar.end();
            process.stdout.write("\n" + readFileSync(result.files.markdown, "utf8"));
            const f = result.files;
            process.stderr.write(`wrote ${f.samples}, ${f.markdown}, ${f.json}, ${f.svg}\n`);
            return result.complete ? EXIT_OK : EXIT_INTERRUPTED;
        } finally {
            bar.end();
            process.off("SIGINT", onSigint);
            await runner.dispose();
        }
    } catch (err) {
        if (err instanceof UsageError || err instanceof InputError) return reportArgError("eval", err, usage);
        if (err instanceof EngineError) { process.stderr.write(`elastic-math eval: ${err.message}\n`); return EXIT_FAILED; }
        throw err;
    }
}

/**
 * The engines an eval runs on and how the harness calls them. On a server: `concurrency` engines over the same server
 * (the engine runs one request at a time), so that many requests are in flight. Locally: one engine, batches of up to
 * `concurrency` samples of one problem through solveMany (parallel sequences where memory allows).
 */
function evalRunner(o: {model: string; server: ServerOptions | undefined; threads?: number; contextSize?: number; gpu: ReturnType<typeof gpuOption>;
    format: PromptFormat | undefined; concurrency: number; samples: number}): {
    modelName: string; note?: string; solvers: Pick<EvalOptions, "solve" | "solveMany" | "lanes" | "batchSize">; dispose(): Promise<void>;
} {
    const make = () => new ElasticEngine({modelPath: o.model, server: o.server, format: o.format, threads: o.threads, contextSize: o.contextSize, gpu: o.gpu});
    if (o.server != null) {
        const engines = Array.from({length: o.concurrency}, make);
        const free = [...engines];
        const waiting: ((e: ElasticEngine) => void)[] = [];
        const release = (e: ElasticEngine) => { const w = waiting.shift(); if (w != null) w(e); else free.push(e); };
        const acquire = () => new Promise<ElasticEngine>((resolve) => { const e = free.pop(); if (e != null) resolve(e); else waiting.push(resolve); });
        return {
            modelName: engines[0]!.modelName,
            note: o.concurrency > 1 ? `${o.concurrency} requests in flight on the server (llama-server needs --parallel ${o.concurrency} to run them all at once; vLLM batches them)` : undefined,
            solvers: {
                lanes: o.concurrency,
                solve: async (options): Promise<SolveResult> => {
                    const e = await acquire();
                    try { return await e.solve(options); } finally { release(e); }
                }
            },
            dispose: async () => { await Promise.all(engines.map((e) => e.dispose())); }
        };
    }
    const engine = make();
    const reasons = new Set<string>();
    const batchSize = Math.min(o.concurrency, o.samples);
    return {
        modelName: engine.modelName,
        note: o.concurrency > o.samples ? `at most ${o.samples} samples at once: a batch of parallel sequences holds the samples of one problem (--samples ${o.samples})` : undefined,
        solvers: {
            solve: (options) => engine.solve(options),
            batchSize,
            solveMany: batchSize > 1 ? (options) => engine.solveMany({...options, onPlan: (plan) => {
                // Once per distinct reason: parallel, or why not (memory), as the engine decided for this batch.
                if (!reasons.has(plan.reason)) { reasons.add(plan.reason); process.stderr.write(`${plan.reason}\n`); }
            }}) : undefined
        },
        dispose: () => engine.dispose()
    };
}
