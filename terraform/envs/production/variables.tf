variable "region" {
  description = "AWS region of the environment."
  type        = string
}

variable "hostname" {
  description = "Public hostname served by the ALB."
  type        = string
}

variable "route53_zone_id" {
  description = "Route 53 zone id for the alias record; null to manage DNS elsewhere."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "ACM certificate ARN for hostname (issued in the same region)."
  type        = string
}

variable "image" {
  description = "Release image pinned by digest (<ecr url>@sha256:...); set by the deploy."
  type        = string
}

variable "alarm_emails" {
  description = "Addresses notified by every alarm."
  type        = list(string)
  default     = []
}

variable "app_environment" {
  description = "Extra non-secret app settings (MAIL_BACKEND, SMTP_HOST, MAIL_FROM, ...)."
  type        = map(string)
  default     = {}
}

variable "vpc_cidr" {
  description = "VPC CIDR block."
  type        = string
}

variable "az_count" {
  description = "Availability zones used (at least 2)."
  type        = number
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "db_allocated_storage_gb" {
  description = "Initial RDS storage in GiB."
  type        = number
}

variable "db_max_allocated_storage_gb" {
  description = "RDS storage autoscaling ceiling in GiB."
  type        = number
}

variable "db_max_connections" {
  description = "Postgres max_connections."
  type        = number
}

variable "db_backup_retention_days" {
  description = "RDS backup / point-in-time recovery window in days."
  type        = number
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
}

variable "redis_replica_count" {
  description = "Redis replicas in other AZs."
  type        = number
}

variable "web" {
  description = "Web service task size and scaling."
  type = object({
    cpu                 = number
    memory              = number
    min_count           = number
    max_count           = number
    cpu_target_percent  = number
    requests_per_target = number
  })
}

variable "worker_ingestion" {
  description = "worker-ingestion task size and scaling."
  type = object({
    cpu              = number
    memory           = number
    min_count        = number
    max_count        = number
    backlog_per_task = number
  })
}

variable "worker_insights" {
  description = "worker-insights task size and scaling."
  type = object({
    cpu              = number
    memory           = number
    min_count        = number
    max_count        = number
    backlog_per_task = number
  })
}

variable "worker_default" {
  description = "worker-default (billing + default queues) task size and scaling."
  type = object({
    cpu              = number
    memory           = number
    min_count        = number
    max_count        = number
    backlog_per_task = number
  })
}

variable "scheduler" {
  description = "Scheduler task size (always one task)."
  type = object({
    cpu    = number
    memory = number
  })
}

variable "migrate" {
  description = "One-off migration task size."
  type = object({
    cpu    = number
    memory = number
  })
}
