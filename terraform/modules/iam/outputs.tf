output "execution_role_arn" {
  description = "ARN of the ECS task execution role."
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "ARN of the role the application runs as."
  value       = aws_iam_role.task.arn
}

output "task_role_name" {
  description = "Name of the role the application runs as."
  value       = aws_iam_role.task.name
}
