locals {
  name = "burrow-${var.environment}"
  tags = merge(var.tags, { Project = "burrow", Environment = var.environment })

  # Secrets Manager secrets, one per environment variable. REDIS_AUTH_TOKEN is
  # read by the ElastiCache module only; tasks get it inside REDIS_URL.
  secret_names = [
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_AUTH_TOKEN",
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRETS",
    "SAML_SP_PRIVATE_KEY",
    "SMTP_PASSWORD",
  ]
  core_secrets = ["DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SECRET_KEY_FALLBACKS"]
  secrets_for = {
    web              = concat(local.core_secrets, ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRETS", "SAML_SP_PRIVATE_KEY", "SMTP_PASSWORD"])
    worker-ingestion = local.core_secrets
    worker-insights  = local.core_secrets
    worker-default   = concat(local.core_secrets, ["STRIPE_SECRET_KEY", "SMTP_PASSWORD"])
    scheduler        = local.core_secrets
    migrate          = local.core_secrets
  }

  # Plain settings (app/config.py); anything secret goes in secret_names.
  environment = merge(var.app_environment, {
    DEPLOYMENT             = "cloud"
    SITE_URL               = "https://${var.hostname}"
    PORT                   = "8000"
    FORWARDED_ALLOW_IPS    = var.vpc_cidr
    METRICS_NAMESPACE      = "Burrow"
    EXPORTS_BUCKET         = module.storage.exports_bucket_name
    REDIS_MIN_REPLICA_ACKS = "1" # capture answers 200 only once a replica holds the batch
  })
}

module "kms" {
  source = "../kms"
  name   = local.name
  tags   = local.tags
}

module "network" {
  source             = "../network"
  name               = local.name
  cidr_block         = var.vpc_cidr
  az_count           = var.az_count
  kms_key_arn        = module.kms.key_arn
  log_retention_days = var.log_retention_days
  tags               = local.tags
}

module "secrets" {
  source       = "../secrets"
  name         = local.name
  secret_names = toset(local.secret_names)
  kms_key_arn  = module.kms.key_arn
  tags         = local.tags
}

module "storage" {
  source      = "../storage"
  name        = local.name
  kms_key_arn = module.kms.key_arn
  tags        = local.tags
}

module "registry" {
  source      = "../registry"
  name        = local.name
  kms_key_arn = module.kms.key_arn
  tags        = local.tags
}

module "database" {
  source                    = "../database"
  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.data_subnet_ids
  client_security_group_ids = [aws_security_group.web.id, aws_security_group.worker.id]
  kms_key_arn               = module.kms.key_arn
  instance_class            = var.db_instance_class
  allocated_storage_gb      = var.db_allocated_storage_gb
  max_allocated_storage_gb  = var.db_max_allocated_storage_gb
  max_connections           = var.db_max_connections
  statement_timeout_ms      = var.db_statement_timeout_ms
  backup_retention_days     = var.db_backup_retention_days
  tags                      = local.tags
}

module "redis" {
  source                    = "../redis"
  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.data_subnet_ids
  client_security_group_ids = [aws_security_group.web.id, aws_security_group.worker.id]
  kms_key_arn               = module.kms.key_arn
  auth_token_secret_arn     = module.secrets.arns["REDIS_AUTH_TOKEN"]
  node_type                 = var.redis_node_type
  replica_count             = var.redis_replica_count
  snapshot_retention_days   = var.redis_snapshot_retention_days
  log_retention_days        = var.log_retention_days
  notification_topic_arn    = module.observability.alarm_topic_arn
  tags                      = local.tags
}

module "alb" {
  source             = "../alb"
  name               = local.name
  vpc_id             = module.network.vpc_id
  public_subnet_ids  = module.network.public_subnet_ids
  certificate_arn    = var.certificate_arn
  access_logs_bucket = module.storage.logs_bucket_name
  kms_key_arn        = module.kms.key_arn
  log_retention_days = var.log_retention_days
  tags               = local.tags
}

module "observability" {
  source                       = "../observability"
  name                         = local.name
  kms_key_arn                  = module.kms.key_arn
  alarm_emails                 = var.alarm_emails
  alb_arn_suffix               = module.alb.arn_suffix
  queue_age_thresholds_seconds = var.queue_age_thresholds_seconds
  db_instance_id               = module.database.instance_id
  redis_replication_group_id   = module.redis.replication_group_id
  redis_node_count             = var.redis_replica_count + 1
  tags                         = local.tags
}

resource "aws_route53_record" "app" {
  count   = var.route53_zone_id == null ? 0 : 1
  zone_id = var.route53_zone_id
  name    = var.hostname
  type    = "A"

  alias {
    name                   = module.alb.dns_name
    zone_id                = module.alb.zone_id
    evaluate_target_health = true
  }
}
