output "app_url" {
  description = "Public URL of Burrow."
  value       = module.burrow.app_url
}

output "alb_dns_name" {
  description = "ALB DNS name."
  value       = module.burrow.alb_dns_name
}

output "ecr_repository_url" {
  description = "Push release images here."
  value       = module.burrow.ecr_repository_url
}

output "ecs_cluster_name" {
  description = "ECS cluster name."
  value       = module.burrow.ecs_cluster_name
}

output "service_names" {
  description = "ECS service per Burrow process."
  value       = module.burrow.service_names
}

output "migrate_task_family" {
  description = "Task definition family of the migration task."
  value       = module.burrow.migrate_task_family
}

output "task_subnet_ids" {
  description = "Subnets for one-off tasks."
  value       = module.burrow.task_subnet_ids
}

output "task_security_group_id" {
  description = "Security group for one-off tasks."
  value       = module.burrow.task_security_group_id
}

output "database_endpoint" {
  description = "Postgres host:port."
  value       = module.burrow.database_endpoint
}

output "redis_primary_endpoint" {
  description = "Redis primary host."
  value       = module.burrow.redis_primary_endpoint
}

output "exports_bucket" {
  description = "Exports/backups bucket."
  value       = module.burrow.exports_bucket
}

output "alarm_topic_arn" {
  description = "Alarm SNS topic."
  value       = module.burrow.alarm_topic_arn
}

output "secret_arns" {
  description = "Secret ARNs by variable name (no values)."
  value       = module.burrow.secret_arns
}
