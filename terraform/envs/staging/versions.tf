terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # State holds resource attributes (including the Redis AUTH token read from
  # Secrets Manager), so the bucket is private, versioned and KMS-encrypted.
  # Bucket, region and kms_key_id come from backend.hcl (docs/operations.md).
  backend "s3" {
    key          = "burrow/staging/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "burrow"
      Environment = "staging"
      ManagedBy   = "terraform"
    }
  }
}
