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
 */
import {readFileSync} from "node:fs";
import {dirname, join} from "node:path";
import {fileURLToPath} from "node:url";
import {ElasticEngine, EngineError} from "../core/engine";
import {loadDataset} from "../core/eval/dataset";
import {detectPromptFormat, readGgufPromptInfo} from "../core/modelTemplate";
import {LLEMMA_FEW_SHOT_FORMAT} from "../core/promptFormat";
import {parseBudgets, runEval, type EvalBudget} from "../core/eval/harness";
import {
    EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, InputError, UsageError, checkModelPath, exitCodesHelp, gpuOption, intOption, numberOption,
    parseOptions, plural, reportArgError
} from "./args";

const usage = `usage: elastic-math eval --model <file.gguf> --dataset aime24|math500|amc|gsm8k|minerva|olympiad|<file.jsonl>
       --budgets 1024+1024,2048+1024,... [--samples 16] [--unconstrained] [--limit N] [--out dir]
       [--threads N] [--context N] [--gpu auto|cpu|cuda|vulkan|metal] [--temperature X] [--top-p X]

  --budgets        thinking+solution budgets in tokens, comma-separated (also "unconstrained" or "unconstrained:N")
  --unconstrained  add the unconstrained run (one phase up to the context size)
  --samples k      samples per problem: Avg@k (default 16, as in E1)
  --limit N        only the first N problems
  --out dir        output folder (default eval-out/<model>-<dataset>); rerun to resume

${exitCodesHelp}`;

export async function evalCommand(args: string[]): Promise<number> {
    try {
        const {positional, values, flags} = parseOptions(args, {
            "--model": "value", "--dataset": "value", "--budgets": "value", "--samples": "number", "--limit": "number", "--out": "value",
            "--threads": "number", "--context": "number", "--gpu": "value", "--temperature": "number", "--top-p": "number"
        }, ["--unconstrained", "--help"], {"-m": "--model", "-h": "--help"});
        if (flags.has("--help")) { process.stdout.write(usage); return EXIT_OK; }
        if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`);
        const model = values.get("--model");
        if (model == null) throw new UsageError("--model <file.gguf> is required");
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
        await checkModelPath(model);
        // A broken file is reported by the engine's checks when it loads, with their clear messages.
        const format = await readGgufPromptInfo(model).then((info) => detectPromptFormat(info), () => undefined);
        if (format != null) process.stderr.write(`prompt format: ${format.label}\n`);
        const engine = new ElasticEngine({modelPath: model, format, threads, contextSize, gpu});
        const modelName = engine.modelName;
        const outDir = values.get("--out") ?? join("eval-out", `${modelName}-${ds.name.replace(/\.jsonl$/, "")}`);
        const controller = new AbortController();
        const onSigint = () => { if (controller.signal.aborted) process.exit(130); controller.abort(); };
        process.on("SIGINT", onSigint);
        try {
            const result = await runEval({
                answerStyle: format?.id === LLEMMA_FEW_SHOT_FORMAT.id ? "llemma" : "boxed",
                items, budgets, samples, outDir, modelName, datasetName: ds.name, signal: controller.signal,
                sampling,
                solve: (o) => engine.solve(o),
                onProgress: (p) => {
                    if (p.last == null) {
                        process.stderr.write(`${plural(items.length, "problem")} x ${plural(budgets.length, "budget")} x ${plural(samples, "sample")} = ${p.total}` +
                            (p.resumed > 0 ? `; resuming: ${p.resumed} already done, ${p.total - p.resumed} to go\n` : "\n"));
                        return;
                    }
                    process.stdout.write(`[${p.done}/${p.total}] ${p.last.budget} ${p.last.id}#${p.last.sample}: ${p.last.pred ?? "(no answer)"} ` +
                        `${p.last.correct === true ? "correct" : p.last.correct === false ? "wrong" : "cannot tell"} (${p.last.tokens} tokens)\n`);
                }
            });
            process.stdout.write("\n" + readFileSync(result.files.markdown, "utf8"));
            const f = result.files;
            process.stderr.write(`wrote ${f.samples}, ${f.markdown}, ${f.json}, ${f.svg}\n`);
            return result.complete ? EXIT_OK : EXIT_INTERRUPTED;
        } finally {
            process.off("SIGINT", onSigint);
            await engine.dispose();
        }
    } catch (err) {
        if (err instanceof UsageError || err instanceof InputError) return reportArgError("eval", err, usage);
        if (err instanceof EngineError) { process.stderr.write(`elastic-math eval: ${err.message}\n`); return EXIT_FAILED; }
        throw err;
    }
}
