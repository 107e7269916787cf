"""The parts of the System plan page (not pages themselves: `dashboard/pages/system_plan.py`
assembles them).

- ``forms``: parsing what the page's inputs send (scope text, numbers, dates);
- ``view``: pure builders from the services' read models to grid rows, cards and alerts;
- ``layout``: the components of each part;
- ``overview``, ``events``, ``gate``, ``factors``, ``fan``: each part's callbacks, module-level
  functions taking the context first, registered by the part's ``register(app, ctx)``.
"""
