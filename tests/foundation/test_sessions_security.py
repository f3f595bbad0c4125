"""Sessions, CSRF, rate limits, 2FA, password reset and email verification."""

import re

import pyotp

from tests.helpers import PASSWORD, Api, error, last_mail


def test_csrf_required_for_cookie_writes(api: Api) -> None:
    acct = api.signup()
    url = f"/api/projects/{acct.project_id}/"
    resp = acct.client.patch(url, json={"name": "x"})
    assert resp.status_code == 403
    assert error(resp)["code"] == "csrf_failed"
    resp = acct.client.patch(url, json={"name": "x"}, headers={"X-CSRFToken": "wrong"})
    assert resp.status_code == 403
    assert api.get(acct, url).get_json()["name"] == "Default project"
    assert api.patch(acct, url, {"name": "ok"}).status_code == 200
    key = api.create_key(acct, scopes=["project:write"])  # bearer requests need no CSRF
    assert api.patch(key, url, {"name": "by key"}).status_code == 200


def test_session_cookie_flags_and_rotation(api: Api) -> None:
    client = api.new_client()
    resp = client.post(
        "/api/signup/", json={"email": "c@example.com", "password": PASSWORD, "first_name": "C"}
    )
    cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("burrow_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    first = client.get_cookie("burrow_session").value
    client.post("/api/login/", json={"email": "c@example.com", "password": PASSWORD})
    assert client.get_cookie("burrow_session").value != first


def test_logout_and_logout_everywhere(api: Api) -> None:
    acct = api.signup()
    other = api.new_client()
    login = other.post("/api/login/", json={"email": acct.email, "password": PASSWORD})
    assert login.status_code == 200
    assert api.post(acct, "/api/logout/all/").status_code == 204
    assert other.get("/api/users/@me/").status_code == 401
    assert acct.client.get("/api/users/@me/").status_code == 401


def test_login_errors_do_not_reveal_accounts(api: Api) -> None:
    acct = api.signup()
    client = api.new_client()
    wrong = client.post("/api/login/", json={"email": acct.email, "password": "nope-nope-nope"})
    unknown = client.post("/api/login/", json={"email": "ghost@example.com", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 401
    assert error(wrong)["detail"] == error(unknown)["detail"]


def test_login_rate_limited_per_account(api: Api) -> None:
    acct = api.signup()
    client = api.new_client()
    codes = [
        client.post(
            "/api/login/", json={"email": acct.email, "password": "wrong-password"}
        ).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429
    last = client.post("/api/login/", json={"email": acct.email, "password": PASSWORD})
    assert last.status_code == 429
    assert int(last.headers["Retry-After"]) > 0
    assert error(last)["type"] == "rate_limited"


def test_signup_rate_limited_per_ip(api: Api) -> None:
    client = api.new_client()
    codes = []
    for i in range(6):
        codes.append(
            client.post(
                "/api/signup/",
                json={"email": f"s{i}@example.com", "password": PASSWORD, "first_name": "S"},
            ).status_code
        )
    assert codes == [201] * 5 + [429]


def test_password_rules(api: Api) -> None:
    resp = api.new_client().post(
        "/api/signup/", json={"email": "w@example.com", "password": "short", "first_name": "W"}
    )
    assert resp.status_code == 400
    assert error(resp)["attr"] == "password"
    resp = api.new_client().post(
        "/api/signup/",
        json={"email": "w@example.com", "password": "aaaaaaaaaaaa", "first_name": "W"},
    )
    assert resp.status_code == 400


def test_duplicate_email_case_insensitive(api: Api) -> None:
    api.signup("Dup@Example.com")
    resp = api.new_client().post(
        "/api/signup/", json={"email": "dup@example.com", "password": PASSWORD, "first_name": "D"}
    )
    assert resp.status_code == 409
    assert error(resp)["attr"] == "email"


def test_totp_two_factor_login(api: Api) -> None:
    acct = api.signup()
    setup = api.post(acct, "/api/users/@me/two_factor/setup/").get_json()
    totp = pyotp.TOTP(setup["secret"])
    assert (
        api.post(acct, "/api/users/@me/two_factor/enable/", {"token": "000000"}).status_code == 400
    )
    assert (
        api.post(acct, "/api/users/@me/two_factor/enable/", {"token": totp.now()}).status_code
        == 200
    )
    client = api.new_client()
    first = client.post("/api/login/", json={"email": acct.email, "password": PASSWORD})
    assert first.status_code == 401
    assert error(first)["code"] == "2fa_required"
    assert client.get("/api/users/@me/").status_code == 401
    bad = client.post("/api/login/token/", json={"token": "123456"})
    assert bad.status_code == 401
    ok = client.post("/api/login/token/", json={"token": totp.now()})
    assert ok.status_code == 200
    assert client.get("/api/users/@me/").get_json()["two_factor_enabled"] is True
    log = api.get(acct, f"/api/organizations/{acct.organization_id}/activity/?action=login_failed")
    assert [e["detail"].get("method") for e in log.get_json()["results"]] == ["totp"]


def test_token_step_needs_password_first(api: Api) -> None:
    resp = api.new_client().post("/api/login/token/", json={"token": "123456"})
    assert resp.status_code == 401
    assert error(resp)["code"] == "2fa_not_started"


def test_password_reset_flow(api: Api) -> None:
    acct = api.signup("reset@example.com")
    client = api.new_client()
    assert client.post("/api/reset/", json={"email": "nobody@example.com"}).status_code == 200
    assert client.post("/api/reset/", json={"email": "reset@example.com"}).status_code == 200
    token = re.search(r"/reset/(\S+)", last_mail(api.app, "reset@example.com")).group(1)
    new_password = "a-brand-new-password-42"
    assert (
        client.post(
            "/api/reset/complete/", json={"token": token, "password": new_password}
        ).status_code
        == 200
    )
    # the link is single-use, old sessions are gone, the new password works
    again = client.post(
        "/api/reset/complete/", json={"token": token, "password": "another-one-12345"}
    )
    assert again.status_code == 400
    assert acct.client.get("/api/users/@me/").status_code == 401
    assert (
        client.post("/api/login/", json={"email": acct.email, "password": new_password}).status_code
        == 200
    )


def test_reset_token_forged_is_refused(api: Api) -> None:
    api.signup("f@example.com")
    resp = api.new_client().post(
        "/api/reset/complete/", json={"token": "x" * 40, "password": PASSWORD}
    )
    assert resp.status_code == 400
    assert error(resp)["code"] == "invalid_token"


def test_email_verification(api: Api) -> None:
    acct = api.signup("v@example.com")
    token = re.search(r"/verify_email/(\S+)", last_mail(api.app, "v@example.com")).group(1)
    assert api.get(acct, "/api/users/@me/").get_json()["is_email_verified"] is False
    assert (
        api.new_client().post("/api/users/verify_email/", json={"token": token}).status_code == 200
    )
    assert api.get(acct, "/api/users/@me/").get_json()["is_email_verified"] is True


def test_me_update_and_preferences(api: Api) -> None:
    acct = api.signup(preferences={"newsletter": True})
    me = api.get(acct, "/api/users/@me/").get_json()
    assert me["preferences"] == {
        "community_invite": False,
        "newsletter": True,
        "security_updates": False,
    }
    resp = api.patch(
        acct, "/api/users/@me/", {"first_name": "New", "preferences": {"security_updates": True}}
    )
    assert resp.get_json()["first_name"] == "New"
    assert resp.get_json()["preferences"]["newsletter"] is False
    resp = api.patch(acct, "/api/users/@me/", {"password": "new-password-123456"})
    assert resp.status_code == 400
    assert error(resp)["attr"] == "current_password"
