/**
 * `elastic-math`: the command line over the same core the extension uses.
 * Subcommands live in their own files; this file only dispatches.
 */
const usage = `elastic-math <command> [options]

Commands:
  solve "<problem>" --model <file.gguf> [--think <t>] [--answer <s>] [--unconstrained] [--seed N] [--json]
  render [--jsonl]          markdown + LaTeX on stdin -> the panel's HTML on stdout
  grade                     {"gold","pred"} JSON lines on stdin -> {"equal": true|false|null} lines
  eval --model <gguf> --dataset <name|file.jsonl> --budgets 1024+1024,... [--samples k] [--out dir]
`;

async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    switch (command) {
        case "solve":
            return (await import("./solve")).solveCommand(rest);
        case "render":
            return (await import("./render")).renderCommand(rest);
        case "grade":
            return (await import("./grade")).gradeCommand(rest);
        case "eval":
            return (await import("./eval")).evalCommand(rest);
        case undefined:
        case "help":
        case "--help":
        case "-h":
            process.stdout.write(usage);
            return command === undefined ? 2 : 0;
        default:
            process.stderr.write(`elastic-math: unknown command "${command}"\n\n${usage}`);
            return 2;
    }
}

main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
        process.stderr.write(`elastic-math: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
    }
);
