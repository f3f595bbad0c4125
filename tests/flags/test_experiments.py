"""Experiments: lifecycle, gating, results from a seeded dataset vs closed-form probabilities."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from datetime import timedelta
from typing import Any

from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker  # noqa: TID251 - tests drain jobs with a real RQ worker
from sqlalchemy import update

from app.db import get_session, utcnow
from app.events.models import Event
from app.experiments.models import Experiment
from app.tenancy import tenant_scope
from tests.flags.conftest import project_token
from tests.helpers import Account, Api, error
from workers import runner
from workers.queues import INSIGHTS


def _base(acct: Account) -> str:
    return f"/api/projects/{acct.project_id}/experiments/"


def _drain(app: Flask) -> None:
    runner.use_app(app)
    redis: Redis = app.extensions["redis"]
    SimpleWorker([Queue(INSIGHTS, connection=redis)], connection=redis).work(burst=True)


def p_beta_b_beats_a(a_a: int, b_a: int, a_b: int, b_b: int) -> float:
    """Closed form P(pB > pA) for Beta posteriors with integer parameters (Evan Miller)."""

    def lbeta(x: float, y: float) -> float:
        return math.lgamma(x) + math.lgamma(y) - math.lgamma(x + y)

    return sum(
        math.exp(
            lbeta(a_a + i, b_a + b_b) - math.log(b_b + i) - lbeta(1 + i, b_b) - lbeta(a_a, b_a)
        )
        for i in range(a_b)
    )


def p_gamma_b_beats_a(s_a: int, r_a: float, s_b: int, r_b: float) -> float:
    """Closed form P(λB > λA) for Gamma(shape, rate) posteriors with integer shape of B."""
    total = 0.0
    for k in range(s_b):
        log_term = (
            s_a * math.log(r_a)
            + k * math.log(r_b)
            + math.lgamma(s_a + k)
            - math.lgamma(s_a)
            - math.lgamma(k + 1)
            - (s_a + k) * math.log(r_a + r_b)
        )
        total += math.exp(log_term)
    return total


def _seed(app: Flask, acct: Account, flag_key: str, plan: dict[str, tuple[int, int, int]]) -> None:
    """plan: variant -> (exposed users, converted users, purchase events in total).

    The experiment's start is moved an hour back so the seeded events sit inside its window.
    Each distinct id gets its own person id, as ingestion stores one on every event.
    """
    start = utcnow() - timedelta(minutes=50)
    person: dict[str, uuid.UUID] = defaultdict(uuid.uuid4)
    rows = []
    for variant, (exposed, converted, purchases) in plan.items():
        for i in range(exposed):
            distinct_id = f"{variant}-{i}"
            rows.append(
                Event(
                    uuid=uuid.uuid4(),
                    event="$feature_flag_called",
                    distinct_id=distinct_id,
                    person_id=person[distinct_id],
                    timestamp=start,
                    properties={"$feature_flag": flag_key, "$feature_flag_response": variant},
                )
            )
        for n in range(purchases):
            buyer = n % converted
            rows.append(
                Event(
                    uuid=uuid.uuid4(),
                    event="purchase",
                    distinct_id=f"{variant}-{buyer}",
                    person_id=person[f"{variant}-{buyer}"],
                    timestamp=start + timedelta(seconds=1 + n),
                    properties={},
                )
            )
    # Purchases before exposure and by unexposed users never count.
    rows.append(
        Event(
            uuid=uuid.uuid4(),
            event="purchase",
            distinct_id="stranger",
            person_id=person["stranger"],
            timestamp=start + timedelta(seconds=5),
            properties={},
        )
    )
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
        get_session().add_all(rows)
        get_session().execute(update(Experiment).values(start_date=utcnow() - timedelta(hours=1)))
        get_session().commit()


def test_gated_on_free(api: Api) -> None:
    acct = api.signup()
    resp = api.get(acct, _base(acct))
    assert resp.status_code == 402 and error(resp)["code"] == "feature_not_in_plan"


def test_lifecycle_results_and_ship(app: Flask, api: Api, grant_growth: Any) -> None:
    acct = api.signup()
    grant_growth(acct)
    bad = api.post(acct, _base(acct), {"name": "x", "feature_flag_key": "exp", "metrics": []})
    assert bad.status_code == 400
    created = api.post(
        acct,
        _base(acct),
        {
            "name": "Checkout",
            "feature_flag_key": "checkout-exp",
            "metrics": [{"kind": "funnel", "steps": ["purchase"]}],
            "metrics_secondary": [{"kind": "trend", "event": "purchase"}],
        },
    )
    assert created.status_code == 201, created.get_json()
    exp = created.get_json()
    url = f"{_base(acct)}{exp['id']}/"
    token = project_token(api, acct)
    body = {"token": token, "distinct_id": "someone"}
    flags = api.new_client().post("/flags/?v=2", json=body).get_json()["flags"]
    assert flags["checkout-exp"]["reason"]["code"] == "flag_disabled"  # not launched yet
    launched = api.post(acct, url + "launch/").get_json()
    assert launched["start_date"] is not None
    flags = api.new_client().post("/flags/?v=2", json=body).get_json()["flags"]
    assert flags["checkout-exp"]["variant"] in ("control", "test")
    plan = {"control": (200, 40, 300), "test": (200, 60, 360)}
    _seed(app, acct, "checkout-exp", plan)
    pending = api.get(acct, url + "results/")
    assert pending.status_code == 202 and pending.get_json()["status"] == "calculating"
    _drain(app)
    res = api.get(acct, url + "results/")
    assert res.status_code == 200, res.get_json()
    data = res.get_json()
    funnel, trend = data["primary"][0], data["secondary"][0]
    assert funnel["variants"] == [
        {"key": "control", "exposure": 200, "count": 40},
        {"key": "test", "exposure": 200, "count": 60},
    ]
    expected = p_beta_b_beats_a(1 + 40, 1 + 160, 1 + 60, 1 + 140)
    assert abs(funnel["probability"]["test"] - expected) < 0.01, (funnel["probability"], expected)
    assert funnel["significant"] is True and funnel["winner"] == "test"
    low, high = funnel["credible_intervals"]["test"]
    assert low < 0.3 < high
    assert trend["variants"][1]["count"] == 360
    expected_count = p_gamma_b_beats_a(1 + 300, 1 + 200, 1 + 360, 1 + 200)
    assert abs(trend["probability"]["test"] - expected_count) < 0.01
    assert trend["significant"] == (
        trend["probability"]["test"] >= 0.9 and trend["expected_loss"] < 0.01
    )
    shipped = api.post(acct, url + "ship_variant/", {"variant": "test"})
    assert shipped.status_code == 200 and shipped.get_json()["shipped_variant"] == "test"
    for i in range(20):
        one = api.new_client().post("/flags/?v=2", json={"token": token, "distinct_id": f"z{i}"})
        assert one.get_json()["flags"]["checkout-exp"]["variant"] == "test"


def test_not_enough_exposure_and_holdout(app: Flask, api: Api, grant_growth: Any) -> None:
    acct = api.signup()
    grant_growth(acct)
    holdout = api.post(
        acct,
        f"/api/projects/{acct.project_id}/experiment_holdouts/",
        {"name": "H", "exclusion_percentage": 100},
    ).get_json()
    exp = api.post(
        acct,
        _base(acct),
        {
            "name": "Small",
            "feature_flag_key": "small",
            "holdout_id": holdout["id"],
            "metrics": [{"kind": "trend", "event": "purchase"}],
        },
    )
    assert exp.status_code == 201, exp.get_json()
    url = f"{_base(acct)}{exp.get_json()['id']}/"
    api.post(acct, url + "launch/")
    token = project_token(api, acct)
    flag = api.new_client().post("/flags/?v=2", json={"token": token, "distinct_id": "a"})
    assert flag.get_json()["flags"]["small"]["variant"] == f"holdout-{holdout['id']}"
    _seed(app, acct, "small", {"control": (10, 2, 3), "test": (10, 5, 8)})
    api.get(acct, url + "results/")
    _drain(app)
    result = api.get(acct, url + "results/").get_json()["primary"][0]
    assert result["significant"] is False
    assert result["significance_code"] == "not_enough_exposure"


def test_person_counts_once_in_the_variant_of_first_exposure(
    app: Flask, api: Api, grant_growth: Any
) -> None:
    """Two distinct ids of one (merged) person: one exposure, the first; their events count."""
    acct = api.signup()
    grant_growth(acct)
    created = api.post(
        acct,
        _base(acct),
        {"name": "M", "feature_flag_key": "m", "metrics": [{"kind": "trend", "event": "buy"}]},
    ).get_json()
    url = f"{_base(acct)}{created['id']}/"
    api.post(acct, url + "launch/")
    start, person = utcnow() - timedelta(minutes=30), uuid.uuid4()

    def event(name: str, distinct_id: str, minute: int, **props: Any) -> Event:
        return Event(
            uuid=uuid.uuid4(),
            event=name,
            distinct_id=distinct_id,
            person_id=person,
            timestamp=start + timedelta(minutes=minute),
            properties=props,
        )

    called = "$feature_flag_called"
    rows = [
        event("buy", "anon", 0),  # before exposure: never counts
        event(called, "anon", 1, **{"$feature_flag": "m", "$feature_flag_response": "test"}),
        event(called, "user", 2, **{"$feature_flag": "m", "$feature_flag_response": "control"}),
        event(called, "user", 3, **{"$feature_flag": "other", "$feature_flag_response": "x"}),
        event("buy", "user", 4),
        event("buy", "anon", 5),
    ]
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
        get_session().add_all(rows)
        get_session().execute(update(Experiment).values(start_date=utcnow() - timedelta(hours=1)))
        get_session().commit()
    api.get(acct, url + "results/")
    _drain(app)
    result = api.get(acct, url + "results/").get_json()["primary"][0]
    assert result["variants"] == [
        {"key": "control", "exposure": 0, "count": 0},
        {"key": "test", "exposure": 1, "count": 2},
    ]


def test_cross_tenant_404(api: Api, grant_growth: Any) -> None:
    owner, other = api.signup(), api.signup()
    grant_growth(owner)
    grant_growth(other)
    exp = api.post(
        owner,
        _base(owner),
        {"name": "E", "feature_flag_key": "e", "metrics": [{"kind": "trend", "event": "x"}]},
    ).get_json()
    holdout = api.post(
        owner,
        f"/api/projects/{owner.project_id}/experiment_holdouts/",
        {"name": "H", "exclusion_percentage": 10},
    ).get_json()
    for path in ("", "results/"):
        assert api.get(other, f"{_base(owner)}{exp['id']}/{path}").status_code == 404
        assert api.get(other, f"{_base(other)}{exp['id']}/{path}").status_code == 404
    for action in ("launch/", "end/", "ship_variant/"):
        assert (
            api.post(other, f"{_base(other)}{exp['id']}/{action}", {"variant": "test"}).status_code
            == 404
        )
    assert api.patch(other, f"{_base(other)}{exp['id']}/", {"name": "x"}).status_code == 404
    assert api.delete(other, f"{_base(other)}{exp['id']}/").status_code == 404
    hold_url = f"/api/projects/{other.project_id}/experiment_holdouts/{holdout['id']}/"
    assert api.get(other, hold_url).status_code == 404
