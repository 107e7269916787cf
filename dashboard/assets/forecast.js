// Browser-side helpers of the dashboard (clientside callbacks, the file inputs of the uploads).

// The same file chosen again is read again. A file input fires no `change` when the file it is
// given is the one it already holds, so re-choosing a corrected file under the same name (or
// the same actuals after ticking "The numbers are right") did nothing. Each upload's input
// forgets its file as soon as the upload has taken it (after every `change` handler ran), and
// on a click that opens the file dialog; react-dropzone reads the files during the event.
(function () {
    var UPLOAD_INPUT = ".upload-zone input[type=file]";
    function isUploadInput(target) {
        return !!(target && target.matches && target.matches(UPLOAD_INPUT));
    }
    document.addEventListener("click", function (evt) {
        if (isUploadInput(evt.target)) {
            evt.target.value = "";
        }
    }, true);
    document.addEventListener("change", function (evt) {
        if (isUploadInput(evt.target)) {
            var input = evt.target;
            setTimeout(function () { input.value = ""; }, 0);
        }
    }, true);
})();

// A callback whose request never reached the server (the server down, the network gone) was
// only a console line: the page looked as if the click did nothing. Here the shell's notice
// (#nav-offline) shows then; the server is tried every few seconds. Once it answers, the notice
// goes if only the page's own polls failed; if a change of the person's was lost, it says so and
// stays until a change of theirs gets through (a poll that gets through does not hide it).
//
// A callback the server refused said nothing either. When the sign-in has ended (401: it
// expired, was signed out elsewhere, the password changed, the account disabled), Dash read the
// answer's body twice ("body stream already read", at every poll) and the click did nothing:
// here the shell's #nav-refused says so, that the change just made was not saved, with a link to
// the sign-in page that comes back here; Dash gets "nothing to update" instead of the 401. When
// the plan the page shows is no longer the person's to see (removed from its members), the
// server answers nothing (204, X-Forecast-Refused: plan): the notice then names the plan (as
// the session kept it) and who can help. Neither notice goes before a change of theirs gets
// through. The server refuses either way; this only tells the person.
(function () {
    var CALLBACK = "_dash-update-component";
    var BACK = "The server can be reached again; a change made while it could not be was not " +
        "saved: make it again.";
    var REFUSED_HEADER = "X-Forecast-Refused";
    var ERROR_ID_HEADER = "X-Forecast-Error-Id";
    var SIGN_IN = "/login";
    // A proxy in front of a stopped server answers 502 to 504: that is not reaching it either.
    function unreachable(response) { return response.status >= 502 && response.status <= 504; }
    function startRetrying() { if (!retry) { retry = setInterval(tryServer, 5000); } }
    var originalFetch = window.fetch.bind(window);
    var retry = null;
    var lostChange = false;
    var offlineText = null;
    var refusedChange = false;
    var serverError = null;  // the words of the last unexpected error, until a change gets through
    function notice() { return document.getElementById("nav-offline"); }
    function show(text) {
        var el = notice();
        if (!el) { return; }
        if (offlineText === null) { offlineText = el.textContent; }
        el.textContent = text || offlineText;
        el.hidden = false;
    }
    function stopRetrying() { if (retry) { clearInterval(retry); retry = null; } }
    function hide() {
        var el = notice();
        if (el) { el.hidden = true; }
        stopRetrying();
    }
    function answered() {
        stopRetrying();
        if (lostChange) { show(BACK); } else if (serverError) { show(serverError); } else { hide(); }
    }
    // Any other 5xx is an unexpected error on the server (the answer's id names its lines in the
    // server's log): the click did nothing visible but a console line. The notice says so, and
    // stays until a change of the person's gets through.
    function failedOnServer(response) {
        var id = response.headers.get(ERROR_ID_HEADER);
        serverError = "Something went wrong on the server; nothing was changed by this action. " +
            (id ? "The details are in the server's log under id " + id + "."
                : "The details are in the server's log.");
        show(serverError);
    }
    function tryServer() {
        originalFetch(window.location.href, {method: "HEAD", cache: "no-store"}).then(function (r) {
            if (!unreachable(r)) { answered(); }  // else the proxy answers, the server not yet
        }, function () { /* still unreachable: try again later */ });
    }
    // A poll (an interval's tick) or the page's first load is not a change the person made.
    function personsChange(init) {
        try {
            var changed = JSON.parse((init && init.body) || "{}").changedPropIds || [];
            return changed.some(function (id) { return !/\.n_intervals$/.test(id); });
        } catch (e) {
            return true;
        }
    }
    function unreached(byPerson) {
        if (byPerson) { lostChange = true; }
        show();
        startRetrying();
    }
    function here() { return window.location.pathname + window.location.search; }
    function showRefused(text, linkId, href) {
        var el = document.getElementById("nav-refused");
        if (!el) { return; }
        document.getElementById("nav-refused-text").textContent = text;
        ["nav-refused-sign-in", "nav-refused-reload"].forEach(function (id) {
            var link = document.getElementById(id);
            link.hidden = id !== linkId;
            if (id === linkId) { link.setAttribute("href", href); }
        });
        el.hidden = false;
    }
    function hideRefused() {
        var el = document.getElementById("nav-refused");
        if (el) { el.hidden = true; }
        refusedChange = false;
    }
    function signInEnded(byPerson) {
        if (byPerson) { refusedChange = true; }
        var text = refusedChange
            ? "Your sign-in has ended, so the change you just made was not saved. Sign in " +
              "again, then make it again."
            : "Your sign-in has ended: sign in again to go on.";
        showRefused(text, "nav-refused-sign-in", SIGN_IN + "?next=" + encodeURIComponent(here()));
    }
    function planName() {
        try {
            var kept = JSON.parse(window.sessionStorage.getItem("nav-session") || "null");
            return kept && typeof kept.plan_name === "string" ? kept.plan_name : null;
        } catch (e) {
            return null;
        }
    }
    function planRefused() {
        refusedChange = true;
        var name = planName();
        var plan = name ? "the plan \u201c" + name + "\u201d" : "the plan this page shows";
        showRefused("You are no longer a member of " + plan + ", so the change you just made " +
            "was not saved. Ask the plan's owner to add you again if you still need it.",
            "nav-refused-reload", here());
    }
    // What Dash gets for a refused sign-in: nothing to update (it cannot read a 401's body).
    function nothingToUpdate() { return new Response(null, {status: 204}); }
    window.fetch = function (resource, init) {
        var url = typeof resource === "string" ? resource : (resource && resource.url) || "";
        var request = originalFetch(resource, init);
        if (url.indexOf(CALLBACK) === -1) {
            return request;
        }
        var byPerson = personsChange(init);
        return request.then(function (response) {
            if (unreachable(response)) {
                unreached(byPerson);
                return response;
            }
            if (response.status >= 500) {
                stopRetrying();
                failedOnServer(response);
                return response;
            }
            if (byPerson) {
                lostChange = false;
                serverError = null;
                hide();
            } else {
                answered();
            }
            if (response.status === 401) {
                signInEnded(byPerson);
                return nothingToUpdate();
            }
            if (response.headers.get(REFUSED_HEADER) === "plan") {
                if (byPerson) { planRefused(); }
            } else if (byPerson && response.ok) {
                hideRefused();
            }
            return response;
        }, function (error) {
            unreached(byPerson);
            throw error;
        });
    };
})();

