import * as vscode from "vscode";
import type {PageContent} from "./webviewHost";
import {h} from "./webviewHtml";

/** The Tutor panel's page: static markup only (the script fills it with what the host rendered), in the display language (read when the page is made). */
export const tutorPage: PageContent = {
    get title() { return vscode.l10n.t("Elastic Math Tutor"); },
    styles: ["tutor.css"], script: "tutor.js",
    get body() {
        return `
<div class="tu-title">${h(vscode.l10n.t("Problem"))}</div>
<div id="problem" class="tu-problem"></div>
<div id="budget" class="tu-budget"></div>
<div id="status" class="tu-status" role="status" aria-live="polite"></div>
<form id="check-form" class="tu-check-form">
  <input id="answer" type="text" placeholder="${h(vscode.l10n.t("Your answer, e.g. \\frac{1}{2} or (1, 3)"))}" aria-label="${h(vscode.l10n.t("Your answer"))}" autocomplete="off" spellcheck="false">
  <button id="check" type="submit" class="em-button primary">${h(vscode.l10n.t("Check My Answer"))}</button>
</form>
<div id="check-result" aria-live="polite"></div>
<div class="tu-actions">
  <button id="hint" type="button" class="em-button">${h(vscode.l10n.t("Hint"))}</button>
  <button id="step" type="button" class="em-button">${h(vscode.l10n.t("Step by Step"))}</button>
  <button id="vote-button" type="button" class="em-button">${h(vscode.l10n.t("Majority Vote"))}</button>
  <button id="show-solution" type="button" class="em-button">${h(vscode.l10n.t("Show Full Solution"))}</button>
  <button id="stop" type="button" class="em-button" hidden>${h(vscode.l10n.t("Stop"))}</button>
</div>
<div id="hints"></div>
<div id="steps"></div>
<div id="vote" class="tu-vote" hidden></div>
<div id="solution" hidden></div>
`;
    }
};
