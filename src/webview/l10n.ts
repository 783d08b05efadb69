/**
 * The page side of localization (docs/localization.md): the host puts its translations for the display language in
 * the page (src/vscode/webviewHtml.ts, the same for the panel, the sidebar chat and the Tutor); `t` looks a text up
 * there (English when there is none) and fills in its {0}, {1}... placeholders. Model output is never translated.
 */
let translations: Record<string, string> | undefined;

function table(): Record<string, string> {
    if (translations != null) return translations;
    try {
        const meta = document.querySelector<HTMLMetaElement>("meta[name=em-l10n]");
        const parsed: unknown = JSON.parse(meta?.content ?? "{}");
        translations = parsed != null && typeof parsed === "object" ? parsed as Record<string, string> : {};
    } catch (err) {
        console.error(`Elastic Math: the page's translations could not be read: ${String(err)}`);
        translations = {};
    }
    return translations;
}

/**
 * A name the host's translations may hold that is not a literal here: a built-in budget's name ("Balanced"), which
 * the host translates too (src/vscode/l10n.ts budgetName). A name the user gave stays as it is.
 */
export function tName(name: string): string {
    return table()[name] ?? name;
}

/** The text in the display language, with `{n}` replaced by the n-th argument. */
export function t(text: string, ...args: (string | number)[]): string {
    const found = table()[text] ?? text;
    return found.replace(/\{(\d+)\}/g, (m, i: string) => args[Number(i)] != null ? String(args[Number(i)]) : m);
}
