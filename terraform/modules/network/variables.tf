variable "name" {
  description = "Name prefix for every resource, e.g. burrow-production."
  type        = string
}

variable "cidr_block" {
  description = "CIDR block of the VPC; subnets are carved out of it with cidrsubnet()."
  type        = string
}

variable "az_count" {
  description = "Number of availability zones to spread subnets over (at least 2)."
  type        = number

  validation {
    condition     = var.az_count >= 2
    error_message = "Burrow needs at least two availability zones."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the VPC flow log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the VPC flow log group, in days."
  type        = number
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
