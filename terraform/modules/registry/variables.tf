variable "name" {
  description = "Repository name, e.g. burrow-production."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting image layers."
  type        = string
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images are expired."
  type        = number
  default     = 14
}

variable "keep_tagged_images" {
  description = "Number of tagged release images kept for rollbacks."
  type        = number
  default     = 100
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
