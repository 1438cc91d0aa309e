"""Your own mocks first: a responses or respx registration under the instance URL beats the mock."""
import responses
import respx


def test_one_table_answers_500_the_rest_is_the_mock(snjwt_session, snjwt_instance):
    with responses.RequestsMock() as mine:
        mine.get(f"{snjwt_instance.url}/api/now/table/problem", status=500)
        assert snjwt_session.get("/api/now/table/problem").status_code == 500  # yours
        assert snjwt_session.get("/api/now/table/incident").status_code == 200  # the mock's


def test_the_same_with_respx_and_httpx(snjwt_httpx_client, snjwt_instance):
    with respx.mock() as mine:
        mine.get(f"{snjwt_instance.url}/api/now/table/problem").respond(500)
        assert snjwt_httpx_client.get("/api/now/table/problem").status_code == 500  # yours
        assert snjwt_httpx_client.get("/api/now/table/incident").status_code == 200  # the mock's
