variable "name" {
  description = "Name prefix; secrets are created as <name>/<SECRET_NAME>."
  type        = string
}

variable "secret_names" {
  description = "Environment variable names to create a Secrets Manager secret for (values are set out of band)."
  type        = set(string)
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the secrets."
  type        = string
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
