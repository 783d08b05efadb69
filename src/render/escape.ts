/**
 * HTML escaping for text and attribute values (both escape quotes, so either is safe in either place), and
 * bidirectional-text controls made visible.
 */
const map: Record<string, string> = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"};

export function escapeHtml(text: string): string {
    return showBidiControls(text).replace(/[&<>"']/g, (c) => map[c]!);
}

export const escapeAttr = escapeHtml;

/**
 * Bidi embedding, override and isolate controls and the invisible direction marks (U+202A-202E, U+2066-2069,
 * U+200E, U+200F, U+061C). In model output they change what an answer shows without showing themselves: U+202E
 * then "21" displays as "12". Each is replaced by a visible `⟨U+202E⟩`, so an answer displays as what it is;
 * the rendered answer, the copied answer and the pending text all get the same.
 */
const bidiControls = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

export function showBidiControls(text: string): string {
    bidiControls.lastIndex = 0;
    if (!bidiControls.test(text)) return text;
    return text.replace(bidiControls, (c) => `\u27E8U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}\u27E9`);
}
