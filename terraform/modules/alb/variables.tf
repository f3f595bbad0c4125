variable "name" {
  description = "Load balancer name prefix (at most 28 characters)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the load balancer."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets in at least two AZs."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate for the HTTPS listener."
  type        = string
}

variable "ssl_policy" {
  description = "TLS negotiation policy; must allow TLS 1.2 and newer only."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "container_port" {
  description = "Port the web containers listen on."
  type        = number
  default     = 8000
}

variable "access_logs_bucket" {
  description = "S3 bucket (SSE-S3) receiving access logs under alb/."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for the WAF log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the WAF log group, in days."
  type        = number
}

variable "waf_rate_limit_per_5min" {
  description = "Requests per client IP per 5 minutes before WAF blocks it (SDK capture traffic is batched, keep this generous)."
  type        = number
  default     = 20000
}

variable "idle_timeout_seconds" {
  description = "ALB idle timeout; keep below gunicorn's keepalive plus timeout."
  type        = number
  default     = 60
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
