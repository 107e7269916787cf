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

// Charts (components.described_chart): a <figure> whose name is the chart's title and whose
// hidden caption states what the chart shows in words and numbers, written from the figure as
// Plotly drew it (so it follows every callback's new figure, the plan's currency and a legend
// click that hides a line). A chart without traces says its message ("No actuals yet").
(function () {
    var compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
    var LISTED = 8; // up to this many bars or points are read out one by one

    function plain(text) {
        return String(text || "").replace(/<br\s*\/?>/gi, " ").replace(/<[^>]*>/g, "")
            .replace(/\s+/g, " ").trim();
    }
    function label(value) {
        var text = plain(value);
        return /^\d{4}-\d\d-\d\d[ T]00:00/.test(text) ? text.slice(0, 10) : text;
    }
    function axisOf(layout, ref, letter) {
        var name = letter + "axis" + (ref && ref.length > 1 ? ref.slice(1) : "");
        return layout[name] || {};
    }
    function isPercentAxis(axis) {
        return String(axis.tickformat || "").indexOf("%") >= 0 ||
            Array.prototype.some.call(axis.ticktext || [], function (t) { return /%$/.test(String(t)); });
    }
    function traceText(trace, layout) {
        var horizontal = trace.orientation === "h";
        var values = Array.from((horizontal ? trace.x : trace.y) || []);
        var labels = Array.from((horizontal ? trace.y : trace.x) || []);
        var texts = Array.isArray(trace.text) ? trace.text : [];
        var axis = axisOf(layout, horizontal ? trace.xaxis : trace.yaxis, horizontal ? "x" : "y");
        var percent = isPercentAxis(axis);
        var prefix = percent ? "" : String(axis.tickprefix || "");
        function number(v) {
            if (percent) { return (v * 100).toFixed(1) + " %"; }
            return (v < 0 ? "-" : "") + prefix + compact.format(Math.abs(v));
        }
        var points = [];
        values.forEach(function (v, i) {
            if (typeof v === "number" && isFinite(v)) {
                var shown = typeof texts[i] === "string" && texts[i] ? plain(texts[i]) : number(v);
                points.push({ label: label(labels[i]), value: v, shown: shown });
            }
        });
        if (!points.length) { return ""; }
        var listed = points.length <= LISTED ? points.map(function (p) {
            return (p.label ? p.label + " " : "") + p.shown;
        }).join(", ") : "";
        var name = plain(trace.name);
        if (percent || trace.type === "waterfall" || trace.base) {
            var last = points[points.length - 1];
            return (name ? name + ": " : "") + (listed || ("last, " + last.label + " " + last.shown));
        }
        var total = points.reduce(function (sum, p) { return sum + p.value; }, 0);
        return (name ? name + " " : "") + number(total) + " in total" +
            (listed ? " (" + listed + ")" : " over " + points.length + " periods");
    }
    function describe(box, gd) {
        var layout = gd._fullLayout;
        if (!layout) { return; }
        var title = gd.layout && gd.layout.title;
        title = plain(typeof title === "string" ? title : title && title.text);
        var parts = (gd._fullData || []).filter(function (trace) {
            var own = (gd.data || [])[trace.index] || {};
            return trace.visible === true && own.showlegend !== false && own.hoverinfo !== "skip" &&
                (!trace.fill || trace.fill === "none");
        }).map(function (trace) { return traceText(trace, layout); }).filter(Boolean);
        if (!parts.length) {
            parts = (layout.annotations || []).map(function (a) { return plain(a.text); }).filter(Boolean);
        }
        var name = title || box.getAttribute("data-chart-name") || "Chart";
        if (box.getAttribute("aria-label") !== name) { box.setAttribute("aria-label", name); }
        var caption = box.querySelector("figcaption");
        var summary = parts.join(". ");
        if (caption && caption.textContent !== summary) { caption.textContent = summary; }
    }
    function watch(root) {
        root.querySelectorAll("figure.described-chart").forEach(function (box) {
            var gd = box.querySelector(".js-plotly-plot");
            if (!gd || typeof gd.on !== "function" || gd.__describedBy === box) { return; }
            gd.__describedBy = box;
            gd.on("plotly_afterplot", function () { describe(box, gd); });
            describe(box, gd);
        });
    }
    new MutationObserver(function () { watch(document); }).observe(document.documentElement, {
        subtree: true, childList: true
    });
})();
