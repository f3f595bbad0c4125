variable "name" {
  description = "Bucket name prefix; must be globally unique together with the account id suffix."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS on the exports bucket."
  type        = string
}

variable "export_expiration_days" {
  description = "Days after which objects under exports/ are deleted."
  type        = number
  default     = 30
}

variable "backup_transition_days" {
  description = "Days after which objects under backups/ move to Glacier Flexible Retrieval."
  type        = number
  default     = 30
}

variable "backup_expiration_days" {
  description = "Days after which objects under backups/ are deleted."
  type        = number
  default     = 365
}

variable "noncurrent_version_expiration_days" {
  description = "Days a replaced or deleted object version is kept (undo window)."
  type        = number
  default     = 30
}

variable "log_expiration_days" {
  description = "Days ALB and S3 access logs are kept."
  type        = number
  default     = 400
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
