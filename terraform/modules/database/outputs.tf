output "endpoint" {
  description = "Host:port of the primary (use it to build DATABASE_URL)."
  value       = aws_db_instance.this.endpoint
}

output "instance_id" {
  description = "RDS instance identifier, used by alarms and restores."
  value       = aws_db_instance.this.identifier
}

output "master_user_secret_arn" {
  description = "ARN of the RDS-managed master password secret (the ARN, not the value)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.this.id
}
