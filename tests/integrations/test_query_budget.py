"""The integrations list and an API page answer from the same statements whatever their size."""

from tests import support
from tests.support import PERSONAS


def _count(app, client, url, **kwargs) -> int:
    with support.count_queries(app) as statements:
        answer = client.get(url, **kwargs)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return len(list(statements))


def test_the_list_costs_the_same_for_one_token_and_for_twenty(app, make_token):
    make_token(school="oakwood")
    client = app.test_client()
    support.sign_in_client(client, PERSONAS["lee"])
    one = _count(app, client, "/integrations")
    for n in range(19):
        make_token(name=f"System {n}", school="riverside" if n % 2 else None)
    assert _count(app, client, "/integrations") == one <= 12


def test_an_api_page_costs_the_same_for_one_student_and_for_five(app, make_token, api):
    secret = make_token()
    client = api(secret).client
    headers = {"Authorization": f"Bearer {secret}"}
    one = _count(app, client, "/api/v1/students?limit=1", headers=headers)
    five = _count(app, client, "/api/v1/students?limit=5", headers=headers)
    assert one == five <= 8
