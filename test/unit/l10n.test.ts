/**
 * Localization (docs/localization.md): every user-facing string goes through `vscode.l10n.t` (extension host),
 * `t` (webviews, whose strings the host passes in) or a `%key%` of package.nls.json (package.json), and the
 * Simplified Chinese translation is complete: every key has a translation with the same placeholders.
 *
 * The source scan uses the TypeScript compiler's parser. In src/vscode it looks at the places a string reaches the
 * user (notification texts and buttons, quick pick and input box fields, status bar text and tooltip, progress
 * messages, chat response markdown, follow-ups, webview titles); in src/webview at every string literal that reads
 * as words, outside class names, selectors, attribute names and comparisons. A line may opt out with a comment
 * `l10n-exempt: <why>` (on that line or the line above).
 */
import assert from "node:assert/strict";
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {createRequire} from "node:module";
import {join, relative} from "node:path";
import {test} from "node:test";
import type * as TS from "typescript";
import {fromRoot} from "../paths";

// Loaded at run time (not bundled into the test): the compiler is a dev dependency.
const ts: typeof TS = createRequire(import.meta.url)("typescript");

function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
        const p = join(dir, name);
        return statSync(p).isDirectory() ? sources(p) : name.endsWith(".ts") ? [p] : [];
    });
}

const hostFiles = [fromRoot("src", "extension.ts"), ...sources(fromRoot("src", "vscode"))];
const webviewFiles = sources(fromRoot("src", "webview"));
const zhBundle: Record<string, string> = JSON.parse(readFileSync(fromRoot("l10n", "bundle.l10n.zh-cn.json"), "utf8"));
const pkg = JSON.parse(readFileSync(fromRoot("package.json"), "utf8"));
const nls: Record<string, string> = JSON.parse(readFileSync(fromRoot("package.nls.json"), "utf8"));
const nlsZh: Record<string, string> = JSON.parse(readFileSync(fromRoot("package.nls.zh-cn.json"), "utf8"));

