"""ops/request_guards.py: a NUL in a path or query string is a 400 before any view runs."""

import pytest

from tests.factories import PublishedClaimFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/api/v1/claims/?search=%00", "/api/v1/sources/?q=a%00b", "/api/v1/claims/?%00=1"],
)
def test_nul_in_an_api_query_is_a_json_400_naming_the_parameter(client, url):
    response = client.get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"].values()) == [["Null characters are not allowed."]]


@pytest.mark.parametrize("url", ["/claims/?q=%00", "/claims/%00/", "/admin/?next=%00"])
def test_nul_on_a_site_page_is_the_sites_400_page(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert not response["Content-Type"].startswith("application/json")


def test_other_control_characters_pass_to_the_view(client):
    PublishedClaimFactory(title="Escapes")
    assert client.get("/claims/?q=%1bEscapes").status_code == 200
    assert client.get("/api/v1/claims/?search=%1b").status_code == 200
