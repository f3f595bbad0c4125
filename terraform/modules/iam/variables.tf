variable "name" {
  description = "Role name prefix, e.g. burrow-production-web."
  type        = string
}

variable "secret_arns" {
  description = "Secrets Manager ARNs this service's task definition injects; the execution role may read these and nothing else."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the secrets and the log group."
  type        = string
}

variable "log_group_arn" {
  description = "The service's own CloudWatch log group."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ECR repository the image is pulled from."
  type        = string
}

variable "metric_namespace" {
  description = "CloudWatch namespace the app may publish to; null denies PutMetricData."
  type        = string
  default     = null
}

variable "exports_bucket_arn" {
  description = "Exports/backups bucket ARN; used only when exports_prefixes is not empty."
  type        = string
  default     = null
}

variable "exports_prefixes" {
  description = "Key prefixes in the exports bucket this service may read and write (empty = no S3 access)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