/** Whether a piece of literal text reads as words a person reads (not an id, a class list, a codicon or a number). */
export function readsAsWords(text: string): boolean {
    const tokens = text.replace(/\$\([\w~-]+\)/g, " ").replace(/\{\d+\}/g, " ").split(/\s+/).filter((w) => w !== "");
    const word = (w: string) => /^[("'“]?[a-z]+[.,:;!?…)"'”]*$/.test(w);
    return tokens.some((w) => /^[("'“✂↻]?[A-Z][a-z]+[.,:;!?…)"'”]*$/.test(w) || /^[A-Z][a-z]+'s[.,:;]*$/.test(w))
        || tokens.some((w, i) => i > 0 && word(w) && word(tokens[i - 1]!));
}

interface Site {file: string; line: number; text: string}

function parse(file: string): TS.SourceFile {
    return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
}

function site(sf: TS.SourceFile, node: TS.Node): Site {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
    return {file: relative(fromRoot(), sf.fileName), line: line + 1, text: node.getText(sf).slice(0, 90)};
}

function exempt(sf: TS.SourceFile, node: TS.Node): boolean {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
    const lines = sf.text.split("\n");
    return [lines[line], lines[line - 1]].some((l) => l != null && l.includes("l10n-exempt:"));
}

function calleeName(call: TS.CallExpression | TS.NewExpression): string {
    const e = call.expression;
    if (ts.isIdentifier(e)) return e.text;
    if (ts.isPropertyAccessExpression(e)) return e.name.text;
    return "";
}

/** The literal text of a string or template literal (template substitutions left out). */
function literalText(node: TS.Node): string | undefined {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(" ");
    return undefined;
}

/**
 * The unlocalized literals an expression that reaches the user is made of: through conditionals, `+`, `??`,
 * parentheses, casts and arrays; a call (l10n.t, or any function, whose own strings are checked where they are
 * made) ends the walk.
 */
function rawLiterals(expr: TS.Node, out: TS.Node[]): void {
    const text = literalText(expr);
    if (text != null) {
        if (readsAsWords(text)) out.push(expr);
        if (ts.isTemplateExpression(expr)) for (const s of expr.templateSpans) rawLiterals(s.expression, out);
        return;
    }
    if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isNonNullExpression(expr)) rawLiterals(expr.expression, out);
    else if (ts.isConditionalExpression(expr)) { rawLiterals(expr.whenTrue, out); rawLiterals(expr.whenFalse, out); }
    else if (ts.isBinaryExpression(expr) && [ts.SyntaxKind.PlusToken, ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(expr.operatorToken.kind)) {
        rawLiterals(expr.left, out); rawLiterals(expr.right, out);
    } else if (ts.isArrayLiteralExpression(expr)) for (const e of expr.elements) rawLiterals(e, out);
}

/** Calls whose arguments (all, or the listed ones) reach the user. */
const hostCallSinks: Record<string, number[] | "all"> = {
    showInformationMessage: "all", showWarningMessage: "all", showErrorMessage: "all", setStatusBarMessage: [0],
    showQuickPick: [0], createWebviewPanel: [1], markdown: [0], progress: [0], MarkdownString: [0], warning: [0]
};
/** Properties (in object literals or assignments) whose value reaches the user. */
const hostPropertySinks = new Set(["label", "description", "detail", "placeHolder", "placeholder", "prompt", "title", "tooltip",
    "text", "message", "validationMessage", "name", "ariaLabel", "body"]);

function hostSites(file: string): Site[] {
    const sf = parse(file);
    const found: Site[] = [];
    const check = (expr: TS.Node) => {
        const out: TS.Node[] = [];
        rawLiterals(expr, out);
        for (const n of out) if (!exempt(sf, n)) found.push(site(sf, n));
    };
    const visit = (node: TS.Node): void => {
        if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
            const name = calleeName(node);
            const sink = Object.hasOwn(hostCallSinks, name) ? hostCallSinks[name] : undefined;
            const args = node.arguments ?? [];
            if (sink != null) args.forEach((a, i) => { if (sink === "all" || sink.includes(i)) check(a); });
        } else if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) && hostPropertySinks.has(node.name.text)) {
            check(node.initializer);
        } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken
            && ts.isPropertyAccessExpression(node.left) && hostPropertySinks.has(node.left.name.text)) {
            check(node.right);
        } else if (ts.isReturnStatement(node) && node.expression != null && enclosingName(node) === "validateInput") {
            check(node.expression);
        } else if (ts.isArrowFunction(node) && !ts.isBlock(node.body) && ts.isPropertyAssignment(node.parent) && ts.isIdentifier(node.parent.name)
            && node.parent.name.text === "validateInput") {
            check(node.body);
        }
        ts.forEachChild(node, visit);
    };
    visit(sf);
    return found;
}

function enclosingName(node: TS.Node): string | undefined {
    for (let n: TS.Node | undefined = node.parent; n != null; n = n.parent) {
        if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && n.parent != null && ts.isPropertyAssignment(n.parent)
            && ts.isIdentifier(n.parent.name)) return n.parent.name.text;
        if (ts.isFunctionLike(n)) return undefined;
    }
    return undefined;
}

/** Calls whose string arguments are never shown (class names, selectors, attribute names, events, messages' types); console output is for developers. */
const webviewSilentCalls = new Set(["querySelector", "querySelectorAll", "getElementById", "createElement", "addEventListener",
    "add", "remove", "toggle", "contains", "closest", "getAttribute", "hasAttribute", "removeAttribute", "postMessage", "t"]);

