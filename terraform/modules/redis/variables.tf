variable "name" {
  description = "Replication group id prefix."
  type        = string
}

variable "vpc_id" {
  description = "VPC the replication group lives in."
  type        = string
}

variable "subnet_ids" {
  description = "Private data subnets (at least two AZs)."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 6379 (the ECS services)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for at-rest encryption and the slow-log group."
  type        = string
}

variable "auth_token_secret_arn" {
  description = "Secrets Manager secret holding the Redis AUTH token (seeded before the first full apply)."
  type        = string
}

variable "node_type" {
  description = "ElastiCache node type; t-class nodes do not support automatic failover well, prefer m/r classes."
  type        = string
}

variable "replica_count" {
  description = "Read replicas in other AZs; at least one is required for automatic failover."
  type        = number

  validation {
    condition     = var.replica_count >= 1
    error_message = "At least one replica is required for Multi-AZ failover."
  }
}

variable "engine_version" {
  description = "Redis OSS engine version."
  type        = string
  default     = "7.1"
}

variable "parameter_group_family" {
  description = "Parameter group family matching engine_version."
  type        = string
  default     = "redis7"
}

variable "snapshot_retention_days" {
  description = "Days of daily RDB snapshots to keep."
  type        = number
}

variable "log_retention_days" {
  description = "Retention of the Redis slow-log group, in days."
  type        = number
}

variable "notification_topic_arn" {
  description = "SNS topic for ElastiCache events (failover, node replacement)."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
