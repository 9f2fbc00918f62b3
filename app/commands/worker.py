import click
from flask import current_app
from flask.cli import with_appcontext

from app.jobs import QUEUES, queue, redis_connection


@click.command("worker")
@click.option("--burst", is_flag=True, help="Drain the queues, then exit.")
@click.option("--queue", "queues", multiple=True, type=click.Choice(QUEUES), help="Queues to serve (default: all).")
@with_appcontext
def worker(burst: bool, queues: tuple[str, ...]):
    """Run an RQ worker for the app's queues.

    Jobs run with this app configured."""
    from rq import Worker

    qs = [queue(name) for name in (queues or QUEUES)]
    click.echo(f"Worker on {', '.join(q.name for q in qs)} ({'burst' if burst else 'until stopped'})")
    w = Worker(qs, connection=redis_connection())
    w.work(burst=burst, with_scheduler=True, logging_level=current_app.config["LOG_LEVEL"])
