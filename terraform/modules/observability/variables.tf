variable "name" {
  description = "Name prefix for the topic and alarms."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the SNS topic."
  type        = string
}

variable "alarm_emails" {
  description = "Email addresses subscribed to the alarm topic (confirm the subscription mail)."
  type        = list(string)
  default     = []
}

variable "alb_arn_suffix" {
  description = "ALB ARN suffix for the 5xx alarm."
  type        = string
}

variable "alb_5xx_rate_percent" {
  description = "Alarm when 5xx responses exceed this share of requests (percent) for 3 of 5 minutes."
  type        = number
  default     = 2
}

variable "queue_age_thresholds_seconds" {
  description = "Per queue: alarm when the oldest waiting job is older than this (Burrow/OldestJobAgeSeconds)."
  type        = map(number)
}

variable "stripe_event_age_threshold_seconds" {
  description = "Alarm when the oldest stored but unprocessed Stripe event is older than this."
  type        = number
  default     = 900
}

variable "worker_heartbeat_threshold_seconds" {
  description = "Alarm when the freshest worker heartbeat for a queue is older than this."
  type        = number
  default     = 180
}

variable "db_instance_id" {
  description = "RDS instance identifier."
  type        = string
}

variable "db_cpu_percent" {
  description = "RDS CPU alarm threshold (percent)."
  type        = number
  default     = 80
}

variable "db_free_storage_bytes" {
  description = "RDS free storage alarm threshold in bytes."
  type        = number
  default     = 10737418240
}

variable "redis_replication_group_id" {
  description = "ElastiCache replication group id."
  type        = string
}

variable "redis_node_count" {
  description = "Nodes in the replication group (primary + replicas)."
  type        = number
}

variable "redis_memory_percent" {
  description = "Redis memory alarm threshold (percent); at 100 the noeviction policy rejects writes."
  type        = number
  default     = 75
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
