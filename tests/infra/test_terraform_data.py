"""Data stores: Postgres, Redis and S3 stay private, encrypted and backed up."""

from __future__ import annotations

import pytest

from tests.infra import hcl
from tests.infra.hcl import nested


def _params(type_: str, module: str) -> dict[str, str]:
    group = hcl.resource(type_, "this", module)
    return {p["name"]: p["value"] for p in nested(group.body, "parameter")}


def test_rds_is_encrypted_multi_az_private_and_protected() -> None:
    db = hcl.resource("aws_db_instance", "this", "database").body
    assert db["storage_encrypted"] is True
    assert db["kms_key_id"] == "${var.kms_key_arn}"
    assert db["multi_az"] is True
    assert db["publicly_accessible"] is False
    assert db["deletion_protection"] is True
    assert db["skip_final_snapshot"] is False
    assert db["iam_database_authentication_enabled"] is True
    assert db["copy_tags_to_snapshot"] is True
    assert db["auto_minor_version_upgrade"] is True
    assert db["performance_insights_enabled"] is True
    assert set(db["enabled_cloudwatch_logs_exports"]) >= {"postgresql"}
    # The master password is generated and kept by RDS, never passed in.
    assert db["manage_master_user_password"] is True
    assert "password" not in db


@pytest.mark.parametrize("env", hcl.ENVS)
def test_rds_keeps_at_least_seven_days_of_point_in_time_backups(env: str) -> None:
    db = hcl.resource("aws_db_instance", "this", "database").body
    assert db["backup_retention_period"] == "${var.backup_retention_days}"
    assert hcl.tfvars(env)["db_backup_retention_days"] >= 7
    validation = hcl.blocks("variable", hcl.MODULES / "database")
    retention = next(v for v in validation if v.name == "backup_retention_days")
    assert ">= 7" in retention.body["validation"][0]["condition"]


def test_rds_parameter_group_bounds_connections_and_statements() -> None:
    params = _params("aws_db_parameter_group", "database")
    assert params["max_connections"] == "${tostring(var.max_connections)}"
    assert params["statement_timeout"] == "${tostring(var.statement_timeout_ms)}"
    assert params["rds.force_ssl"] == "1"
    db = hcl.resource("aws_db_instance", "this", "database").body
    assert db["parameter_group_name"] == "${aws_db_parameter_group.this.name}"


def test_data_stores_live_in_the_data_subnets() -> None:
    calls = hcl.module_calls(hcl.MODULES / "platform")
    for store in ("database", "redis"):
        assert calls[store].body["subnet_ids"] == "${module.network.data_subnet_ids}"
    # The data tier's route table has no route out: nothing targets it.
    routes = hcl.resources("aws_route", hcl.MODULES / "network")
    assert all("aws_route_table.data" not in r.body["route_table_id"] for r in routes)


def test_redis_is_encrypted_replicated_and_fails_over() -> None:
    group = hcl.resource("aws_elasticache_replication_group", "this", "redis").body
    assert group["at_rest_encryption_enabled"] is True
    assert group["kms_key_id"] == "${var.kms_key_arn}"
    assert group["transit_encryption_enabled"] is True
    assert group["transit_encryption_mode"] == "required"
    assert group["automatic_failover_enabled"] is True
    assert group["multi_az_enabled"] is True
    assert group["num_cache_clusters"] == "${var.replica_count + 1}"
    assert group["snapshot_retention_limit"] == "${var.snapshot_retention_days}"
    for env in hcl.ENVS:
        assert hcl.tfvars(env)["redis_replica_count"] >= 1


def test_redis_auth_token_comes_from_secrets_manager() -> None:
    group = hcl.resource("aws_elasticache_replication_group", "this", "redis").body
    assert group["auth_token"] == (
        "${data.aws_secretsmanager_secret_version.auth_token.secret_string}"
    )
    data = [b for b in hcl.blocks("data", hcl.MODULES / "redis") if b.name == "auth_token"]
    assert data[0].body["secret_id"] == "${var.auth_token_secret_arn}"


def test_redis_never_evicts_queued_jobs() -> None:
    assert _params("aws_elasticache_parameter_group", "redis")["maxmemory-policy"] == "noeviction"


def test_redis_parameter_group_does_not_ask_for_aof() -> None:
    """ElastiCache rejects appendonly on Redis >= 2.8.22 and on Multi-AZ groups.

    Durability comes from the replica and failover instead; docs/operations.md
    states the resulting guarantee. Setting the parameters would fail the apply.
    """
    params = _params("aws_elasticache_parameter_group", "redis")
    assert "appendonly" not in params
    assert "appendfsync" not in params


def test_every_bucket_blocks_public_access_and_is_versioned_and_encrypted() -> None:
    storage = hcl.MODULES / "storage"
    buckets = {b.name for b in hcl.resources("aws_s3_bucket", storage)}
    assert buckets == {"exports", "logs"}
    blocks = {b.name: b.body for b in hcl.resources("aws_s3_bucket_public_access_block", storage)}
    versioning = {b.name: b.body for b in hcl.resources("aws_s3_bucket_versioning", storage)}
    sse = {
        b.name: b.body
        for b in hcl.resources("aws_s3_bucket_server_side_encryption_configuration", storage)
    }
    lifecycle = {b.name for b in hcl.resources("aws_s3_bucket_lifecycle_configuration", storage)}
    for name in buckets:
        flags = ("block_public_acls", "block_public_policy", "ignore_public_acls")
        assert all(blocks[name][flag] is True for flag in flags)
        assert blocks[name]["restrict_public_buckets"] is True
        assert versioning[name]["versioning_configuration"][0]["status"] == "Enabled"
        assert name in sse and name in lifecycle
    exports_sse = sse["exports"]["rule"][0]["apply_server_side_encryption_by_default"][0]
    assert exports_sse["sse_algorithm"] == "aws:kms"


@pytest.mark.parametrize("bucket", ["exports", "logs"])
def test_buckets_refuse_plain_http(bucket: str) -> None:
    policy = next(b for b in hcl.blocks("data", hcl.MODULES / "storage") if b.name == bucket).body
    deny = [s for s in nested(policy, "statement") if s.get("effect") == "Deny"]
    assert any(
        c["variable"] == "aws:SecureTransport" and c["values"] == ["false"]
        for s in deny
        for c in nested(s, "condition")
    )
