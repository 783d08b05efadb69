/**
 * The Tutor panel's script (webview; no Node). Inserts only HTML the host rendered from untrusted text (markdown-it
 * html:false, KaTeX trust:false); the CSP allows no inline or remote script. The vote chart is plain elements whose
 * widths are set through the CSSOM (allowed by the CSP, unlike inline style attributes in HTML).
 */
import type {FromTutorMessage, ToTutorMessage, TutorPageState} from "../protocol/tutor";
import {budgetLabel} from "./card";
import {connect, reveal} from "./host";
import {htmlText, insertHtmlPiece} from "./htmlPiece";
import {t} from "./l10n";

const page = connect<ToTutorMessage, FromTutorMessage>(handle);
const send = (m: FromTutorMessage) => page.send(m);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/**
 * What the page shows, kept in its saved state: after a window reload it shows the same (the host keeps the session).
 * The full solution is kept as a flag, not as its messages: a long one is hundreds of pieces of HTML (megabytes) that
 * the state would serialise again with each one, and the host renders it again from the session.
 */
const shownKept = 200;
let shown: ToTutorMessage[] = [];
let solutionShown = false;

const problem = $("problem");
const budget = $("budget");
const status = $("status");
const form = $<HTMLFormElement>("check-form");
const input = $<HTMLInputElement>("answer");
const checkResult = $("check-result");
const hints = $("hints");
const steps = $("steps");
const solution = $("solution");
const vote = $("vote");
const buttons = {
    check: $<HTMLButtonElement>("check"), hint: $<HTMLButtonElement>("hint"), step: $<HTMLButtonElement>("step"),
    show: $<HTMLButtonElement>("show-solution"), vote: $<HTMLButtonElement>("vote-button"), stop: $<HTMLButtonElement>("stop")
};
let ready = false;
let busy = false;
let hasAnswer = false;
let stepsTotal = 0;
let stepsShown = 0;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
    const n = document.createElement(tag);
    if (className) n.className = className;
    if (text != null) n.textContent = text;
    return n;
}
function html(node: HTMLElement, h: string): HTMLElement { node.innerHTML = h; return node; }

function update(): void {
    buttons.check.disabled = !ready || busy;
    buttons.hint.disabled = !ready || busy;
    buttons.step.disabled = !ready || busy || stepsShown >= stepsTotal;
    buttons.show.disabled = !ready || busy;
    buttons.vote.disabled = !ready || busy;
    buttons.stop.hidden = !busy;
    buttons.step.textContent = stepsShown === 0 ? t("Step by Step") : t("Next Step ({0}/{1})", stepsShown, stepsTotal);
}

form.addEventListener("submit", (e) => {
    e.preventDefault();
    send({type: "check", answer: input.value});
});
// A verdict is about the answer that was checked: once the student edits the box it no longer applies, so it goes
// (from the page's saved state too). Hints, steps and the vote leave it, since the box still holds that answer.
input.addEventListener("input", () => {
    if (checkResult.childElementCount === 0) return;
    checkResult.replaceChildren();
    checkResult.className = "";
    shown = shown.filter((m) => m.type !== "check");
    page.setState({shown, solutionShown} satisfies TutorPageState);
});
buttons.hint.addEventListener("click", () => send({type: "hint"}));
buttons.step.addEventListener("click", () => send({type: "step"}));
buttons.show.addEventListener("click", () => send({type: "showSolution"}));
buttons.vote.addEventListener("click", () => send({type: "vote"}));
buttons.stop.addEventListener("click", () => send({type: "stop"}));

function renderVote(m: Extract<ToTutorMessage, {type: "vote"}>): void {
    vote.replaceChildren();
    vote.hidden = false;
    const title = el("div", "tu-vote-title", m.final ? t("Majority vote of {0} samples", m.k) : t("Majority vote: {0} of {1} samples...", m.done, m.k));
    vote.append(title);
    if (m.plan != null) vote.append(el("div", "tu-vote-plan", m.plan + "."));
    const max = Math.max(1, ...m.buckets.map((b) => b.count));
    for (const b of m.buckets) {
        const row = el("div", "tu-bar-row");
        const label = b.answerHtml == null ? el("span", "tu-bar-label tu-none", t("no answer")) : html(el("span", "tu-bar-label"), b.answerHtml);
        const track = el("span", "tu-bar-track");
        const fill = el("span", "tu-bar-fill");
        fill.style.width = `${(100 * b.count) / max}%`;
        track.append(fill);
        const count = el("span", "tu-bar-count", String(b.count));
        count.dataset.count = String(b.count);
        row.append(label, track, count);
        vote.append(row);
    }
    if (m.final) {
        const agreed = el("div", "tu-vote-agreed");
        if (m.agreedHtml == null) agreed.textContent = t("No sample gave a final answer.");
        else {
            agreed.append(t("Agreed answer: "));
            agreed.append(html(el("span"), m.agreedHtml));
            agreed.append(t(" ({0}% of samples)", Math.round(m.share * 100)));
        }
        vote.append(agreed);
    }
}

