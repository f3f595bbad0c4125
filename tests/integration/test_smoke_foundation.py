from tests.helpers import Api, error


def test_signup_creates_org_project_and_session(api: Api) -> None:
    acct = api.signup("alice@example.com", organization_name="Acme")
    me = api.get(acct, "/api/users/@me/").get_json()
    assert me["email"] == "alice@example.com"
    assert me["organization"]["name"] == "Acme"
    assert me["is_staff"] is True  # first user of a self-hosted instance
    proj = api.get(acct, f"/api/projects/{acct.project_id}/").get_json()
    assert proj["api_token"].startswith("phc_")
    assert proj["secret_api_token"] is None


def test_other_tenant_gets_404(api: Api) -> None:
    a = api.signup()
    b = api.signup()
    resp = api.get(b, f"/api/projects/{a.project_id}/")
    assert resp.status_code == 404
    assert error(resp)["type"] == "not_found"
    resp = api.get(b, f"/api/organizations/{a.organization_id}/")
    assert resp.status_code == 404
