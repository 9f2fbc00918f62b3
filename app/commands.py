"""The `kompeten` sub-commands; each prints its progress and a summary."""

import time
from collections.abc import Callable, Collection

import click


def follow_run(slug: str, read_view: Callable[[], dict], line_of: Callable[[dict], str],
               ended: Collection[str], *, interval: float = 0.5) -> dict:
    """`--wait`: print a worker's run (import, reconciliation) as it moves, one line per change, until its state is
    one of `ended`; returns its last view. Each look is its own short transaction in the region."""
    from app.tenancy import tenant_context

    last = None
    while True:
        with tenant_context(slug):
            view = read_view()
        line = line_of(view)
        if line != last:
            click.echo(line)
            last = line
        if view["state"] in ended:
            return view
        time.sleep(interval)
