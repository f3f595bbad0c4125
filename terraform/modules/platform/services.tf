resource "aws_ecs_cluster" "this" {
  name = local.name

  # Container Insights also publishes RunningTaskCount, which the worker
  # backlog-per-task scaling divides by.
  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = local.tags
}

locals {
  service_common = {
    name_prefix        = local.name
    cluster_arn        = aws_ecs_cluster.this.arn
    cluster_name       = aws_ecs_cluster.this.name
    image              = var.image
    ecr_repository_arn = module.registry.repository_arn
    kms_key_arn        = module.kms.key_arn
    log_retention_days = var.log_retention_days
    subnet_ids         = module.network.app_subnet_ids
    exports_bucket_arn = module.storage.exports_bucket_arn
  }
}

module "web" {
  source = "../ecs_service"

  name                 = "web"
  role                 = "web"
  name_prefix          = local.service_common.name_prefix
  cluster_arn          = local.service_common.cluster_arn
  cluster_name         = local.service_common.cluster_name
  image                = local.service_common.image
  ecr_repository_arn   = local.service_common.ecr_repository_arn
  kms_key_arn          = local.service_common.kms_key_arn
  log_retention_days   = local.service_common.log_retention_days
  subnet_ids           = local.service_common.subnet_ids
  security_group_ids   = [aws_security_group.web.id]
  cpu                  = var.web.cpu
  memory               = var.web.memory
  environment          = local.environment
  secrets              = { for key in local.secrets_for["web"] : key => module.secrets.arns[key] }
  target_group_arn     = module.alb.target_group_arn
  stop_timeout_seconds = 30
  desired_count        = var.web.min_count
  min_capacity         = var.web.min_count
  max_capacity         = var.web.max_count
  scaling_mode         = "web"
  cpu_target_percent   = var.web.cpu_target_percent
  requests_per_target  = var.web.requests_per_target
  alb_resource_label   = module.alb.request_count_resource_label
  exports_bucket_arn   = local.service_common.exports_bucket_arn
  exports_prefixes     = ["exports/"]
  tags                 = local.tags
}

module "worker_ingestion" {
  source = "../ecs_service"

  name                 = "worker-ingestion"
  role                 = "worker"
  command              = ["ingestion"]
  queues               = ["ingestion"]
  name_prefix          = local.service_common.name_prefix
  cluster_arn          = local.service_common.cluster_arn
  cluster_name         = local.service_common.cluster_name
  image                = local.service_common.image
  ecr_repository_arn   = local.service_common.ecr_repository_arn
  kms_key_arn          = local.service_common.kms_key_arn
  log_retention_days   = local.service_common.log_retention_days
  subnet_ids           = local.service_common.subnet_ids
  security_group_ids   = [aws_security_group.worker.id]
  cpu                  = var.worker_ingestion.cpu
  memory               = var.worker_ingestion.memory
  environment          = local.environment
  secrets              = { for key in local.secrets_for["worker-ingestion"] : key => module.secrets.arns[key] }
  stop_timeout_seconds = 120
  desired_count        = var.worker_ingestion.min_count
  min_capacity         = var.worker_ingestion.min_count
  max_capacity         = var.worker_ingestion.max_count
  scaling_mode         = "queue"
  backlog_per_task     = var.worker_ingestion.backlog_per_task
  tags                 = local.tags
}

module "worker_insights" {
  source = "../ecs_service"

  name                 = "worker-insights"
  role                 = "worker"
  command              = ["insights"]
  queues               = ["insights"]
  name_prefix          = local.service_common.name_prefix
  cluster_arn          = local.service_common.cluster_arn
  cluster_name         = local.service_common.cluster_name
  image                = local.service_common.image
  ecr_repository_arn   = local.service_common.ecr_repository_arn
  kms_key_arn          = local.service_common.kms_key_arn
  log_retention_days   = local.service_common.log_retention_days
  subnet_ids           = local.service_common.subnet_ids
  security_group_ids   = [aws_security_group.worker.id]
  cpu                  = var.worker_insights.cpu
  memory               = var.worker_insights.memory
  environment          = local.environment
  secrets              = { for key in local.secrets_for["worker-insights"] : key => module.secrets.arns[key] }
  stop_timeout_seconds = 120
  desired_count        = var.worker_insights.min_count
  min_capacity         = var.worker_insights.min_count
  max_capacity         = var.worker_insights.max_count
  scaling_mode         = "queue"
  backlog_per_task     = var.worker_insights.backlog_per_task
  tags                 = local.tags
}

