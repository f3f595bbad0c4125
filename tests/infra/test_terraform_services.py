"""ECS services, autoscaling, load balancer, secrets injection, IAM and alarms."""

from __future__ import annotations

import re

import pytest

from tests.infra import hcl
from tests.infra.hcl import nested

PLATFORM = hcl.MODULES / "platform"
SERVICES = {
    "web": "web",
    "worker_ingestion": "worker-ingestion",
    "worker_insights": "worker-insights",
    "worker_default": "worker-default",
    "scheduler": "scheduler",
}
REQUIRED_SECRETS = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRETS",
    "SAML_SP_PRIVATE_KEY",
}


def _calls() -> dict[str, hcl.Block]:
    return {
        name: call
        for name, call in hcl.module_calls(PLATFORM).items()
        if call.body["source"] == "../ecs_service"
    }


def _platform_locals() -> dict[str, object]:
    merged: dict[str, object] = {}
    for path in hcl.tf_files():
        if path.parent == PLATFORM:
            for entry in hcl.parse(path).get("locals", []):
                merged.update(entry)
    return merged


def _secrets_for(service: str) -> set[str]:
    """Resolve `secrets_for[service]`: local.core_secrets plus any listed names."""
    local = _platform_locals()
    expression = local["secrets_for"][service]
    names = set(re.findall(r'"([A-Z_]+)"', expression))
    if "local.core_secrets" in expression:
        names |= set(local["core_secrets"])
    return names


def test_each_burrow_process_is_its_own_service() -> None:
    calls = _calls()
    services = {n: c.body for n, c in calls.items() if c.body.get("run_as_service") is not False}
    assert {n: b["name"] for n, b in services.items()} == SERVICES


@pytest.mark.parametrize(
    ("call", "queues"),
    [
        ("worker_ingestion", ["ingestion"]),
        ("worker_insights", ["insights"]),
        ("worker_default", ["billing", "default"]),
    ],
)
def test_workers_consume_and_scale_on_their_own_queues(call: str, queues: list[str]) -> None:
    body = _calls()[call].body
    assert body["role"] == "worker"
    assert body["command"] == queues
    assert body["queues"] == queues
    assert body["scaling_mode"] == "queue"
    assert body["cpu"] == f"${{var.{call}.cpu}}"
    assert body["memory"] == f"${{var.{call}.memory}}"


def test_web_scales_on_cpu_and_requests_behind_the_alb() -> None:
    body = _calls()["web"].body
    assert body["role"] == "web"
    assert body["scaling_mode"] == "web"
    assert body["target_group_arn"] == "${module.alb.target_group_arn}"
    assert body["alb_resource_label"] == "${module.alb.request_count_resource_label}"
    cpu = hcl.resource("aws_appautoscaling_policy", "cpu", "ecs_service").body
    requests = hcl.resource("aws_appautoscaling_policy", "requests", "ecs_service").body
    for policy, metric in (
        (cpu, "ECSServiceAverageCPUUtilization"),
        (requests, "ALBRequestCountPerTarget"),
    ):
        assert 'var.scaling_mode == "web"' in policy["count"]
        spec = policy["target_tracking_scaling_policy_configuration"][0]
        assert spec["predefined_metric_specification"][0]["predefined_metric_type"] == metric


def test_every_service_gets_a_scaling_target() -> None:
    service = hcl.resource("aws_ecs_service", "this", "ecs_service").body
    target = hcl.resource("aws_appautoscaling_target", "this", "ecs_service").body
    assert service["count"] == target["count"] == "${var.run_as_service ? 1 : 0}"
    assert target["scalable_dimension"] == "ecs:service:DesiredCount"
    # Autoscaling owns the count after creation, so applies do not reset it.
    assert "desired_count" in service["lifecycle"][0]["ignore_changes"][0]


def test_queue_scaling_tracks_burrow_queue_depth_per_task() -> None:
    policy = hcl.resource("aws_appautoscaling_policy", "queue", "ecs_service").body
    assert 'var.scaling_mode == "queue"' in policy["count"]
    spec = policy["target_tracking_scaling_policy_configuration"][0]
    custom = spec["customized_metric_specification"][0]
    per_queue = custom["dynamic"][0]["metrics"]["content"][0]["metric_stat"][0]["metric"][0]
    assert (per_queue["namespace"], per_queue["metric_name"]) == ("Burrow", "QueueDepth")
    assert per_queue["dimensions"][0]["name"] == "Queue"
    returned = [m for m in nested(custom, "metrics") if m["return_data"] is True]
    assert len(returned) == 1 and "tasks" in returned[0]["expression"]


def test_scheduler_is_pinned_to_a_single_task() -> None:
    body = _calls()["scheduler"].body
    assert body["scaling_mode"] == "pinned"
    assert body["desired_count"] == 1
    target = hcl.resource("aws_appautoscaling_target", "this", "ecs_service").body
    assert target["min_capacity"].startswith('${var.scaling_mode == "pinned" ? var.desired_count')
    assert target["max_capacity"].startswith('${var.scaling_mode == "pinned" ? var.desired_count')


def test_migrate_is_a_one_off_task_not_a_service() -> None:
    body = _calls()["migrate"].body
    assert body["role"] == "migrate"
    assert body["run_as_service"] is False


