// Accessibility of Dash 4's dcc.Dropdown: its keyboard entry point is a hidden input that is
// focusable yet aria-hidden (axe: aria-hidden-focus), and the button it forwards to is out of
// the tab order. Here the button itself takes the focus and the hidden input leaves the tab
// order; <label for=ID> then names the button (the button carries the component's id).
(function () {
    function fix(root) {
        root.querySelectorAll("input.dash-dropdown-focus-target").forEach(function (input) {
            if (input.getAttribute("tabindex") !== "-1") {
                input.setAttribute("tabindex", "-1");
            }
            var button = input.parentElement && input.parentElement.querySelector("button.dash-dropdown");
            if (button && !button.disabled && button.getAttribute("tabindex") !== "0") {
                button.setAttribute("tabindex", "0");
            }
        });
    }
    // The dropdown's clear control is an <a> without href (no role), yet it carries an
    // aria-label (axe: aria-allowed-attr): it acts as a button, so it says so.
    function roleClear(root) {
        root.querySelectorAll("a.dash-dropdown-clear:not([role])").forEach(function (link) {
            link.setAttribute("role", "button");
        });
    }
    // dcc.Upload's file input has no label of its own: it takes the drop zone's visible text.
    function nameUploads(root) {
        root.querySelectorAll("input[type=file]:not([aria-label])").forEach(function (input) {
            var zone = input.parentElement;
            var text = zone ? (zone.innerText || "").trim().split("\n")[0] : "";
            input.setAttribute("aria-label", text || "Choose a file to upload");
        });
    }
    new MutationObserver(function () { fix(document); nameUploads(document); roleClear(document); }).observe(document.documentElement, {
        subtree: true, childList: true, attributes: true, attributeFilter: ["tabindex", "disabled"]
    });
    document.addEventListener("DOMContentLoaded", function () { fix(document); nameUploads(document); roleClear(document); });
})();
