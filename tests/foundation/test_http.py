"""One error shape, pagination, health and readiness, request ids."""

from tests.helpers import Api, error


def test_unknown_route_and_method_use_the_error_shape(api: Api) -> None:
    acct = api.signup()
    assert error(api.get(acct, "/api/nope/"))["type"] == "not_found"
    resp = api.call(acct, "PUT", "/api/users/@me/", json={})
    assert resp.status_code == 405
    assert error(resp)["code"] == "method_not_allowed"


def test_malformed_json_is_400(api: Api) -> None:
    acct = api.signup()
    resp = acct.client.patch(
        f"/api/projects/{acct.project_id}/",
        data="{not json",
        headers={"X-CSRFToken": acct.csrf, "Content-Type": "application/json"},
    )
    assert resp.status_code == 400
    assert error(resp)["code"] == "parse_error"
    resp = api.patch(acct, f"/api/projects/{acct.project_id}/", [1, 2])
    assert resp.status_code == 400


def test_unauthenticated_is_401(api: Api) -> None:
    resp = api.new_client().get("/api/users/@me/")
    assert resp.status_code == 401
    assert error(resp)["type"] == "authentication_error"


def test_pagination_next_links(api: Api) -> None:
    acct = api.signup()
    for i in range(3):
        api.post(acct, f"/api/organizations/{acct.organization_id}/projects/", {"name": f"P{i}"})
    page1 = api.get(acct, f"/api/organizations/{acct.organization_id}/projects/?limit=2").get_json()
    assert page1["count"] == 4 and len(page1["results"]) == 2
    page2 = api.get(acct, page1["next"].replace("http://localhost", "")).get_json()
    assert len(page2["results"]) == 2 and page2["next"] is None
    names = [p["name"] for p in page1["results"] + page2["results"]]
    assert names == ["Default project", "P0", "P1", "P2"]
    assert (
        api.get(acct, f"/api/organizations/{acct.organization_id}/projects/?limit=x").status_code
        == 400
    )


def test_health_ready_and_request_id(api: Api) -> None:
    client = api.new_client()
    assert client.get("/_health").get_json() == {"status": "ok"}
    ready = client.get("/_ready")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "redis": "ok"}
    assert (
        client.get("/_health", headers={"X-Request-ID": "abc123"}).headers["X-Request-ID"]
        == "abc123"
    )
    assert len(client.get("/_health").headers["X-Request-ID"]) == 32


def test_ready_reports_redis_down(app_factory) -> None:
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0")
    resp = app.test_client().get("/_ready")
    assert resp.status_code == 503
    assert resp.get_json()["checks"]["redis"] == "error"
