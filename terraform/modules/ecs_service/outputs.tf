output "task_definition_arn" {
  description = "ARN of the task definition revision created by this apply."
  value       = aws_ecs_task_definition.this.arn
}

output "task_definition_family" {
  description = "Task definition family (run-task and rollbacks use it)."
  value       = aws_ecs_task_definition.this.family
}

output "service_name" {
  description = "ECS service name, or null for a one-off task."
  value       = var.run_as_service ? aws_ecs_service.this[0].name : null
}

output "log_group_name" {
  description = "CloudWatch log group of the service."
  value       = aws_cloudwatch_log_group.this.name
}

output "task_role_name" {
  description = "Name of the role the application runs as."
  value       = module.iam.task_role_name
}
