// Browser-side helpers of the dashboard (clientside callbacks).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    forecast: {
        // dcc.Upload drops a file over max_size silently; here the size is checked in the
        // browser and a file over the limit gets a visible message and never leaves the browser.
        checkUpload: function (contents, filename, limit) {
            if (!contents) {
                return [window.dash_clientside.no_update, window.dash_clientside.no_update];
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
                }];
            }
            return [{filename: filename, contents: contents}, {
                type: "Div",
                namespace: "dash_html_components",
                props: {className: "alert alert-secondary", children: "Reading " + filename + " (" + mb(size) + ")…"}
            }];
        }
    }
});