window.dash_clientside = Object.assign({}, window.dash_clientside, {
    forecast: {
        // dcc.Upload drops a file over max_size silently; here the size is checked in the
        // browser and a file over the limit gets a visible message and never leaves the browser.
        // The upload then forgets the contents (the third output), so that the same contents
        // dropped again are a change and are read again.
        checkUpload: function (contents, filename, limit) {
            var no_update = window.dash_clientside.no_update;
            if (!contents) {
                return [no_update, no_update, no_update];
            }
            var comma = contents.indexOf(",");
            var b64 = contents.length - comma - 1;
            var size = Math.floor(b64 * 3 / 4);
            var mb = function (n) { return (n / 1024 / 1024).toFixed(1) + " MB"; };
            if (limit && size > limit) {
                return [null, {
                    type: "Div",
                    namespace: "dash_html_components",
                    props: {
                        id: "data-upload-too-big",
                        className: "alert alert-danger",
                        children: filename + " is " + mb(size) + ", over the upload limit of " +
                            mb(limit) + ". Split the file, or load it from the command line " +
                            "with `forecast plan create FILE`."
                    }
                }, null];
            }
            return [{filename: filename, contents: contents}, {
                type: "Div",
                namespace: "dash_html_components",
                props: {className: "alert alert-secondary", children: "Reading " + filename + " (" + mb(size) + ")…"}
            }, null];
        }
    }
});
