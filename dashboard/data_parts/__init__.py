"""The Data page's parts (not pages themselves: `dashboard/pages/data.py` assembles them).

- ``layout``: the components (the upload column, the column mapping, the create form);
- ``view``: pure builders from the service's `FileCheck` (``forecast.services.file_check``) to
  the report, the question for the sales column, the store-table hint, the mapping's options;
- ``upload``: keeping the uploads on the server (sales file, store table, the bundled sample);
- ``preview``: reading the file and showing what it holds (one service call, one builder);
- ``create``: creating the plan in the background, with its progress.

Each callback is a module-level function taking the context first, bound by its part's
``register(app, ctx)``.
"""