def test_web_target_group_checks_health_on_liveness_endpoint() -> None:
    group = hcl.resource("aws_lb_target_group", "web", "alb").body
    check = group["health_check"][0]
    assert check["path"] == "/_health"
    assert check["matcher"] == "200"


def test_long_running_containers_have_a_health_check() -> None:
    main = hcl.parse(hcl.MODULES / "ecs_service" / "main.tf")
    local = main["locals"][0]
    assert local["health_check"]["command"][:3] == ["CMD", "python", "/app/infra/healthcheck.py"]
    assert 'var.role == "migrate"' in local["container_definitions"]
    assert "healthCheck = local.health_check" in local["container_definitions"]


def test_containers_run_read_only_as_non_root() -> None:
    container = hcl.parse(hcl.MODULES / "ecs_service" / "main.tf")["locals"][0]["container"]
    assert container["readonlyRootFilesystem"] is True
    assert not container["user"].startswith(("0", "root"))


def test_alb_terminates_modern_tls_and_redirects_http() -> None:
    https = hcl.resource("aws_lb_listener", "https", "alb").body
    assert https["protocol"] == "HTTPS"
    assert https["certificate_arn"] == "${var.certificate_arn}"
    assert hcl.variable_default("alb", "ssl_policy").startswith("ELBSecurityPolicy-TLS13-1-2")
    http = hcl.resource("aws_lb_listener", "http", "alb").body
    redirect = http["default_action"][0]["redirect"][0]
    assert (redirect["protocol"], redirect["status_code"]) == ("HTTPS", "HTTP_301")
    alb = hcl.resource("aws_lb", "this", "alb").body
    assert alb["drop_invalid_header_fields"] is True
    assert alb["access_logs"][0]["enabled"] is True


def test_required_secrets_are_injected_from_secrets_manager() -> None:
    local = _platform_locals()
    assert set(local["secret_names"]) >= REQUIRED_SECRETS
    assert _secrets_for("web") >= REQUIRED_SECRETS
    assert {"DATABASE_URL", "REDIS_URL"} <= _secrets_for("worker-ingestion")
    container = hcl.parse(hcl.MODULES / "ecs_service" / "main.tf")["locals"][0]["container"]
    assert "valueFrom = var.secrets[key]" in container["secrets"]
    assert "var.secrets" not in container["environment"]


def test_workers_do_not_receive_web_only_secrets() -> None:
    services = set(_platform_locals()["secrets_for"])
    assert services == {*SERVICES.values(), "migrate"}
    web_only = {"STRIPE_WEBHOOK_SECRETS", "SAML_SP_PRIVATE_KEY"}
    for service in services - {"web"}:
        assert not web_only & _secrets_for(service), service


def test_execution_role_reads_only_its_own_secrets() -> None:
    policy = next(b for b in hcl.blocks("data", hcl.MODULES / "iam") if b.name == "execution")
    statements = {s["sid"]: s for s in nested(policy.body, "statement")}
    assert statements["ReadOwnSecrets"]["resources"] == "${var.secret_arns}"
    for sid, statement in statements.items():
        if sid != "EcrAuth":  # GetAuthorizationToken has no resource-level scope.
            assert statement["resources"] != ["*"], sid


def test_task_role_publishes_metrics_only_to_its_namespace() -> None:
    policy = next(b for b in hcl.blocks("data", hcl.MODULES / "iam") if b.name == "task")
    metrics = policy.body["dynamic"][0]["statement"]["content"][0]
    assert metrics["actions"] == ["cloudwatch:PutMetricData"]
    condition = metrics["condition"][0]
    assert condition["variable"] == "cloudwatch:namespace"
    assert condition["values"] == ["${statement.value}"]
    assert hcl.variable_default("ecs_service", "metric_namespace") == "Burrow"


ALARM_METRICS = {
    "queue_age": "OldestJobAgeSeconds",
    "stripe_event_age": "OldestUnprocessedStripeEventSeconds",
    "worker_heartbeat": "WorkerHeartbeatAgeSeconds",
    "db_cpu": "CPUUtilization",
    "db_storage": "FreeStorageSpace",
}


def test_alarms_watch_the_agreed_metrics_and_notify_the_topic() -> None:
    alarms = {a.name: a.body for a in hcl.resources("aws_cloudwatch_metric_alarm")}
    for name, metric in ALARM_METRICS.items():
        assert alarms[name]["metric_name"] == metric
    for name in ("queue_age", "stripe_event_age", "worker_heartbeat"):
        assert alarms[name]["namespace"] == "Burrow"
    queries = {q["id"]: q for q in nested(alarms["alb_5xx_rate"], "metric_query")}
    assert queries["target5xx"]["metric"][0]["metric_name"] == "HTTPCode_Target_5XX_Count"
    assert "requests" in queries["rate"]["expression"]
    for body in alarms.values():
        assert body["alarm_actions"] == "${local.actions}"
    assert alarms["worker_heartbeat"]["treat_missing_data"] == "breaching"


def test_log_groups_are_encrypted_and_expire() -> None:
    groups = hcl.resources("aws_cloudwatch_log_group")
    assert groups
    for group in groups:
        assert group.body["kms_key_id"] == "${var.kms_key_arn}", group.where
        assert "retention_in_days" in group.body, group.where
