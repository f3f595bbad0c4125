output "app_url" {
  description = "Public URL of Burrow."
  value       = "https://${var.hostname}"
}

output "alb_dns_name" {
  description = "ALB DNS name (CNAME/alias target for the hostname)."
  value       = module.alb.dns_name
}

output "ecr_repository_url" {
  description = "Where release images are pushed."
  value       = module.registry.repository_url
}

output "ecs_cluster_name" {
  description = "ECS cluster running every service."
  value       = aws_ecs_cluster.this.name
}

output "service_names" {
  description = "ECS service name per Burrow process."
  value = {
    web              = module.web.service_name
    worker_ingestion = module.worker_ingestion.service_name
    worker_insights  = module.worker_insights.service_name
    worker_default   = module.worker_default.service_name
    scheduler        = module.scheduler.service_name
  }
}

output "migrate_task_family" {
  description = "Task definition family of the one-off migration task."
  value       = module.migrate.task_definition_family
}

output "task_subnet_ids" {
  description = "Private subnets for aws ecs run-task (migrations, one-off commands)."
  value       = module.network.app_subnet_ids
}

output "task_security_group_id" {
  description = "Security group for one-off tasks."
  value       = aws_security_group.worker.id
}

output "database_endpoint" {
  description = "Postgres host:port (credentials live in Secrets Manager)."
  value       = module.database.endpoint
}

output "redis_primary_endpoint" {
  description = "Redis primary host (auth token lives in Secrets Manager)."
  value       = module.redis.primary_endpoint
}

output "exports_bucket" {
  description = "Exports/backups bucket name."
  value       = module.storage.exports_bucket_name
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = module.observability.alarm_topic_arn
}

output "secret_arns" {
  description = "Secret ARNs by variable name (ARNs only; values are never in Terraform)."
  value       = module.secrets.arns
}
