/** Command-line options of the benches: `--name N` as a number, else the default. */
export function numberArg(name: string, def: number): number {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : def;
}
