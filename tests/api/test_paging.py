"""Keyset paging (app.services.pagination): `cursor` walks a list in its sort order at any depth, both ways, with
ties broken by id, NULLs where PostgreSQL sorts them, rows added meanwhile never shifting a page; a bad cursor is a
422 naming `cursor`; a large total is an estimate, labelled."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.services import pagination
from app.tenancy import tenant_context
from tests.fixtures.factories import api, make_employee


def _walk(client, url: str, *, limit: int, sort: str) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, "sort": sort, **({"cursor": cursor} if cursor else {})}
        body = client.get(url, query_string=query).get_json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None or pages > 50:
            return items


def test_a_cursor_walks_every_employee_once_in_the_order_of_the_offset_listing(client, malang):
    for i in range(13):
        make_employee(malang, name=f"Sama Nama {i % 3}")  # ties on the sort key: the id breaks them
    url = api(malang, "/employees")
    by_offset = client.get(url, query_string={"limit": 200, "sort": "-name"}).get_json()["items"]
    walked = _walk(client, url, limit=4, sort="-name")
    assert [e["id"] for e in walked] == [e["id"] for e in by_offset]
    assert len(walked) == len({e["id"] for e in walked}) == len(by_offset)


def test_prev_cursor_gives_back_exactly_the_page_before(client, malang):
    for _ in range(9):
        make_employee(malang)
    url = api(malang, "/employees")
    first = client.get(url, query_string={"limit": 3, "sort": "nip"}).get_json()
    assert first["prev_cursor"] is None
    second = client.get(url, query_string={"limit": 3, "sort": "nip", "cursor": first["next_cursor"]}).get_json()
    third = client.get(url, query_string={"limit": 3, "sort": "nip", "cursor": second["next_cursor"]}).get_json()
    back = client.get(url, query_string={"limit": 3, "sort": "nip", "cursor": third["prev_cursor"]}).get_json()
    assert [e["nip"] for e in back["items"]] == [e["nip"] for e in second["items"]]
    again = client.get(url, query_string={"limit": 3, "sort": "nip", "cursor": back["prev_cursor"]}).get_json()
    assert [e["nip"] for e in again["items"]] == [e["nip"] for e in first["items"]]
    assert again["prev_cursor"] is None  # the first page has nothing before it


def test_a_row_added_before_the_cursor_does_not_shift_the_next_page(client, malang):
    for i in range(6):
        make_employee(malang, name=f"Budi {i}")
    url = api(malang, "/employees")
    first = client.get(url, query_string={"limit": 3, "sort": "name"}).get_json()
    make_employee(malang, name="Budi 0 A")  # sorts inside the first page
    second = client.get(url, query_string={"limit": 3, "sort": "name", "cursor": first["next_cursor"]}).get_json()
    assert [e["name"] for e in second["items"]] == ["Budi 3", "Budi 4", "Budi 5"]


def test_a_bad_cursor_or_one_of_another_sort_is_a_422_naming_cursor(client, malang):
    for _ in range(3):
        make_employee(malang)
    url = api(malang, "/employees")
    by_name = client.get(url, query_string={"limit": 1, "sort": "name"}).get_json()["next_cursor"]
    for query in ({"cursor": "bukan-cursor"}, {"cursor": by_name, "sort": "nip"}, {"cursor": "e30"}):
        resp = client.get(url, query_string={"limit": 1, **query})
        assert resp.status_code == 422 and resp.content_type == "application/problem+json"
        assert [e["field"] for e in resp.get_json()["errors"]] == ["cursor"]


def test_nulls_are_paged_where_the_order_puts_them_both_ways(malang):
    with tenant_context(malang):
        db.session.execute(sa.text("CREATE TEMP TABLE paged (id int PRIMARY KEY, k int) ON COMMIT DROP"))
        db.session.execute(sa.text("INSERT INTO paged SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE i % 4 END "
                                   "FROM generate_series(1, 20) i"))
        table = sa.table("paged", sa.column("id"), sa.column("k"))
        for order in (table.c.k.asc(), table.c.k.desc(), table.c.k.asc().nulls_first(), table.c.k.desc().nulls_last()):
            expected = db.session.execute(sa.select(table.c.id).order_by(order, table.c.id)).scalars().all()
            seen, cursor = [], None
            while True:
                page = pagination.paginate(sa.select(table.c.id), limit=3, offset=0, order_by=[order],
                                           tiebreak=table.c.id, cursor=cursor)
                seen += page.items
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
            assert seen == expected
            back, cursor = [], page.prev_cursor
            while cursor:
                earlier = pagination.paginate(sa.select(table.c.id), limit=3, offset=0, order_by=[order],
                                              tiebreak=table.c.id, cursor=cursor)
                back = earlier.items + back
                cursor = earlier.prev_cursor
            assert back + page.items == expected


def test_a_large_total_is_the_planners_estimate_and_says_so(client, malang, monkeypatch):
    for _ in range(8):
        make_employee(malang)
    url = api(malang, "/employees")
    exact = client.get(url, query_string={"limit": 2}).get_json()
    assert exact["total_estimated"] is False
    monkeypatch.setattr(pagination, "EXACT_COUNT_UP_TO", 5)
    estimated = client.get(url, query_string={"limit": 2}).get_json()
    assert estimated["total_estimated"] is True and estimated["total"] >= 6  # never below the rows it has seen


def test_the_employees_page_goes_on_by_cursor_and_labels_an_estimate(app, malang, monkeypatch):
    from tests.web.cohort_helpers import browser_as

    for i in range(30):
        make_employee(malang, name=f"Pegawai Halaman {i:02d}")
    viewer = browser_as(app, malang, "viewer")
    first = viewer.get("/t/kota-malang/pegawai")
    assert "1–25 dari 30" in first.text
    following = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert "cursor=" in following and "offset=" not in following
    second = viewer.get(following).text
    assert "5 baris dari 30" in second and "Pegawai Halaman 29" in second and "Halaman pertama" in second
    monkeypatch.setattr(pagination, "EXACT_COUNT_UP_TO", 10)
    assert "(perkiraan)" in viewer.get("/t/kota-malang/pegawai").text
