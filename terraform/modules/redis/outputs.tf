output "primary_endpoint" {
  description = "Primary endpoint host (use rediss:// with it to build REDIS_URL)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "replication_group_id" {
  description = "Replication group id, used by alarms."
  value       = aws_elasticache_replication_group.this.id
}

output "security_group_id" {
  description = "Security group of the replication group."
  value       = aws_elasticache_replication_group.this.security_group_ids
}