function webviewSites(file: string): Site[] {
    const sf = parse(file);
    const found: Site[] = [];
    const visit = (node: TS.Node): void => {
        const text = literalText(node);
        if (text != null && readsAsWords(text) && !silent(node) && !exempt(sf, node)) found.push(site(sf, node));
        ts.forEachChild(node, visit);
    };
    const silent = (node: TS.Node): boolean => {
        const p = node.parent;
        if (ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isLiteralTypeNode(p) || ts.isCaseClause(p)) return true;
        if (ts.isBinaryExpression(p) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(p.operatorToken.kind)) return true;
        if (ts.isCallExpression(p)) {
            const name = calleeName(p);
            if (webviewSilentCalls.has(name)) return true;
            // The developer console is not the user's.
            if (ts.isPropertyAccessExpression(p.expression) && p.expression.expression.getText() === "console") return true;
            // el(tag, className, text): the first two are not shown; setAttribute(name, value): the name is not.
            if ((name === "el" || name === "setAttribute") && p.arguments.indexOf(node as TS.Expression) === 0) return true;
            if (name === "el" && p.arguments.indexOf(node as TS.Expression) === 1) return true;
        }
        return false;
    };
    visit(sf);
    return found;
}

/** Every key `l10n.t("...")` (host) or `t("...")` (webview) asks for, with how many arguments it passes. */
function usedKeys(): {key: string; args: number; at: Site}[] {
    const keys: {key: string; args: number; at: Site}[] = [];
    for (const file of [...hostFiles, ...webviewFiles]) {
        const sf = parse(file);
        const webview = webviewFiles.includes(file);
        const visit = (node: TS.Node): void => {
            if (ts.isCallExpression(node)) {
                const e = node.expression;
                const isT = webview ? ts.isIdentifier(e) && e.text === "t"
                    : ts.isPropertyAccessExpression(e) && e.name.text === "t" && e.expression.getText(sf).endsWith("l10n");
                if (isT) {
                    const first = node.arguments[0];
                    const text = first != null && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)) ? first.text : undefined;
                    assert.ok(text != null, `${site(sf, node).file}:${site(sf, node).line}: the text of a translation must be a literal (the key), not computed: ${node.getText(sf).slice(0, 80)}`);
                    keys.push({key: text, args: node.arguments.length - 1, at: site(sf, node)});
                }
            }
            ts.forEachChild(node, visit);
        };
        visit(sf);
    }
    return keys;
}

/** `{0}`, `{1}`... (not LaTeX groups such as \\frac{1}{2} or x^{2}, which a letter, `}`, `^` or `_` precedes). */
const placeholderPattern = /(?<![\w}^_\\])\{(\d+)\}/g;
const placeholders = (s: string) => [...new Set([...s.matchAll(placeholderPattern)].map((m) => m[1]))].sort().join(",");
const show = (sites: Site[]) => sites.map((s) => `  ${s.file}:${s.line}: ${s.text}`).join("\n");

test("the word check tells text from ids, class names and codicons", () => {
    for (const words of ["Stop", "Elastic Math: no model", "no model is loaded", "$(stop) Stop", "Queued: {0} ahead", "Tutor's:"]) assert.ok(readsAsWords(words), words);
    for (const id of ["elasticMath.solve", "em-button em-stop", "$(symbol-numeric) ", "ready", "aria-label", "{0} · {1}", "", "GGUF"]) assert.ok(!readsAsWords(id), id);
});

test("every string the extension host shows goes through vscode.l10n.t", () => {
    const sites = hostFiles.flatMap(hostSites);
    assert.equal(sites.length, 0, `user-facing strings not localized (wrap them in vscode.l10n.t):\n${show(sites)}`);
});

test("every string a webview shows goes through t (the host's translations)", () => {
    const sites = webviewFiles.flatMap(webviewSites);
    assert.equal(sites.length, 0, `webview strings not localized (wrap them in t from src/webview/l10n.ts):\n${show(sites)}`);
});

