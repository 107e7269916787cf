"""The Negotiation page's parts (not pages themselves): each module holds one part's layout, its
pure builders and the small callbacks that `register(app, ctx)` binds to the app's context.

- ``common``: the outcome of an edit (alert + refresh), shared by the edit parts
- ``goal``: the goal card (owner) and the goal parser
- ``periods``: the goal split by period
- ``claims``: the claims board, one card per team (leads)
- ``decisions``: close, reopen, assign, lock and rebase (owner)
- ``view``: the render outputs built from the service's `NegotiationBoard` (pure)
"""
