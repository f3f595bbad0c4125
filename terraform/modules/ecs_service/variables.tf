variable "name" {
  description = "Service name, e.g. web or worker-ingestion."
  type        = string
}

variable "name_prefix" {
  description = "Environment prefix, e.g. burrow-production."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster ARN."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster name (for autoscaling resource ids and metrics)."
  type        = string
}

variable "image" {
  description = "Container image reference, ideally pinned by digest."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ECR repository the image comes from."
  type        = string
}

variable "role" {
  description = "Entrypoint role: web, worker, scheduler or migrate."
  type        = string

  validation {
    condition     = contains(["web", "worker", "scheduler", "migrate"], var.role)
    error_message = "role must be web, worker, scheduler or migrate."
  }
}

variable "command" {
  description = "Arguments passed to infra/entrypoint.sh after the role (e.g. queue names)."
  type        = list(string)
  default     = []
}

variable "cpu" {
  description = "Fargate task CPU units (256, 512, 1024, 2048, 4096)."
  type        = number
}

variable "memory" {
  description = "Fargate task memory in MiB, valid for the chosen cpu."
  type        = number
}

variable "environment" {
  description = "Plain (non-secret) environment variables."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Environment variable name to Secrets Manager ARN, injected by ECS at start."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "KMS key for the log group and secrets."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the service's log group, in days."
  type        = number
}

variable "subnet_ids" {
  description = "Private app subnets the tasks run in."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups attached to the tasks."
  type        = list(string)
}

variable "container_port" {
  description = "Port the container listens on (web only)."
  type        = number
  default     = 8000
}

variable "stop_timeout_seconds" {
  description = "Seconds between SIGTERM and SIGKILL (Fargate allows up to 120); workers use it to finish the current job."
  type        = number
  default     = 30
}

variable "run_as_service" {
  description = "false creates only the task definition (the one-off migrate task)."
  type        = bool
  default     = true
}

variable "target_group_arn" {
  description = "ALB target group to register with; null for services without HTTP traffic."
  type        = string
  default     = null
}

variable "desired_count" {
  description = "Initial task count; autoscaling owns it afterwards."
  type        = number
  default     = 1
}

variable "min_capacity" {
  description = "Autoscaling lower bound."
  type        = number
  default     = 1
}

variable "max_capacity" {
  description = "Autoscaling upper bound."
  type        = number
  default     = 1
}

variable "scaling_mode" {
  description = "web (CPU + ALB requests per target), queue (backlog per task from Burrow/QueueDepth) or pinned (fixed count, e.g. the scheduler singleton)."
  type        = string
  default     = "pinned"

  validation {
    condition     = contains(["web", "queue", "pinned"], var.scaling_mode)
    error_message = "scaling_mode must be web, queue or pinned."
  }
}

variable "cpu_target_percent" {
  description = "Target average CPU utilisation for web scaling."
  type        = number
  default     = 60
}

variable "requests_per_target" {
  description = "Target ALBRequestCountPerTarget (per minute) for web scaling."
  type        = number
  default     = 1000
}

variable "alb_resource_label" {
  description = "app/<alb-name>/<id>/targetgroup/<tg-name>/<id>, required when scaling_mode is web."
  type        = string
  default     = null
}

variable "queues" {
  description = "RQ queues this worker consumes; their Burrow/QueueDepth values are summed for scaling."
  type        = list(string)
  default     = []
}

variable "backlog_per_task" {
  description = "Target queued jobs per running task for queue scaling."
  type        = number
  default     = 100
}

variable "metric_namespace" {
  description = "CloudWatch namespace the app publishes to (null = no PutMetricData permission)."
  type        = string
  default     = "Burrow"
}

variable "exports_bucket_arn" {
  description = "Exports bucket ARN for S3 access; null when the service needs none."
  type        = string
  default     = null
}

variable "exports_prefixes" {
  description = "Key prefixes of the exports bucket the service may use."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
