/** HTML escaping for text and attribute values (both escape quotes, so either is safe in either place). */
const map: Record<string, string> = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"};

export function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => map[c]!);
}

export const escapeAttr = escapeHtml;
