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
import {dirname, join} from "node:path";
import {fileURLToPath} from "node:url";
import {ElasticEngine, EngineError, type GpuOption} from "../core/engine";
import {loadDataset} from "../core/eval/dataset";
import {detectPromptFormat, readGgufPromptInfo} from "../core/modelTemplate";
import {LLEMMA_FEW_SHOT_FORMAT} from "../core/promptFormat";
import {parseBudgets, runEval, type EvalBudget} from "../core/eval/harness";

const usage = `usage: elastic-math eval --model <file.gguf> --dataset aime24|math500|amc|gsm8k|minerva|olympiad|<file.jsonl>
       --budgets 1024+1024,2048+1024,... [--samples 16] [--unconstrained] [--limit N] [--out dir]
       [--threads N] [--context N] [--gpu auto|cpu|cuda|vulkan|metal] [--temperature X] [--top-p X]

  --budgets        thinking+solution budgets in tokens, comma-separated (also "unconstrained" or "unconstrained:N")
  --unconstrained  add the unconstrained run (one phase up to the context size)
  --samples k      samples per problem: Avg@k (default 16, as in E1)
  --limit N        only the first N problems
  --out dir        output folder (default eval-out/<model>-<dataset>); rerun to resume
`;

export async function evalCommand(args: string[]): Promise<number> {
    const values = new Map<string, string>();
    const flags = new Set<string>();
    const valued = new Set(["--model", "-m", "--dataset", "--budgets", "--samples", "--limit", "--out", "--threads", "--context", "--gpu", "--temperature", "--top-p"]);
    try {
        for (let i = 0; i < args.length; i++) {
            const a = args[i]!;
            const eq = a.startsWith("--") ? a.indexOf("=") : -1;
            const name = eq > 0 ? a.slice(0, eq) : a;
            if (valued.has(name)) {
                const v = eq > 0 ? a.slice(eq + 1) : args[++i];
                if (v == null) throw new Error(`${name} needs a value`);
                values.set(name === "-m" ? "--model" : name, v);
            } else if (name === "--unconstrained" || name === "--help" || name === "-h") flags.add(name);
            else throw new Error(`unexpected argument ${a}`);
        }
        if (flags.has("--help") || flags.has("-h")) { process.stdout.write(usage); return 0; }
        const model = values.get("--model");
        if (model == null) throw new Error("--model <file.gguf> is required");
        const datasetArg = values.get("--dataset");
        if (datasetArg == null) throw new Error("--dataset is required");
        const int = (name: string, def: number | undefined, min: number) => {
            const v = values.get(name);
            if (v == null) return def;
            if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`${name} must be a whole number >= ${min}, got "${v}"`);
            return Number(v);
        };
        const num = (name: string) => {
            const v = values.get(name);
            if (v == null) return undefined;
            const n = Number(v);
            if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number, got "${v}"`);
            return n;
        };
        const budgetText = values.get("--budgets") ?? (flags.has("--unconstrained") ? "" : "1024+1024");
        const budgets: EvalBudget[] = budgetText === "" ? [] : parseBudgets(budgetText);
        if (flags.has("--unconstrained") && !budgets.some((b) => b.spec.mode === "unconstrained")) budgets.push(...parseBudgets("unconstrained"));
        const samples = int("--samples", 16, 1)!;
        const limit = int("--limit", undefined, 1);
        const here = dirname(fileURLToPath(import.meta.url));
        const ds = loadDataset(datasetArg, here);
        const items = limit != null ? ds.items.slice(0, limit) : ds.items;
        const gpuText = values.get("--gpu") ?? "auto";
        const gpus: Record<string, GpuOption> = {auto: "auto", cpu: false, cuda: "cuda", vulkan: "vulkan", metal: "metal"};
        if (!(gpuText in gpus)) throw new Error(`--gpu must be auto, cpu, cuda, vulkan or metal`);
        // A missing or broken file is reported by the engine's checks, with their clear messages.
        const format = await readGgufPromptInfo(model).then((info) => detectPromptFormat(info), () => undefined);
        if (format != null) process.stderr.write(`prompt format: ${format.label}\n`);
        const engine = new ElasticEngine({modelPath: model, format, threads: int("--threads", undefined, 1), contextSize: int("--context", undefined, 64), gpu: gpus[gpuText]!});
        const modelName = engine.modelName;
        const outDir = values.get("--out") ?? join("eval-out", `${modelName}-${ds.name.replace(/\.jsonl$/, "")}`);
        const controller = new AbortController();
        const onSigint = () => { if (controller.signal.aborted) process.exit(130); controller.abort(); };
        process.on("SIGINT", onSigint);
        try {
            const result = await runEval({
                answerStyle: format?.id === LLEMMA_FEW_SHOT_FORMAT.id ? "llemma" : "boxed",
                items, budgets, samples, outDir, modelName, datasetName: ds.name, signal: controller.signal,
                sampling: {temperature: num("--temperature"), topP: num("--top-p")},
                solve: (o) => engine.solve(o),
                onProgress: (p) => {
                    if (p.last == null) {
                        process.stderr.write(`${items.length} problems x ${budgets.length} budgets x ${samples} samples = ${p.total}; ${p.resumed} already done (resuming)\n`);
                        return;
                    }
                    process.stdout.write(`[${p.done}/${p.total}] ${p.last.budget} ${p.last.id}#${p.last.sample}: ${p.last.pred ?? "(no answer)"} ` +
                        `${p.last.correct === true ? "correct" : p.last.correct === false ? "wrong" : "cannot tell"} (${p.last.tokens} tokens)\n`);
                }
            });
            process.stdout.write("\n" + (await import("node:fs")).readFileSync(result.files.markdown, "utf8"));
            process.stderr.write(`wrote ${result.files.samples}, ${result.files.markdown}, ${result.files.svg}\n`);
            return result.complete ? 0 : 130;
        } finally {
            process.off("SIGINT", onSigint);
            await engine.dispose();
        }
    } catch (err) {
        if (err instanceof EngineError) { process.stderr.write(`elastic-math eval: ${err.message}\n`); return 1; }
        if (err instanceof Error) { process.stderr.write(`elastic-math eval: ${err.message}\n\n${usage}`); return 1; }
        throw err;
    }
}
