/**
 * User macros for KaTeX (the `elasticMath.render.macros` setting), checked before they reach the renderer.
 *
 * A setting is user input: anything that is not `{"\\name": "expansion"}` is dropped with a message that says
 * why, and the rest still applies. Names may be written without the backslash (`"eps"` means `\eps`).
 * Expansions go to KaTeX under the same bounds as model output (`trust: false`, `maxExpand`), so a recursive
 * macro fails the formulas that use it (shown as source) and cannot hang the renderer.
 */

/** At most this many macros, each expansion at most this long. */
export const maxUserMacros = 200;
export const maxMacroLength = 2000;

export interface NormalizedMacros {
    readonly macros: Readonly<Record<string, string>>;
    /** One line per dropped entry (empty when all were fine). */
    readonly problems: readonly string[];
}

const macroName = /^\\(?:[A-Za-z]+|[^A-Za-z\s])$/;

export function normalizeMacros(input: unknown): NormalizedMacros {
    const macros: Record<string, string> = {};
    const problems: string[] = [];
    if (input == null) return {macros, problems};
    if (typeof input !== "object" || Array.isArray(input)) {
        problems.push("the setting must be an object such as {\"\\\\eps\": \"\\\\varepsilon\"}");
        return {macros, problems};
    }
    for (const [rawName, value] of Object.entries(input as Record<string, unknown>)) {
        const name = rawName.startsWith("\\") ? rawName : "\\" + rawName;
        if (!macroName.test(name)) {
            problems.push(`"${rawName}": a macro name is a backslash and letters (e.g. \\eps)`);
        } else if (typeof value !== "string") {
            problems.push(`"${rawName}": the expansion must be a string`);
        } else if (value.length > maxMacroLength) {
            problems.push(`"${rawName}": the expansion is longer than ${maxMacroLength} characters`);
        } else if (Object.keys(macros).length >= maxUserMacros) {
            problems.push(`"${rawName}": more than ${maxUserMacros} macros`);
        } else {
            macros[name] = value;
        }
    }
    return {macros, problems};
}
