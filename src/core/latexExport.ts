/**
 * Turns a model's markdown-with-math solution into a LaTeX fragment for "Copy as LaTeX":
 * math is kept verbatim (display `$$...$$` becomes `\[...\]`), text special characters are escaped,
 * and the common markdown constructs (headings, bold, italics, lists, code) become their LaTeX forms.
 */

interface Segment {
    readonly math: boolean;
    readonly text: string;
}

/** Splits text into math and non-math segments ($$, \[, \(, $, and \begin{...} environments). */
export function splitMath(text: string): Segment[] {
    const out: Segment[] = [];
    let textStart = 0;
    let i = 0;
    const pushText = (end: number) => {
        if (end > textStart) out.push({math: false, text: text.slice(textStart, end)});
    };
    while (i < text.length) {
        const rest = text.startsWith.bind(text);
        let close: string | null = null;
        let open = "";
        if (rest("$$", i)) { open = "$$"; close = "$$"; }
        else if (rest("\\[", i)) { open = "\\["; close = "\\]"; }
        else if (rest("\\(", i)) { open = "\\("; close = "\\)"; }
        else if (rest("\\begin{", i)) {
            const m = /^\\begin\{([a-zA-Z*]+)\}/.exec(text.slice(i, i + 40));
            if (m != null) { open = m[0]; close = `\\end{${m[1]}}`; }
        } else if (text[i] === "$" && text[i - 1] !== "\\") {
            // Inline math only when it closes on the same line and does not look like money ("$5 and $10").
            const end = text.indexOf("$", i + 1);
            const nl = text.indexOf("\n", i + 1);
            if (end > i + 1 && (nl < 0 || end < nl) && !/\s/.test(text[i + 1]) && !/\s/.test(text[end - 1]) && !/\d/.test(text[end + 1] ?? "")) {
                open = "$"; close = "$";
            }
        } else if (text[i] === "\\" ) {
            i += 2; // an escaped character in text
            continue;
        }
        if (close != null) {
            const end = text.indexOf(close, i + open.length);
            if (end >= 0) {
                pushText(i);
                out.push({math: true, text: text.slice(i, end + close.length)});
                i = end + close.length;
                textStart = i;
                continue;
            }
        }
        i++;
    }
    pushText(text.length);
    return out;
}

const textEscapes: Record<string, string> = {
    "%": "\\%", "&": "\\&", "#": "\\#", "_": "\\_", "{": "\\{", "}": "\\}",
    "~": "\\textasciitilde{}", "^": "\\textasciicircum{}"
};

function escapeText(text: string): string {
    return text.replace(/[%&#_{}~^]/g, (c) => textEscapes[c]);
}

function inlineMarkdown(text: string): string {
    // Code spans first (verbatim), then bold and italics, on escaped text.
    return text.split(/(`[^`\n]+`)/).map((part) => {
        if (part.startsWith("`") && part.endsWith("`") && part.length > 1)
            return `\\texttt{${escapeText(part.slice(1, -1)).replace(/\\/g, "\\textbackslash{}")}}`;
        return escapeText(part)
            .replace(/\*\*([^*\n]+)\*\*/g, "\\textbf{$1}")
            .replace(/(^|[^*])\*([^*\n]+)\*/g, "$1\\emph{$2}");
    }).join("");
}

function convertText(text: string): string {
    const lines = text.split("\n");
    const out: string[] = [];
    let inList: "itemize" | "enumerate" | null = null;
    for (const line of lines) {
        const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
        const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
        const kind = bullet != null ? "itemize" : numbered != null ? "enumerate" : null;
        if (inList != null && kind !== inList && line.trim() !== "") {
            out.push(`\\end{${inList}}`);
            inList = null;
        }
        if (kind != null) {
            if (inList == null) {
                out.push(`\\begin{${kind}}`);
                inList = kind;
            }
            out.push(`  \\item ${inlineMarkdown((bullet ?? numbered)![1])}`);
            continue;
        }
        const heading = /^(#{1,6})\s+(.*)$/.exec(line);
        if (heading != null) {
            const cmd = heading[1].length === 1 ? "section*" : heading[1].length === 2 ? "subsection*" : "subsubsection*";
            out.push(`\\${cmd}{${inlineMarkdown(heading[2])}}`);
            continue;
        }
        out.push(inlineMarkdown(line));
    }
    if (inList != null) out.push(`\\end{${inList}}`);
    return out.join("\n");
}

export function markdownToLatex(markdown: string): string {
    // Fenced code blocks become verbatim. Elsewhere math is swapped for placeholders (NUL-delimited indexes,
    // untouched by escaping), the markdown is converted line by line, and the math is put back verbatim.
    const parts = markdown.split(/(^```[^\n]*\n[\s\S]*?^```\s*$)/m);
    return parts.map((part) => {
        const fence = /^```[^\n]*\n([\s\S]*?)^```\s*$/m.exec(part);
        if (fence != null && part.startsWith("```")) return `\\begin{verbatim}\n${fence[1]}\\end{verbatim}`;
        const math: string[] = [];
        const withPlaceholders = splitMath(part.replace(/\u0000/g, "")).map((s) => {
            if (!s.math) return s.text;
            math.push(s.text.startsWith("$$") ? `\\[${s.text.slice(2, -2)}\\]` : s.text);
            return `\u0000${math.length - 1}\u0000`;
        }).join("");
        return convertText(withPlaceholders).replace(/\u0000(\d+)\u0000/g, (_, i: string) => math[Number(i)]);
    }).join("");
}