test("every translated text has its Simplified Chinese translation with the same placeholders", () => {
    const used = usedKeys();
    assert.ok(used.length > 100, `only ${used.length} localized strings found: is the scan broken?`);
    const missing = [...new Set(used.filter((u) => zhBundle[u.key] == null).map((u) => u.key))];
    assert.deepEqual(missing, [], "keys without a zh-cn translation in l10n/bundle.l10n.zh-cn.json");
    for (const [key, value] of Object.entries(zhBundle)) {
        assert.equal(placeholders(value), placeholders(key), `placeholders differ: ${JSON.stringify(key)} → ${JSON.stringify(value)}`);
        assert.ok(value.trim() !== "", `empty translation of ${JSON.stringify(key)}`);
    }
    for (const u of used) {
        const highest = Math.max(-1, ...[...u.key.matchAll(placeholderPattern)].map((m) => Number(m[1])));
        assert.ok(u.args >= highest + 1, `${u.at.file}:${u.at.line}: ${JSON.stringify(u.key)} needs ${highest + 1} argument(s), gets ${u.args}`);
    }
    const unused = Object.keys(zhBundle).filter((k) => !used.some((u) => u.key === k));
    assert.deepEqual(unused, [], "translations no source asks for (remove them from l10n/bundle.l10n.zh-cn.json)");
});

/** The fields of package.json contributions a user reads. */
const userFields = new Set(["title", "shortTitle", "category", "description", "markdownDescription", "enumDescriptions",
    "markdownEnumDescriptions", "label", "name", "fullName", "altText", "contextualTitle", "deprecationMessage", "markdownDeprecationMessage", "displayName"]);

function manifestFields(value: unknown, path: string, out: {path: string; value: string}[]): void {
    if (Array.isArray(value)) value.forEach((v, i) => manifestFields(v, `${path}[${i}]`, out));
    else if (value != null && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            const p = `${path}.${k}`;
            // A setting's default is data (the presets' labels are what elasticMath.budget.default names), not display text.
            if (k === "default") continue;
            if (userFields.has(k) && typeof v === "string") out.push({path: p, value: v});
            else if (userFields.has(k) && Array.isArray(v) && v.every((x) => typeof x === "string")) v.forEach((x, i) => out.push({path: `${p}[${i}]`, value: x}));
            else manifestFields(v, p, out);
        }
    }
}

test("every user-facing field of package.json is a %key% of package.nls.json, translated in package.nls.zh-cn.json", () => {
    const fields: {path: string; value: string}[] = [];
    manifestFields(pkg.contributes, "contributes", fields);
    fields.push({path: "displayName", value: pkg.displayName}, {path: "description", value: pkg.description});
    assert.ok(fields.length > 50, `only ${fields.length} fields found`);
    const literal = fields.filter((f) => !/^%[\w.-]+%$/.test(f.value) && readsAsWords(f.value));
    assert.deepEqual(literal.map((f) => `${f.path}: ${f.value.slice(0, 60)}`), [], "package.json fields not localized (use %key% and package.nls.json)");
    for (const f of fields.filter((x) => /^%[\w.-]+%$/.test(x.value))) {
        const key = f.value.slice(1, -1);
        assert.ok(nls[key] != null, `${f.path}: ${key} is not in package.nls.json`);
        assert.ok(nlsZh[key] != null && nlsZh[key].trim() !== "", `${f.path}: ${key} is not translated in package.nls.zh-cn.json`);
        assert.equal(placeholders(nlsZh[key]), placeholders(nls[key]), `${key}: placeholders differ`);
    }
    assert.deepEqual(Object.keys(nlsZh).filter((k) => nls[k] == null), [], "zh-cn keys missing from package.nls.json");
});

test("package.json names the folder of the bundles (\"l10n\"): without it VS Code loads no bundle.l10n.<language>.json", () => {
    // The extension host loads an extension's bundle only when its manifest has "l10n" (ExtHostLocalizationService.
    // initializeLocalizedMessages returns early otherwise, with no message): every vscode.l10n.t stayed English.
    assert.equal(typeof pkg.l10n, "string", "package.json has no \"l10n\" field");
    assert.ok(existsSync(join(fromRoot(pkg.l10n), "bundle.l10n.zh-cn.json")), `${pkg.l10n}/bundle.l10n.zh-cn.json`);
    assert.ok(!/^\/?l10n\b/m.test(readFileSync(fromRoot(".vscodeignore"), "utf8")), ".vscodeignore leaves the bundles out of the package");
});
