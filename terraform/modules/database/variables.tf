variable "name" {
  description = "Identifier prefix for the RDS instance and its companions."
  type        = string
}

variable "vpc_id" {
  description = "VPC the database lives in."
  type        = string
}

variable "subnet_ids" {
  description = "Private data subnets (at least two AZs) for the DB subnet group."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 5432 (the ECS services)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for storage, Performance Insights and the managed master password."
  type        = string
}

variable "engine_version" {
  description = "PostgreSQL major.minor version; minor upgrades are applied automatically."
  type        = string
  default     = "16.4"
}

variable "parameter_group_family" {
  description = "Parameter group family matching engine_version."
  type        = string
  default     = "postgres16"
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "allocated_storage_gb" {
  description = "Initial storage in GiB."
  type        = number
}

variable "max_allocated_storage_gb" {
  description = "Upper bound for storage autoscaling in GiB."
  type        = number
}

variable "max_connections" {
  description = "Postgres max_connections; size it for (web tasks x gunicorn workers x threads) + worker tasks + headroom."
  type        = number
}

variable "statement_timeout_ms" {
  description = "Server-wide statement_timeout in milliseconds; migrations raise it per session."
  type        = number
  default     = 30000
}

variable "backup_retention_days" {
  description = "Automated backup retention (point-in-time recovery window), 7-35 days."
  type        = number

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "Keep between 7 and 35 days of backups."
  }
}

variable "monitoring_interval_seconds" {
  description = "Enhanced Monitoring interval in seconds (1, 5, 10, 15, 30 or 60)."
  type        = number
  default     = 60
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