function handle(m: ToTutorMessage): void {
    apply(m);
    if (m.type === "problem") {
        shown = [];
        solutionShown = false;
    }
    if (m.type === "solution") {
        if (solutionShown) return;
        solutionShown = true;
    } else if (m.type !== "status" && m.type !== "error") {
        shown.push(m);
        if (shown.length > shownKept) shown.splice(0, shown.length - shownKept);
    } else {
        return;
    }
    page.setState({shown, solutionShown} satisfies TutorPageState);
}

function apply(m: ToTutorMessage): void {
    switch (m.type) {
        case "problem":
            html(problem, m.problemHtml);
            budget.textContent = t("Budget: {0}", budgetLabel(m.budget));
            for (const n of [checkResult, hints, steps, solution, vote]) n.replaceChildren();
            solution.hidden = true;
            vote.hidden = true;
            ready = false; hasAnswer = false; stepsTotal = 0; stepsShown = 0;
            input.value = "";
            break;
        case "status":
            status.textContent = m.text;
            busy = m.busy;
            break;
        case "ready-to-tutor":
            ready = true;
            hasAnswer = m.hasAnswer;
            stepsTotal = m.steps;
            if (m.forcedAt.length > 0) status.textContent += t(" The tutor was asked to think longer {0} time(s), at thinking token {1}.", m.forcedAt.length, m.forcedAt.join(", "));
            if (!hasAnswer) status.textContent += t(" (The tutor's solution has no final boxed answer: checking cannot compare.)");
            break;
        case "check": {
            checkResult.replaceChildren();
            checkResult.className = `tu-check tu-${m.verdict}`;
            checkResult.append(el("div", "tu-verdict", m.message));
            // The host sends the tutor's answer only with a correct one, and the student's only when it could be read.
            if (m.studentHtml != null) {
                const both = el("div", "tu-compare");
                both.append(el("span", "tu-compare-label", t("Yours:")), html(el("span", "tu-yours"), m.studentHtml));
                if (m.tutorHtml != null) both.append(el("span", "tu-compare-label", t("Tutor's:")), html(el("span", "tu-tutors"), m.tutorHtml));
                checkResult.append(both);
            }
            if (m.verdict === "not-equivalent") {
                const offer = el("button", "em-button tu-offer-hint", t("Get a Hint"));
                offer.type = "button";
                offer.addEventListener("click", () => send({type: "hint"}));
                checkResult.append(offer);
            }
            break;
        }
        case "hint": {
            const h = el("div", "tu-hint");
            h.append(el("div", "tu-hint-title", t("Hint {0}", m.level)), html(el("div", "tu-hint-body"), m.html));
            if (m.masked > 0) h.append(el("div", "tu-note", m.masked === 1 ? t("(1 place that gave the answer away was hidden)") : t("({0} places that gave the answer away were hidden)", m.masked)));
            hints.append(h);
            reveal(h);
            break;
        }
        case "step": {
            stepsShown = m.index + 1;
            stepsTotal = m.total;
            const s = el("div", "tu-step");
            s.append(el("div", "tu-step-title", t("Step {0} of {1}", m.index + 1, m.total)), html(el("div", "tu-step-body"), m.html));
            steps.append(s);
            reveal(s);
            break;
        }
        case "solution":
            solution.hidden = false;
            if (m.append === true && solution.lastElementChild != null) {
                insertHtmlPiece(solution.lastElementChild, "beforeend", m.html);
                break;
            }
            solution.replaceChildren(el("div", "tu-section-title", t("Full solution")), html(el("div"), htmlText(m.html)));
            reveal(solution, "start");
            break;
        case "vote":
            renderVote(m);
            break;
        case "error":
            status.textContent = m.message;
            busy = false;
            break;
        default: {
            const never: never = m;
            void never;
        }
    }
    update();
}

update();
// What the page showed is kept in its state ({shown}); after a window reload the host reads it from the restored
// panel and posts it back, so that a page the host had to replace (a new panel, no state) comes back whole too.
page.start();
