import {randomBytes} from "node:crypto";
import * as vscode from "vscode";

/** What a webview page of the extension is made of; the shell (CSP, nonce, KaTeX CSS) is the same for all. */
export interface WebviewPage {
    readonly webview: vscode.Webview;
    readonly extensionUri: vscode.Uri;
    readonly title: string;
    /** Style sheets under media/, after KaTeX's. */
    readonly styles: readonly string[];
    /** The page's script under out/webview/ (e.g. "panel.js"). */
    readonly script: string;
    readonly bodyClass?: string;
    /** Static markup of the page (no script, no model text: model output is inserted later by the script). */
    readonly body: string;
}

/** Text for HTML (an element's text or an attribute's value): a translation may hold any character. */
export function h(text: string): string {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The translations the page's script uses (src/webview/l10n.ts): this extension's bundle for the display language
 * (vscode.l10n.bundle; none in English), as JSON.
 */
function translationsJson(): string {
    return JSON.stringify(vscode.l10n.bundle ?? {});
}

/**
 * The one HTML shell of every webview (the panel, the sidebar chat and the Tutor): its translations go to the page
 * in a meta element (data, not a script: the CSP lets only the page's own script run), read by src/webview/l10n.ts. a strict CSP with a fresh nonce per render (no inline or remote script; KaTeX
 * positions glyphs with inline styles, so style-src needs 'unsafe-inline'), local fonts and styles only.
 */
export function webviewDocument(page: WebviewPage): string {
    const {webview} = page;
    const nonce = randomBytes(16).toString("base64");
    const media = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(page.extensionUri, ...p)).toString();
    const csp = [
        "default-src 'none'",
        `style-src ${webview.cspSource} 'unsafe-inline'`,
        `font-src ${webview.cspSource}`,
        `img-src ${webview.cspSource}`,
        `script-src 'nonce-${nonce}'`
    ].join("; ");
    const styles = ["katex/katex.min.css", ...page.styles].map((s) => `<link rel="stylesheet" href="${media("media", ...s.split("/"))}">`);
    return `<!DOCTYPE html>
<html lang="${h(vscode.env.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles.join("\n")}
<meta name="em-l10n" content="${h(translationsJson())}">
<title>${h(page.title)}</title>
</head>
<body${page.bodyClass != null ? ` class="${page.bodyClass}"` : ""}>
${page.body.trim()}
<script nonce="${nonce}" src="${media("out", "webview", page.script)}"></script>
</body>
</html>`;
}