module "worker_default" {
  source = "../ecs_service"

  name                 = "worker-default"
  role                 = "worker"
  command              = ["billing", "default"]
  queues               = ["billing", "default"]
  name_prefix          = local.service_common.name_prefix
  cluster_arn          = local.service_common.cluster_arn
  cluster_name         = local.service_common.cluster_name
  image                = local.service_common.image
  ecr_repository_arn   = local.service_common.ecr_repository_arn
  kms_key_arn          = local.service_common.kms_key_arn
  log_retention_days   = local.service_common.log_retention_days
  subnet_ids           = local.service_common.subnet_ids
  security_group_ids   = [aws_security_group.worker.id]
  cpu                  = var.worker_default.cpu
  memory               = var.worker_default.memory
  environment          = local.environment
  secrets              = { for key in local.secrets_for["worker-default"] : key => module.secrets.arns[key] }
  stop_timeout_seconds = 120
  desired_count        = var.worker_default.min_count
  min_capacity         = var.worker_default.min_count
  max_capacity         = var.worker_default.max_count
  scaling_mode         = "queue"
  backlog_per_task     = var.worker_default.backlog_per_task
  exports_bucket_arn   = local.service_common.exports_bucket_arn
  exports_prefixes     = ["exports/", "backups/"]
  tags                 = local.tags
}

# The scheduler claims each period in Redis, so the extra copy that briefly
# exists during a deploy is harmless; one task is all it ever needs, so its
# scaling target pins it to exactly one.
module "scheduler" {
  source = "../ecs_service"

  name                 = "scheduler"
  role                 = "scheduler"
  name_prefix          = local.service_common.name_prefix
  cluster_arn          = local.service_common.cluster_arn
  cluster_name         = local.service_common.cluster_name
  image                = local.service_common.image
  ecr_repository_arn   = local.service_common.ecr_repository_arn
  kms_key_arn          = local.service_common.kms_key_arn
  log_retention_days   = local.service_common.log_retention_days
  subnet_ids           = local.service_common.subnet_ids
  security_group_ids   = [aws_security_group.worker.id]
  cpu                  = var.scheduler.cpu
  memory               = var.scheduler.memory
  environment          = local.environment
  secrets              = { for key in local.secrets_for["scheduler"] : key => module.secrets.arns[key] }
  stop_timeout_seconds = 30
  desired_count        = 1
  scaling_mode         = "pinned"
  tags                 = local.tags
}

# One-off task run by every deploy before the services are updated:
#   aws ecs run-task --task-definition <migrate family> ... (docs/operations.md)
module "migrate" {
  source = "../ecs_service"

  name               = "migrate"
  role               = "migrate"
  run_as_service     = false
  name_prefix        = local.service_common.name_prefix
  cluster_arn        = local.service_common.cluster_arn
  cluster_name       = local.service_common.cluster_name
  image              = local.service_common.image
  ecr_repository_arn = local.service_common.ecr_repository_arn
  kms_key_arn        = local.service_common.kms_key_arn
  log_retention_days = local.service_common.log_retention_days
  subnet_ids         = local.service_common.subnet_ids
  security_group_ids = [aws_security_group.worker.id]
  cpu                = var.migrate.cpu
  memory             = var.migrate.memory
  environment        = local.environment
  secrets            = { for key in local.secrets_for["migrate"] : key => module.secrets.arns[key] }
  metric_namespace   = null
  tags               = local.tags
}
