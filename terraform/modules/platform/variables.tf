variable "environment" {
  description = "Environment name: production or staging."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR block of the environment's VPC."
  type        = string
}

variable "az_count" {
  description = "Availability zones to spread over (at least 2)."
  type        = number
}

variable "hostname" {
  description = "Public hostname served by the ALB, e.g. app.burrow.example."
  type        = string
}

variable "route53_zone_id" {
  description = "Route 53 zone for an alias record to the ALB; null to manage DNS elsewhere."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "ACM certificate (issued and validated) for hostname."
  type        = string
}

variable "image" {
  description = "Release image, pinned by digest: <repo>@sha256:<digest>."
  type        = string
}

variable "alarm_emails" {
  description = "Email addresses notified by every alarm."
  type        = list(string)
  default     = []
}

variable "app_environment" {
  description = "Extra non-secret settings for every task (MAIL_BACKEND, SMTP_HOST, MAIL_FROM, ...); secrets never go here."
  type        = map(string)
  default     = {}
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch log group, in days."
  type        = number
  default     = 365
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

variable "db_statement_timeout_ms" {
  description = "Postgres statement_timeout in milliseconds."
  type        = number
  default     = 30000
}

variable "db_backup_retention_days" {
  description = "RDS automated backup / PITR window in days (7-35)."
  type        = number
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
}

variable "redis_replica_count" {
  description = "Redis replicas (at least 1)."
  type        = number
}

variable "redis_snapshot_retention_days" {
  description = "Days of Redis snapshots to keep."
  type        = number
  default     = 7
}

variable "web" {
  description = "Web service size and scaling bounds (cpu units, memory MiB, min/max tasks, CPU % and requests-per-target targets)."
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
  description = "worker-ingestion (queue ingestion) size and scaling bounds; backlog_per_task is the queued-jobs-per-task target."
  type = object({
    cpu              = number
    memory           = number
    min_count        = number
    max_count        = number
    backlog_per_task = number
  })
}

variable "worker_insights" {
  description = "worker-insights (queue insights) size and scaling bounds."
  type = object({
    cpu              = number
    memory           = number
    min_count        = number
    max_count        = number
    backlog_per_task = number
  })
}

variable "worker_default" {
  description = "worker-default (queues billing and default) size and scaling bounds."
  type = object({
    cpu              = number
    memory           = number
    min_count        = number
    max_count        = number
    backlog_per_task = number
  })
}

variable "scheduler" {
  description = "Scheduler size; it always runs exactly one task."
  type = object({
    cpu    = number
    memory = number
  })
}

variable "migrate" {
  description = "Size of the one-off migrate task."
  type = object({
    cpu    = number
    memory = number
  })
}

variable "queue_age_thresholds_seconds" {
  description = "Per RQ queue, alarm threshold for the oldest waiting job."
  type        = map(number)
  default = {
    ingestion = 120
    insights  = 300
    billing   = 600
    default   = 900
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
